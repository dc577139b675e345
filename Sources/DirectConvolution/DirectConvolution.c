#include "DirectConvolution.h"

#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f")))

int likewise_direct_convolution_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
}

// A layer's output channels as 16-float vectors: the last one masked when there are fewer than 16.
static inline __mmask16 last_mask(int cout) { return cout >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << cout) - 1); }

// One output row segment of `PIXELS` pixels × `VECTORS`·16 channels, accumulated in registers:
// each weight row is loaded once and multiplied by every pixel's input value (a broadcast).
#define FORWARD_BLOCK(PIXELS, VECTORS)                                                                          \
    static inline AVX512 void forward_block_##PIXELS##_##VECTORS(const float *in, int wp, int cin, int step,     \
                                                                 const float *w, int k, const float *bias,      \
                                                                 int cout, __mmask16 mask, float *out) {        \
        __m512 acc[PIXELS][VECTORS];                                                                            \
        for (int v = 0; v < VECTORS; v++) {                                                                     \
            __mmask16 m = v == VECTORS - 1 ? mask : 0xFFFF;                                                     \
            __m512 b = bias ? _mm512_maskz_loadu_ps(m, bias + 16 * v) : _mm512_setzero_ps();                    \
            for (int p = 0; p < PIXELS; p++) acc[p][v] = b;                                                     \
        }                                                                                                       \
        for (int ky = 0; ky < k; ky++) {                                                                        \
            for (int kx = 0; kx < k; kx++) {                                                                    \
                const float *x = in + ((long)ky * wp + kx) * cin;                                               \
                const float *wt = w + (long)(ky * k + kx) * cin * cout;                                         \
                /* Each tap's sum apart, then added: chains of Cin products rather than K·K·Cin    */           \
                /* (a whole network's output was 4× noisier in rounding with one chain).          */           \
                __m512 tap[PIXELS][VECTORS];                                                                    \
                for (int p = 0; p < PIXELS; p++)                                                                \
                    for (int v = 0; v < VECTORS; v++) tap[p][v] = _mm512_setzero_ps();                          \
                for (int ci = 0; ci < cin; ci++) {                                                              \
                    __m512 row[VECTORS];                                                                        \
                    for (int v = 0; v < VECTORS; v++)                                                           \
                        row[v] = _mm512_maskz_loadu_ps(v == VECTORS - 1 ? mask : 0xFFFF, wt + (long)ci * cout + 16 * v); \
                    for (int p = 0; p < PIXELS; p++) {                                                          \
                        __m512 value = _mm512_set1_ps(x[(long)p * step + ci]);                                  \
                        for (int v = 0; v < VECTORS; v++) tap[p][v] = _mm512_fmadd_ps(value, row[v], tap[p][v]); \
                    }                                                                                           \
                }                                                                                               \
                for (int p = 0; p < PIXELS; p++)                                                                \
                    for (int v = 0; v < VECTORS; v++) acc[p][v] = _mm512_add_ps(acc[p][v], tap[p][v]);         \
            }                                                                                                   \
        }                                                                                                       \
        for (int p = 0; p < PIXELS; p++)                                                                        \
            for (int v = 0; v < VECTORS; v++)                                                                   \
                _mm512_mask_storeu_ps(out + (long)p * cout + 16 * v, v == VECTORS - 1 ? mask : 0xFFFF, acc[p][v]); \
    }

FORWARD_BLOCK(8, 1)
FORWARD_BLOCK(1, 1)
FORWARD_BLOCK(4, 2)
FORWARD_BLOCK(1, 2)
FORWARD_BLOCK(3, 3)
FORWARD_BLOCK(1, 3)
FORWARD_BLOCK(3, 4)
FORWARD_BLOCK(1, 4)
FORWARD_BLOCK(2, 5)
FORWARD_BLOCK(1, 5)
FORWARD_BLOCK(2, 6)
FORWARD_BLOCK(1, 6)

// A row of output pixels, a block of PIXELS at a time, then one at a time.
#define FORWARD_ROW(PIXELS, VECTORS)                                                                            \
    for (; ox + PIXELS <= ow; ox += PIXELS)                                                                     \
        forward_block_##PIXELS##_##VECTORS(in + (long)ox * step, wp, cin, step, w, k, bias, cout, mask, out + (long)ox * cout); \
    for (; ox < ow; ox++) forward_block_1_##VECTORS(in + (long)ox * step, wp, cin, step, w, k, bias, cout, mask, out + (long)ox * cout);

AVX512 void likewise_direct_convolution_forward(const float *xp, int hp, int wp, int cin, const float *w, int k, int stride,
                                                const float *bias, int cout, float *y, int oh, int ow, int row_begin, int row_end) {
    const __mmask16 mask = last_mask(cout - 16 * ((cout + 15) / 16 - 1));
    const int step = stride * cin;
    for (int r = row_begin; r < row_end; r++) {
        const int image = r / oh, oy = r % oh;
        const float *in = xp + ((long)image * hp + (long)oy * stride) * wp * cin;
        float *out = y + (long)r * ow * cout;
        int ox = 0;
        switch ((cout + 15) / 16) {
        case 1: FORWARD_ROW(8, 1) break;
        case 2: FORWARD_ROW(4, 2) break;
        case 3: FORWARD_ROW(3, 3) break;
        case 4: FORWARD_ROW(3, 4) break;
        case 5: FORWARD_ROW(2, 5) break;
        default: FORWARD_ROW(2, 6) break;
        }
    }
}

// Input channels per weight-gradient unit: as many as keep the accumulators within 16 registers.
static inline int channel_block(int cout) { return cout <= 32 ? 8 : 4; }

int likewise_direct_convolution_weight_gradient_units(int cin, int k, int cout) {
    const int block = channel_block(cout);
    return k * k * ((cin + block - 1) / block);
}

// The gradient of one tap's block of BLOCK input channels × VECTORS·16 output channels, summed
// over every pixel in order (image, oy, ox).
#define WEIGHT_GRADIENT_UNIT(BLOCK, VECTORS)                                                                    \
    static inline AVX512 void weight_gradient_unit_##BLOCK##_##VECTORS(                                         \
        const float *xp, int hp, int wp, int cin, const float *dy, int n, int oh, int ow, int cout, int k, int stride, \
        int ky, int kx, int c0, float *dw) {                                                                    \
        const __mmask16 mask = last_mask(cout - 16 * (VECTORS - 1));                                            \
        __m512 acc[BLOCK][VECTORS];                                                                             \
        for (int c = 0; c < BLOCK; c++)                                                                         \
            for (int v = 0; v < VECTORS; v++) acc[c][v] = _mm512_setzero_ps();                                  \
        for (int image = 0; image < n; image++) {                                                               \
            for (int oy = 0; oy < oh; oy++) {                                                                   \
                const float *in = xp + (((long)image * hp + (long)oy * stride + ky) * wp + kx) * cin + c0;      \
                const float *g = dy + ((long)image * oh + oy) * ow * cout;                                      \
                for (int ox = 0; ox < ow; ox++) {                                                               \
                    __m512 grad[VECTORS];                                                                       \
                    for (int v = 0; v < VECTORS; v++)                                                           \
                        grad[v] = _mm512_maskz_loadu_ps(v == VECTORS - 1 ? mask : 0xFFFF, g + (long)ox * cout + 16 * v); \
                    const float *x = in + (long)ox * stride * cin;                                              \
                    for (int c = 0; c < BLOCK; c++) {                                                           \
                        __m512 value = _mm512_set1_ps(x[c]);                                                    \
                        for (int v = 0; v < VECTORS; v++) acc[c][v] = _mm512_fmadd_ps(value, grad[v], acc[c][v]); \
                    }                                                                                           \
                }                                                                                               \
            }                                                                                                   \
        }                                                                                                       \
        const int channels = cin - c0 < BLOCK ? cin - c0 : BLOCK;                                               \
        for (int c = 0; c < channels; c++)                                                                      \
            for (int v = 0; v < VECTORS; v++)                                                                   \
                _mm512_mask_storeu_ps(dw + ((long)(ky * k + kx) * cin + c0 + c) * cout + 16 * v,                \
                                      v == VECTORS - 1 ? mask : 0xFFFF, acc[c][v]);                             \
    }

WEIGHT_GRADIENT_UNIT(8, 1)
WEIGHT_GRADIENT_UNIT(8, 2)
WEIGHT_GRADIENT_UNIT(4, 3)
WEIGHT_GRADIENT_UNIT(4, 4)
WEIGHT_GRADIENT_UNIT(4, 5)
WEIGHT_GRADIENT_UNIT(4, 6)

AVX512 void likewise_direct_convolution_weight_gradient(const float *xp, int hp, int wp, int cin, const float *dy, int n, int oh, int ow,
                                                        int cout, int k, int stride, float *dw, int unit_begin, int unit_end) {
    const int block = channel_block(cout), blocks = (cin + block - 1) / block;
    for (int unit = unit_begin; unit < unit_end; unit++) {
        const int tap = unit / blocks, ky = tap / k, kx = tap % k, c0 = (unit % blocks) * block;
#define UNIT(BLOCK, VECTORS) weight_gradient_unit_##BLOCK##_##VECTORS(xp, hp, wp, cin, dy, n, oh, ow, cout, k, stride, ky, kx, c0, dw)
        switch ((cout + 15) / 16) {
        case 1: UNIT(8, 1); break;
        case 2: UNIT(8, 2); break;
        case 3: UNIT(4, 3); break;
        case 4: UNIT(4, 4); break;
        case 5: UNIT(4, 5); break;
        default: UNIT(4, 6); break;
        }
#undef UNIT
    }
}
