// Direct convolutions with square kernels and stride 1 or 2, for layers of up to 96 output
// channels, in AVX-512 — the editor's layers, where
// im2col + sgemm ran at a quarter of sgemm's speed (the column matrix is 9× the image, OpenBLAS
// copies it again to pack it, and a product 16 (or 3) columns wide fills its kernel badly), and
// its output layers. The engine calls these for ranges of work from its own thread pool and keeps
// its im2col path for everything else.
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

/// Whether this CPU runs the kernels below (AVX-512F); when not, the engine does not call them.
int likewise_direct_convolution_available(void);

/// y[r, ox, :] = bias + Σ_{ky,kx,ci} xp[image, oy·s + ky, ox·s + kx, ci] · w[ky, kx, ci, :] for
/// output rows r ∈ [row_begin, row_end) of the n·oh rows (r = image·oh + oy), with xp the input
/// already padded, [n, hp, wp, cin], and w [k, k, cin, cout]. cout is 1…96 (held as up to six
/// 16-float registers a pixel, the last masked); bias may be null.
void likewise_direct_convolution_forward(const float *xp, int hp, int wp, int cin, const float *w, int k, int stride,
                                         const float *bias, int cout, float *y, int oh, int ow, int row_begin, int row_end);

/// The number of work units of the weight gradient: a tap and a block of input channels each.
int likewise_direct_convolution_weight_gradient_units(int cin, int k, int cout);

/// dw[ky, kx, ci, :] = Σ_{image,oy,ox} xp[image, oy·s + ky, ox·s + kx, ci] · dy[image, oy, ox, :]
/// for the work units [unit_begin, unit_end): every unit sums over all pixels in one fixed order,
/// so the result does not depend on how the units are split. xp is padded as for the forward
/// pass and must have 8 readable floats past its end.
void likewise_direct_convolution_weight_gradient(const float *xp, int hp, int wp, int cin, const float *dy, int n, int oh, int ow,
                                                 int cout, int k, int stride, float *dw, int unit_begin, int unit_end);

#ifdef __cplusplus
}
#endif
