// Direct 3×3 (any square k) stride-1 convolutions for layers with 16 or 32 output channels, in
// AVX-512 — the narrow layers at the finest level of the editor's U-Nets, where im2col + sgemm
// ran at a quarter of sgemm's speed (the column matrix is 9× the image and OpenBLAS copies it
// again to pack it; a 16-wide product is one register here). The engine calls these for row
// ranges from its own thread pool, and keeps its im2col path for everything else.
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

/// Whether this CPU runs the kernels below (AVX-512F); when not, the engine does not call them.
int likewise_direct_convolution_available(void);

/// y[r, ox, :] = bias + Σ_{ky,kx,ci} xp[image, oy + ky, ox + kx, ci] · w[ky, kx, ci, :] for output
/// rows r ∈ [row_begin, row_end) of the n·oh rows (r = image·oh + oy), with xp the input already
/// padded, [n, oh + k − 1, ow + k − 1, cin], and w [k, k, cin, cout]. cout is 16 or 32; bias may
/// be null.
void likewise_direct_convolution_forward(const float *xp, int cin, const float *w, int k, const float *bias, int cout,
                                         float *y, int oh, int ow, int row_begin, int row_end);

/// dw[ky, kx, ci, :] = Σ_{image,oy,ox} xp[image, oy + ky, ox + kx, ci] · dy[image, oy, ox, :] for the
/// work units [unit_begin, unit_end) of k·k·⌈cin/8⌉ (a tap and a block of 8 input channels each):
/// every unit sums over all pixels in one fixed order, so the result does not depend on how the
/// units are split. xp is padded as for the forward pass and must have 8 readable floats past
/// its end.
void likewise_direct_convolution_weight_gradient(const float *xp, int cin, const float *dy, int n, int oh, int ow, int cout,
                                                 int k, float *dw, int unit_begin, int unit_end);

#ifdef __cplusplus
}
#endif
