// PNG decoding and encoding with libpng, with every fallible libpng call and its setjmp on the C
// side: libpng reports errors by longjmp, which must never cross a Swift frame. Each function
// returns 0 on success, or -1 with a message in `message`.
#ifndef LIKEWISE_PNG_CODEC_H
#define LIKEWISE_PNG_CODEC_H

#include <stddef.h>
#include <stdint.h>

/// A decoded image: `width × height` pixels of 3 floats (R, G, B) in [0, 1], row-major.
/// `bit_depth`, `color_type` and `interlaced` describe the file as stored.
typedef struct {
    uint32_t width;
    uint32_t height;
    int bit_depth;
    int color_type;
    int interlaced;
    float *rgb;  // malloc'ed; release with likewise_png_free
    uint8_t *icc;  // the embedded ICC profile (iCCP), malloc'ed, or NULL; release with likewise_png_free
    size_t icc_size;
} likewise_png_image;

/// Row filters for likewise_png_encode (libpng's PNG_FILTER_* values; PNGCodec.c checks they match).
enum {
    LIKEWISE_PNG_FILTER_NONE = 0x08,
    LIKEWISE_PNG_FILTER_SUB = 0x10,
    LIKEWISE_PNG_FILTER_UP = 0x20,
    LIKEWISE_PNG_FILTER_AVG = 0x40,
    LIKEWISE_PNG_FILTER_PAETH = 0x80,
};

/// Decodes a PNG held in memory. Any colour type and bit depth, interlaced or not; palette and
/// grey are expanded to RGB, 16-bit samples keep their precision, alpha is dropped.
/// Images wider or taller than `max_side` are refused before any pixel memory is allocated.
int likewise_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels, uint32_t max_side,
                        likewise_png_image *out, char *message, size_t message_size);

/// Encodes 8-bit pixels (`channels` 3 = RGB or 4 = RGBA, rows of `width × channels` bytes) with
/// zlib level `level` (0–9) and the given row filters (a LIKEWISE_PNG_FILTER_* mask; 0 = libpng's
/// choice), with the ICC profile `icc` embedded when `icc_size` > 0 (a profile libpng finds
/// malformed is left out: the image is still written). On success `*out` is malloc'ed (release
/// with likewise_png_free) and holds `*out_size` bytes.
int likewise_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int channels,
                        int level, int filters, const uint8_t *icc, size_t icc_size,
                        uint8_t **out, size_t *out_size, char *message, size_t message_size);

/// Frees memory returned by the functions above.
void likewise_png_free(void *pointer);

#endif
