// SiLU's loops, group norm's sums and input gradient, and AdamW's update in AVX-512, chosen at
// run time. The engine is compiled for the x86-64 baseline (SSE2: four floats a vector), where
// SiLU's exponential ran at 1.3 ns an element and at 0.4 ns with sixteen — SiLU and the group
// norm it follows were a fifth of a U-Net's training step.
// Each function computes exactly what the engine's Swift loop does (`fastExp`, the same
// operations in the same order, no fused multiply-adds), so results do not depend on the CPU.
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

/// Whether this CPU runs the kernels below (AVX-512F and VL); when not, the engine does not call them.
int likewise_vector_kernels_available(void);

/// y[i] = SiLU(x[i]) = x / (1 + e^−x) for i < count.
void likewise_silu(const float *x, float *y, long count);

/// out[i] = g[i] · s · (1 + x[i]·(1 − s)) with s = 1 / (1 + e^−x[i]): SiLU's gradient.
void likewise_silu_gradient(const float *x, const float *g, float *out, long count);

/// For `pixels` pixels of `channels` each: y = SiLU(x·scale[c] + offset[c]) — group norm's
/// affine map and SiLU in one pass.
void likewise_silu_affine(const float *x, const float *scale, const float *offset, int channels, long pixels, float *y);

/// For `pixels` pixels of `channels` each: out = SiLU's gradient at a = x·scale[c] + offset[c]
/// times g.
void likewise_silu_affine_gradient(const float *x, const float *scale, const float *offset, const float *g, int channels, long pixels,
                                   float *out);

/// For `pixels` pixels of `channels` each, in order: sums[c] += x, sums[channels + c] += x², in
/// double precision — group norm's statistics.
void likewise_channel_sums(const float *x, int channels, long pixels, double *sums);

/// For `pixels` pixels of `channels` each, in order: sums[c] += d·(x·r[c] + m[c]) (the product in
/// single precision) and sums[channels + c] += d, in double precision — group norm's gradient sums.
void likewise_channel_gradient_sums(const float *x, const float *d, const float *r, const float *m, int channels, long pixels,
                                    double *sums);

/// For `pixels` pixels of `channels` each: dx = d·a[c] + b[c] + (x·r[c] + mean[c])·c[c] — group
/// norm's input gradient, from its per-channel coefficients.
void likewise_group_norm_input_gradient(const float *x, const float *d, const float *r, const float *mean, const float *a,
                                        const float *b, const float *c, int channels, long pixels, float *dx);

/// One AdamW update of `count` parameters: m1 = β1·m1 + (1 − β1)·g, m2 = β2·m2 + (1 − β2)·g·g,
/// w −= rate·((m1 / correction1) / (√(m2 / correction2) + ε) + decay·w).
void likewise_adamw(float *w, const float *g, float *m1, float *m2, long count, float beta1, float beta2, float correction1,
                    float correction2, float rate, float epsilon, float decay);

/// lanes[j] += x[i]² (in double precision) for every i < count with i mod 8 = j, in order of i:
/// a sum of squares in eight running sums (clipping's gradient norm).
void likewise_sum_of_squares(const float *x, long count, double *lanes);

/// Tells the CPU that this thread is spinning on a flag (a waiting worker of the engine's pool):
/// on x86 `pause`, which saves power and leaves a sibling hyperthread the core.
static inline void likewise_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

#ifdef __cplusplus
}
#endif
