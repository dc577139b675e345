// Direct convolutions with square kernels and stride 1 or 2, in AVX-512 — the editor's layers,
// where im2col + sgemm ran at a quarter of sgemm's speed (the column matrix is 9× the image,
// OpenBLAS copies it again to pack it, and a product 16 (or 3) columns wide fills its kernel
// badly), its output layers, and the wider layers of the larger preset (in chunks of up to 96
// output channels, where im2col ran at 0.7 of sgemm). The engine calls these for ranges of work
// from its own thread pool and keeps its im2col path for everything else.
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

/// Whether this CPU runs the kernels below (AVX-512F); when not, the engine does not call them.
int likewise_direct_convolution_available(void);

/// y[r, ox, :] = bias + Σ_{ky,kx,ci} x[image, oy·s + ky − pad, ox·s + kx − pad, ci] · w[ky, kx, ci, :]
/// for output rows r ∈ [row_begin, row_end) of the n·oh rows (r = image·oh + oy), with x
/// [n, h, w, cin] read as if zero-padded by `pad` on every side (taps outside it are skipped, so
/// the sums are those of a padded copy, bit for bit) and w [k, k, cin, cout]. The output channels
/// are taken in chunks of up to 96 (six 16-float registers a pixel, the last masked); bias may be
/// null.
void likewise_direct_convolution_forward(const float *x, int h, int w, int cin, int pad, const float *wt, int k, int stride,
                                         const float *bias, int cout, float *y, int oh, int ow, int row_begin, int row_end);

/// The number of work units of the weight gradient: a tap, a block of input channels and a chunk
/// of output channels each.
int likewise_direct_convolution_weight_gradient_units(int cin, int k, int cout);

/// dw[ky, kx, ci, :] = Σ_{image,oy,ox} x[image, oy·s + ky − pad, ox·s + kx − pad, ci] · dy[image, oy, ox, :]
/// over the pixels whose tap lies inside x, for the work units [unit_begin, unit_end): every unit
/// sums in one fixed order, so the result does not depend on how the units are split.
void likewise_direct_convolution_weight_gradient(const float *x, int h, int w, int cin, int pad, const float *dy, int n, int oh, int ow,
                                                 int cout, int k, int stride, float *dw, int unit_begin, int unit_end);

#ifdef __cplusplus
}
#endif
