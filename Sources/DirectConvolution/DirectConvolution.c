#include "DirectConvolution.h"

#include <immintrin.h>
#include <string.h>

#define AVX512 __attribute__((target("avx512f")))

int likewise_direct_convolution_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
}

// One output row segment of `PIXELS` pixels × `VECTORS`·16 channels, accumulated in registers:
// each weight row is loaded once and multiplied by every pixel's input value (a broadcast).
#define FORWARD_BLOCK(PIXELS, VECTORS)                                                                   \
    static inline AVX512 void forward_block_##PIXELS##_##VECTORS(                                       \
        const float *xp, int wp, int cin, const float *w, int k, const float *bias, float *out) {        \
        __m512 acc[PIXELS][VECTORS];                                                                     \
        for (int v = 0; v < VECTORS; v++) {                                                              \
            __m512 b = bias ? _mm512_loadu_ps(bias + 16 * v) : _mm512_setzero_ps();                      \
            for (int p = 0; p < PIXELS; p++) acc[p][v] = b;                                              \
        }                                                                                                \
        for (int ky = 0; ky < k; ky++) {                                                                 \
            for (int kx = 0; kx < k; kx++) {                                                             \
                const float *in = xp + ((long)ky * wp + kx) * cin;                                       \
                const float *wt = w + (long)(ky * k + kx) * cin * 16 * VECTORS;                          \
                for (int ci = 0; ci < cin; ci++) {                                                       \
                    __m512 row[VECTORS];                                                                 \
                    for (int v = 0; v < VECTORS; v++) row[v] = _mm512_loadu_ps(wt + (ci * VECTORS + v) * 16); \
                    for (int p = 0; p < PIXELS; p++) {                                                   \
                        __m512 value = _mm512_set1_ps(in[(long)p * cin + ci]);                           \
                        for (int v = 0; v < VECTORS; v++) acc[p][v] = _mm512_fmadd_ps(value, row[v], acc[p][v]); \
                    }                                                                                    \
                }                                                                                        \
            }                                                                                            \
        }                                                                                                \
        for (int p = 0; p < PIXELS; p++)                                                                 \
            for (int v = 0; v < VECTORS; v++) _mm512_storeu_ps(out + (p * VECTORS + v) * 16, acc[p][v]); \
    }

FORWARD_BLOCK(8, 1)
FORWARD_BLOCK(1, 1)
FORWARD_BLOCK(4, 2)
FORWARD_BLOCK(1, 2)

AVX512 void likewise_direct_convolution_forward(const float *xp, int cin, const float *w, int k, const float *bias, int cout,
                                                float *y, int oh, int ow, int row_begin, int row_end) {
    const int hp = oh + k - 1, wp = ow + k - 1;
    for (int r = row_begin; r < row_end; r++) {
        const int image = r / oh, oy = r % oh;
        const float *in = xp + ((long)image * hp + oy) * wp * cin;
        float *out = y + (long)r * ow * cout;
        int ox = 0;
        if (cout == 16) {
            for (; ox + 8 <= ow; ox += 8) forward_block_8_1(in + (long)ox * cin, wp, cin, w, k, bias, out + ox * 16);
            for (; ox < ow; ox++) forward_block_1_1(in + (long)ox * cin, wp, cin, w, k, bias, out + ox * 16);
        } else {
            for (; ox + 4 <= ow; ox += 4) forward_block_4_2(in + (long)ox * cin, wp, cin, w, k, bias, out + ox * 32);
            for (; ox < ow; ox++) forward_block_1_2(in + (long)ox * cin, wp, cin, w, k, bias, out + ox * 32);
        }
    }
}

// The gradient of one tap's block of 8 input channels × `VECTORS`·16 output channels, summed over
// every pixel in order (image, oy, ox).
#define WEIGHT_GRADIENT_UNIT(VECTORS)                                                                    \
    static inline AVX512 void weight_gradient_unit_##VECTORS(const float *xp, int cin, const float *dy, int n, int oh, \
                                                             int ow, int k, int ky, int kx, int c0, float *dw) { \
        const int hp = oh + k - 1, wp = ow + k - 1;                                                      \
        __m512 acc[8][VECTORS];                                                                          \
        for (int c = 0; c < 8; c++)                                                                      \
            for (int v = 0; v < VECTORS; v++) acc[c][v] = _mm512_setzero_ps();                           \
        for (int image = 0; image < n; image++) {                                                        \
            for (int oy = 0; oy < oh; oy++) {                                                            \
                const float *in = xp + (((long)image * hp + oy + ky) * wp + kx) * cin + c0;              \
                const float *g = dy + ((long)image * oh + oy) * ow * 16 * VECTORS;                       \
                for (int ox = 0; ox < ow; ox++) {                                                        \
                    __m512 grad[VECTORS];                                                                \
                    for (int v = 0; v < VECTORS; v++) grad[v] = _mm512_loadu_ps(g + ((long)ox * VECTORS + v) * 16); \
                    const float *x = in + (long)ox * cin;                                                \
                    for (int c = 0; c < 8; c++) {                                                        \
                        __m512 value = _mm512_set1_ps(x[c]);                                             \
                        for (int v = 0; v < VECTORS; v++) acc[c][v] = _mm512_fmadd_ps(value, grad[v], acc[c][v]); \
                    }                                                                                    \
                }                                                                                        \
            }                                                                                            \
        }                                                                                                \
        const int channels = cin - c0 < 8 ? cin - c0 : 8;                                               \
        for (int c = 0; c < channels; c++)                                                               \
            for (int v = 0; v < VECTORS; v++)                                                            \
                _mm512_storeu_ps(dw + (((long)(ky * k + kx) * cin + c0 + c) * VECTORS + v) * 16, acc[c][v]); \
    }

WEIGHT_GRADIENT_UNIT(1)
WEIGHT_GRADIENT_UNIT(2)

AVX512 void likewise_direct_convolution_weight_gradient(const float *xp, int cin, const float *dy, int n, int oh, int ow, int cout,
                                                        int k, float *dw, int unit_begin, int unit_end) {
    const int blocks = (cin + 7) / 8;
    for (int unit = unit_begin; unit < unit_end; unit++) {
        const int tap = unit / blocks, c0 = (unit % blocks) * 8;
        if (cout == 16) weight_gradient_unit_1(xp, cin, dy, n, oh, ow, k, tap / k, tap % k, c0, dw);
        else weight_gradient_unit_2(xp, cin, dy, n, oh, ow, k, tap / k, tap % k, c0, dw);
    }
}
