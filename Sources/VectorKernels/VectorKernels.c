#include "VectorKernels.h"

#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f,avx512vl")))

// The Swift loops these match never fuse a multiply and an add.
#pragma clang fp contract(off)

int likewise_vector_kernels_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
}

// Sixteen lanes of the engine's `fastExp` (FastExp.swift), operation for operation. vmaxps and
// vminps return their second operand when either is NaN, so a NaN passes through as in Swift.
static inline AVX512 __m512 fast_exp(__m512 x) {
    const __m512 clamped = _mm512_min_ps(_mm512_set1_ps(88.0f), _mm512_max_ps(_mm512_set1_ps(-86.0f), x));
    const __m512 magic = _mm512_set1_ps(12582912.0f);
    const __m512 shifted = _mm512_add_ps(_mm512_mul_ps(clamped, _mm512_set1_ps(1.44269504f)), magic);
    const __m512 n = _mm512_sub_ps(shifted, magic);
    const __m512 r = _mm512_add_ps(_mm512_sub_ps(clamped, _mm512_mul_ps(n, _mm512_set1_ps(0.693359375f))),
                                   _mm512_mul_ps(n, _mm512_set1_ps(2.1219444e-4f)));
    __m512 p = _mm512_set1_ps(1.98756915e-4f);
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_add_ps(_mm512_add_ps(_mm512_mul_ps(_mm512_mul_ps(p, r), r), r), _mm512_set1_ps(1.0f));
    const __m512i exponent = _mm512_slli_epi32(_mm512_sub_epi32(_mm512_castps_si512(shifted), _mm512_set1_epi32(0x4B400000 - 127)), 23);
    return _mm512_mul_ps(p, _mm512_castsi512_ps(exponent));
}

// −x, as Swift's prefix minus: the sign bit flipped.
static inline AVX512 __m512 negated(__m512 x) {
    return _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(x), _mm512_set1_epi32((int)0x80000000u)));
}

// x / (1 + e^−x)
static inline AVX512 __m512 silu(__m512 x) {
    return _mm512_div_ps(x, _mm512_add_ps(_mm512_set1_ps(1.0f), fast_exp(negated(x))));
}

// g · s · (1 + x·(1 − s)), s = 1 / (1 + e^−x)
static inline AVX512 __m512 silu_gradient(__m512 x, __m512 g) {
    const __m512 one = _mm512_set1_ps(1.0f);
    const __m512 s = _mm512_div_ps(one, _mm512_add_ps(one, fast_exp(negated(x))));
    return _mm512_mul_ps(_mm512_mul_ps(g, s), _mm512_add_ps(one, _mm512_mul_ps(x, _mm512_sub_ps(one, s))));
}

static inline __mmask16 tail_mask(long left) { return left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1); }

AVX512 void likewise_silu(const float *x, float *y, long count) {
    for (long i = 0; i < count; i += 16) {
        const __mmask16 m = tail_mask(count - i);
        _mm512_mask_storeu_ps(y + i, m, silu(_mm512_maskz_loadu_ps(m, x + i)));
    }
}

AVX512 void likewise_silu_gradient(const float *x, const float *g, float *out, long count) {
    for (long i = 0; i < count; i += 16) {
        const __mmask16 m = tail_mask(count - i);
        _mm512_mask_storeu_ps(out + i, m, silu_gradient(_mm512_maskz_loadu_ps(m, x + i), _mm512_maskz_loadu_ps(m, g + i)));
    }
}

AVX512 void likewise_silu_affine(const float *x, const float *scale, const float *offset, int channels, long pixels, float *y) {
    for (long p = 0; p < pixels; p++) {
        const float *in = x + p * channels;
        float *out = y + p * channels;
        for (int c = 0; c < channels; c += 16) {
            const __mmask16 m = tail_mask(channels - c);
            const __m512 a = _mm512_add_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(m, in + c), _mm512_maskz_loadu_ps(m, scale + c)),
                                           _mm512_maskz_loadu_ps(m, offset + c));
            _mm512_mask_storeu_ps(out + c, m, silu(a));
        }
    }
}

AVX512 void likewise_silu_affine_gradient(const float *x, const float *scale, const float *offset, const float *g, int channels, long pixels,
                                          float *out) {
    for (long p = 0; p < pixels; p++) {
        const long base = p * channels;
        for (int c = 0; c < channels; c += 16) {
            const __mmask16 m = tail_mask(channels - c);
            const __m512 a = _mm512_add_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + base + c), _mm512_maskz_loadu_ps(m, scale + c)),
                                           _mm512_maskz_loadu_ps(m, offset + c));
            _mm512_mask_storeu_ps(out + base + c, m, silu_gradient(a, _mm512_maskz_loadu_ps(m, g + base + c)));
        }
    }
}

// Eight channels at a time: each lane is one channel's running sum, added to pixel by pixel in
// order, as the Swift loop adds them.
static inline __mmask8 tail_mask8(int left) { return left >= 8 ? (__mmask8)0xFF : (__mmask8)((1u << left) - 1); }

AVX512 void likewise_channel_sums(const float *x, int channels, long pixels, double *sums) {
    for (int c = 0; c < channels; c += 8) {
        const __mmask8 m = tail_mask8(channels - c);
        __m512d total = _mm512_maskz_loadu_pd(m, sums + c), squares = _mm512_maskz_loadu_pd(m, sums + channels + c);
        for (long p = 0; p < pixels; p++) {
            const __m512d v = _mm512_cvtps_pd(_mm256_maskz_loadu_ps(m, x + p * channels + c));
            total = _mm512_add_pd(total, v);
            squares = _mm512_add_pd(squares, _mm512_mul_pd(v, v));
        }
        _mm512_mask_storeu_pd(sums + c, m, total);
        _mm512_mask_storeu_pd(sums + channels + c, m, squares);
    }
}

AVX512 void likewise_channel_gradient_sums(const float *x, const float *d, const float *r, const float *mean, int channels, long pixels,
                                           double *sums) {
    for (int c = 0; c < channels; c += 8) {
        const __mmask8 m = tail_mask8(channels - c);
        const __m256 scale = _mm256_maskz_loadu_ps(m, r + c), shift = _mm256_maskz_loadu_ps(m, mean + c);
        __m512d weighted = _mm512_maskz_loadu_pd(m, sums + c), plain = _mm512_maskz_loadu_pd(m, sums + channels + c);
        for (long p = 0; p < pixels; p++) {
            const __m256 g = _mm256_maskz_loadu_ps(m, d + p * channels + c);
            const __m256 normalised = _mm256_add_ps(_mm256_mul_ps(_mm256_maskz_loadu_ps(m, x + p * channels + c), scale), shift);
            weighted = _mm512_add_pd(weighted, _mm512_cvtps_pd(_mm256_mul_ps(g, normalised)));
            plain = _mm512_add_pd(plain, _mm512_cvtps_pd(g));
        }
        _mm512_mask_storeu_pd(sums + c, m, weighted);
        _mm512_mask_storeu_pd(sums + channels + c, m, plain);
    }
}

AVX512 void likewise_group_norm_input_gradient(const float *x, const float *d, const float *r, const float *mean, const float *a,
                                               const float *b, const float *c, int channels, long pixels, float *dx) {
    for (long p = 0; p < pixels; p++) {
        const long base = p * channels;
        for (int k = 0; k < channels; k += 16) {
            const __mmask16 m = tail_mask(channels - k);
            const __m512 normalised = _mm512_add_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + base + k), _mm512_maskz_loadu_ps(m, r + k)),
                                                    _mm512_maskz_loadu_ps(m, mean + k));
            const __m512 first = _mm512_add_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(m, d + base + k), _mm512_maskz_loadu_ps(m, a + k)),
                                               _mm512_maskz_loadu_ps(m, b + k));
            _mm512_mask_storeu_ps(dx + base + k, m, _mm512_add_ps(first, _mm512_mul_ps(normalised, _mm512_maskz_loadu_ps(m, c + k))));
        }
    }
}

AVX512 void likewise_adamw(float *w, const float *g, float *m1, float *m2, long count, float beta1, float beta2, float correction1,
                           float correction2, float rate, float epsilon, float decay) {
    const __m512 b1 = _mm512_set1_ps(beta1), b2 = _mm512_set1_ps(beta2);
    const __m512 rest1 = _mm512_set1_ps(1 - beta1), rest2 = _mm512_set1_ps(1 - beta2);
    const __m512 c1 = _mm512_set1_ps(correction1), c2 = _mm512_set1_ps(correction2);
    const __m512 lr = _mm512_set1_ps(rate), eps = _mm512_set1_ps(epsilon), wd = _mm512_set1_ps(decay);
    for (long i = 0; i < count; i += 16) {
        const __mmask16 k = tail_mask(count - i);
        const __m512 gi = _mm512_maskz_loadu_ps(k, g + i), wi = _mm512_maskz_loadu_ps(k, w + i);
        const __m512 m = _mm512_add_ps(_mm512_mul_ps(b1, _mm512_maskz_loadu_ps(k, m1 + i)), _mm512_mul_ps(rest1, gi));
        const __m512 v = _mm512_add_ps(_mm512_mul_ps(b2, _mm512_maskz_loadu_ps(k, m2 + i)), _mm512_mul_ps(_mm512_mul_ps(rest2, gi), gi));
        const __m512 step = _mm512_add_ps(_mm512_div_ps(_mm512_div_ps(m, c1), _mm512_add_ps(_mm512_sqrt_ps(_mm512_div_ps(v, c2)), eps)),
                                          _mm512_mul_ps(wd, wi));
        _mm512_mask_storeu_ps(m1 + i, k, m);
        _mm512_mask_storeu_ps(m2 + i, k, v);
        _mm512_mask_storeu_ps(w + i, k, _mm512_sub_ps(wi, _mm512_mul_ps(lr, step)));
    }
}

AVX512 void likewise_sum_of_squares(const float *x, long count, double *lanes) {
    __m512d total = _mm512_loadu_pd(lanes);
    for (long i = 0; i < count; i += 8) {
        const __m512d v = _mm512_cvtps_pd(_mm256_maskz_loadu_ps(tail_mask8(count - i > 8 ? 8 : (int)(count - i)), x + i));
        total = _mm512_add_pd(total, _mm512_mul_pd(v, v));
    }
    _mm512_storeu_pd(lanes, total);
}
