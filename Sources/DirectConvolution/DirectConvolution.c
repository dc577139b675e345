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
// The taps are those of [ky0, ky1) × [kx0, kx1) that fall inside the image; `origin` is the index
// in `x` of the first pixel's tap (0, 0) — outside the image at a border, so only taps within
// the ranges are read. A skipped tap is one a zero-padded copy would have summed as zero.
#define FORWARD_BLOCK(PIXELS, VECTORS)                                                                          \
    static inline AVX512 void forward_block_##PIXELS##_##VECTORS(const float *x, long origin, int w, int cin, int step, \
                                                                 const float *wt, int k, int ky0, int ky1, int kx0, int kx1, \
                                                                 const float *bias, int ld, __mmask16 mask, float *out) {  \
        __m512 acc[PIXELS][VECTORS];                                                                            \
        for (int v = 0; v < VECTORS; v++) {                                                                     \
            __mmask16 m = v == VECTORS - 1 ? mask : 0xFFFF;                                                     \
            __m512 b = bias ? _mm512_maskz_loadu_ps(m, bias + 16 * v) : _mm512_setzero_ps();                    \
            for (int p = 0; p < PIXELS; p++) acc[p][v] = b;                                                     \
        }                                                                                                       \
        for (int ky = ky0; ky < ky1; ky++) {                                                                    \
            for (int kx = kx0; kx < kx1; kx++) {                                                                \
                const float *in = x + (origin + ((long)ky * w + kx) * cin);                                       \
                const float *taps = wt + (long)(ky * k + kx) * cin * ld;                                        \
                /* Each tap's sum apart, then added: chains of Cin products rather than K·K·Cin    */           \
                /* (a whole network's output was 4× noisier in rounding with one chain).          */           \
                __m512 tap[PIXELS][VECTORS];                                                                    \
                for (int p = 0; p < PIXELS; p++)                                                                \
                    for (int v = 0; v < VECTORS; v++) tap[p][v] = _mm512_setzero_ps();                          \
                for (int ci = 0; ci < cin; ci++) {                                                              \
                    __m512 row[VECTORS];                                                                        \
                    for (int v = 0; v < VECTORS; v++)                                                           \
                        row[v] = _mm512_maskz_loadu_ps(v == VECTORS - 1 ? mask : 0xFFFF, taps + (long)ci * ld + 16 * v); \
                    for (int p = 0; p < PIXELS; p++) {                                                          \
                        __m512 value = _mm512_set1_ps(in[(long)p * step + ci]);                                 \
                        for (int v = 0; v < VECTORS; v++) tap[p][v] = _mm512_fmadd_ps(value, row[v], tap[p][v]); \
                    }                                                                                           \
                }                                                                                               \
                for (int p = 0; p < PIXELS; p++)                                                                \
                    for (int v = 0; v < VECTORS; v++) acc[p][v] = _mm512_add_ps(acc[p][v], tap[p][v]);         \
            }                                                                                                   \
        }                                                                                                       \
        for (int p = 0; p < PIXELS; p++)                                                                        \
            for (int v = 0; v < VECTORS; v++)                                                                   \
                _mm512_mask_storeu_ps(out + (long)p * ld + 16 * v, v == VECTORS - 1 ? mask : 0xFFFF, acc[p][v]);   \
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

static inline int min_int(int a, int b) { return a < b ? a : b; }
static inline int max_int(int a, int b) { return a > b ? a : b; }

// The output columns [*begin, *end) whose taps all fall inside a row of `w` pixels: those with
// ox·s − pad ≥ 0 and ox·s − pad + k ≤ w (none when the kernel is wider than the padded row).
static inline void interior_columns(int w, int k, int stride, int pad, int ow, int *begin, int *end) {
    *begin = min_int((pad + stride - 1) / stride, ow);
    *end = w + pad - k >= 0 ? min_int((w + pad - k) / stride + 1, ow) : 0;
    if (*end < *begin) *end = *begin;
}

// One output pixel at a border: only its taps inside the image.
#define FORWARD_EDGE(VECTORS)                                                                                   \
    {                                                                                                           \
        const int ix = ox * stride - pad;                                                                       \
        forward_block_1_##VECTORS(x, row_origin + (long)ix * cin, w, cin, step, wt, k, ky0, ky1, max_int(0, -ix), \
                                  min_int(k, w - ix), bias, cout, mask, out + (long)ox * cout);                 \
    }

// A row of output pixels: the left border one at a time, the interior a block of PIXELS at a
// time (then one at a time), the right border one at a time.
#define FORWARD_ROW(PIXELS, VECTORS)                                                                            \
    for (; ox < left; ox++) FORWARD_EDGE(VECTORS)                                                               \
    for (; ox + PIXELS <= right; ox += PIXELS)                                                                  \
        forward_block_##PIXELS##_##VECTORS(x, row_origin + (long)(ox * stride - pad) * cin, w, cin, step, wt, k, ky0, ky1, 0, k, \
                                           bias, cout, mask, out + (long)ox * cout);                            \
    for (; ox < right; ox++)                                                                                    \
        forward_block_1_##VECTORS(x, row_origin + (long)(ox * stride - pad) * cin, w, cin, step, wt, k, ky0, ky1, 0, k, \
                                  bias, cout, mask, out + (long)ox * cout);                                     \
    for (; ox < ow; ox++) FORWARD_EDGE(VECTORS)

// A layer's output channels in chunks of at most 96 (six registers a pixel): 128 as 64 + 64, 192
// as 96 + 96, each chunk a whole number of 16-float vectors but the last.
static inline int chunk_width(int cout) {
    const int chunks = (cout + 95) / 96, even = (cout + chunks - 1) / chunks;
    return (even + 15) / 16 * 16;
}

AVX512 void likewise_direct_convolution_forward(const float *x, int h, int w, int cin, int pad, const float *weights, int k, int stride,
                                                const float *biases, int cout, float *y, int oh, int ow, int row_begin, int row_end) {
    const int step = stride * cin, chunk = chunk_width(cout);
    int left, right;
    interior_columns(w, k, stride, pad, ow, &left, &right);
    for (int r = row_begin; r < row_end; r++) {
        const int image = r / oh, oy = r % oh, iy = oy * stride - pad;
        const int ky0 = max_int(0, -iy), ky1 = min_int(k, h - iy);
        // The index of the row's tap (0, 0) at column 0 of the image (outside it at a border).
        const long row_origin = ((long)image * h + iy) * w * cin;
        for (int c0 = 0; c0 < cout; c0 += chunk) {
            const int width = min_int(chunk, cout - c0);
            const __mmask16 mask = last_mask(width - 16 * ((width + 15) / 16 - 1));
            const float *wt = weights + c0, *bias = biases ? biases + c0 : 0;
            float *out = y + (long)r * ow * cout + c0;
            int ox = 0;
            switch ((width + 15) / 16) {
            case 1: FORWARD_ROW(8, 1) break;
            case 2: FORWARD_ROW(4, 2) break;
            case 3: FORWARD_ROW(3, 3) break;
            case 4: FORWARD_ROW(3, 4) break;
            case 5: FORWARD_ROW(2, 5) break;
            default: FORWARD_ROW(2, 6) break;
            }
        }
    }
}

// Input channels per weight-gradient unit: as many as leave registers for the gradient row. With 4
// channels × 6 vectors the accumulators and the row took 30 of the 32 and the unit ran at 0.86 of
// sgemm (bench ops, 8² × 96); with 3 channels, 1.14. Each channel's sums run in the same order
// whatever the block, so the result does not depend on it.
static inline int channel_block(int width) { return width <= 32 ? 8 : width <= 80 ? 4 : 3; }

int likewise_direct_convolution_weight_gradient_units(int cin, int k, int cout) {
    const int chunk = chunk_width(cout), block = channel_block(chunk);
    return k * k * ((cin + block - 1) / block) * ((cout + chunk - 1) / chunk);
}

// The gradient of one tap's block of BLOCK input channels × a chunk of `width` ≤ VECTORS·16 output
// channels (from `dy` and into `dw`, offset to the chunk; rows of `cout`), summed over the output
// rows [r0, r1) of the n·oh (r = image·oh + oy), pixel by pixel in order, and stored into dw or,
// with `accumulate`, added to it. The pixels whose tap falls in the padding — where a
// zero-padded copy would have added zeros — are skipped. Past the last input channel (a partial
// block) the values read are zeros.
#define WEIGHT_GRADIENT_UNIT(BLOCK, VECTORS)                                                                    \
    static inline AVX512 void weight_gradient_unit_##BLOCK##_##VECTORS(                                         \
        const float *x, int h, int w, int cin, int pad, const float *dy, int r0, int r1, int oh, int ow, int cout, int width, \
        int k, int stride, int ky, int kx, int c0, int accumulate, float *dw) {                                 \
        const __mmask16 mask = last_mask(width - 16 * (VECTORS - 1));                                           \
        const int channels = cin - c0 < BLOCK ? cin - c0 : BLOCK;                                               \
        /* The output columns whose tap kx lands inside the row: 0 ≤ ox·s − pad + kx < w. */                   \
        const int first = kx >= pad ? 0 : (pad - kx + stride - 1) / stride;                                    \
        const int last = w - 1 + pad - kx < 0 ? -1 : min_int((w - 1 + pad - kx) / stride, ow - 1);              \
        __m512 acc[BLOCK][VECTORS];                                                                             \
        for (int c = 0; c < BLOCK; c++)                                                                         \
            for (int v = 0; v < VECTORS; v++) acc[c][v] = _mm512_setzero_ps();                                  \
        /* The row's image and y counted along (a division a row cost a fifth of an 8 × 8 sweep). */         \
        for (int r = r0, image = r0 / oh, oy = r0 % oh; r < r1; r++, oy = oy + 1 == oh ? 0 : oy + 1, image += oy == 0) { \
            const int iy = oy * stride - pad + ky;                                                              \
            if (iy < 0 || iy >= h) continue;                                                                    \
            const float *in = x + ((long)image * h + iy) * w * cin + c0;                                        \
            const float *g = dy + (long)r * ow * cout;                                                          \
            for (int ox = first; ox <= last; ox++) {                                                            \
                __m512 grad[VECTORS];                                                                           \
                for (int v = 0; v < VECTORS; v++)                                                               \
                    grad[v] = _mm512_maskz_loadu_ps(v == VECTORS - 1 ? mask : 0xFFFF, g + (long)ox * cout + 16 * v); \
                const float *pixel = in + (long)(ox * stride - pad + kx) * cin;                                 \
                for (int c = 0; c < BLOCK; c++) {                                                               \
                    __m512 value = _mm512_set1_ps(c < channels ? pixel[c] : 0.0f);                              \
                    for (int v = 0; v < VECTORS; v++) acc[c][v] = _mm512_fmadd_ps(value, grad[v], acc[c][v]);   \
                }                                                                                               \
            }                                                                                                   \
        }                                                                                                       \
        for (int c = 0; c < channels; c++)                                                                      \
            for (int v = 0; v < VECTORS; v++) {                                                                 \
                const __mmask16 m = v == VECTORS - 1 ? mask : 0xFFFF;                                           \
                float *target = dw + ((long)(ky * k + kx) * cin + c0 + c) * cout + 16 * v;                      \
                __m512 sum = accumulate ? _mm512_add_ps(_mm512_maskz_loadu_ps(m, target), acc[c][v]) : acc[c][v]; \
                _mm512_mask_storeu_ps(target, m, sum);                                                          \
            }                                                                                                   \
    }

WEIGHT_GRADIENT_UNIT(8, 1)
WEIGHT_GRADIENT_UNIT(8, 2)
WEIGHT_GRADIENT_UNIT(4, 3)
WEIGHT_GRADIENT_UNIT(4, 4)
WEIGHT_GRADIENT_UNIT(4, 5)
WEIGHT_GRADIENT_UNIT(3, 6)

// Output rows a weight-gradient sweep takes at a time: about 256 KB of dy, so the rows stay in
// cache while every unit of a thread reads them (one unit at a time over the whole of a large
// dy — 16 MB at 64² × 128 channels, batch 8 — ran at half of sgemm's speed).
static inline int rows_per_sweep(int ow, int cout) {
    const long bytes = (long)ow * cout * 4;
    return bytes >= 262144 ? 1 : (int)(262144 / bytes);
}

AVX512 void likewise_direct_convolution_weight_gradient(const float *x, int h, int w, int cin, int pad, const float *dy, int n, int oh, int ow,
                                                        int cout, int k, int stride, float *dw, int unit_begin, int unit_end) {
    const int chunk = chunk_width(cout), block = channel_block(chunk), blocks = (cin + block - 1) / block;
    const int rows = n * oh, sweep = rows_per_sweep(ow, cout);
    for (int r0 = 0; r0 < rows; r0 += sweep) {
        const int r1 = min_int(r0 + sweep, rows);
        for (int unit = unit_begin; unit < unit_end; unit++) {
            const int part = unit / (k * k * blocks), rest = unit % (k * k * blocks);
            const int tap = rest / blocks, ky = tap / k, kx = tap % k, c0 = (rest % blocks) * block;
            const int offset = part * chunk, width = min_int(chunk, cout - offset);
#define UNIT(BLOCK, VECTORS)                                                                                     \
    weight_gradient_unit_##BLOCK##_##VECTORS(x, h, w, cin, pad, dy + offset, r0, r1, oh, ow, cout, width, k, stride, ky, kx, c0, \
                                             r0 > 0, dw + offset)
            switch ((width + 15) / 16) {
            case 1: UNIT(8, 1); break;
            case 2: UNIT(8, 2); break;
            case 3: UNIT(4, 3); break;
            case 4: UNIT(4, 4); break;
            case 5: UNIT(4, 5); break;
            default: UNIT(3, 6); break;
            }
#undef UNIT
        }
    }
}
