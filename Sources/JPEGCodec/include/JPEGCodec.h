// JPEG decoding and encoding with libjpeg-turbo, with every fallible libjpeg call and its setjmp
// on the C side: libjpeg's error_exit must not return, and a longjmp must never cross a Swift
// frame. Each function returns 0 on success, or -1 with a message in `message`.
#ifndef LIKEWISE_JPEG_CODEC_H
#define LIKEWISE_JPEG_CODEC_H

#include <stddef.h>
#include <stdint.h>

/// A decoded image: `width × height` pixels of 3 floats (R, G, B) in [0, 1], row-major, as
/// stored (the EXIF orientation is reported, not applied). `components` is the file's (1 grey,
/// 3 colour); `progressive` whether it was; `orientation` the EXIF orientation, 1–8 (1 when the
/// file has none); `icc` the embedded ICC profile, if any.
typedef struct {
    uint32_t width;
    uint32_t height;
    int components;
    int progressive;
    int orientation;
    float *rgb;        // malloc'ed; release with likewise_jpeg_free
    uint8_t *icc;      // malloc'ed or NULL; release with likewise_jpeg_free
    size_t icc_size;
} likewise_jpeg_image;

/// Decodes a JPEG held in memory: baseline or progressive, colour or grey (grey becomes RGB).
/// CMYK and YCCK files are refused with a message saying so. Images of more than `max_pixels`
/// pixels, or wider or taller than `max_side`, are refused from the header, before any pixel
/// memory is allocated.
int likewise_jpeg_decode(const uint8_t *data, size_t size, uint64_t max_pixels, uint32_t max_side,
                         likewise_jpeg_image *out, char *message, size_t message_size);

/// Encodes 8-bit RGB pixels (rows of `width × 3` bytes) at `quality` (1–100) with 4:2:0 chroma,
/// embedding `icc` (`icc_size` bytes) when it is not NULL. On success `*out` is malloc'ed
/// (release with likewise_jpeg_free) and holds `*out_size` bytes.
int likewise_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int quality,
                         const uint8_t *icc, size_t icc_size, uint8_t **out, size_t *out_size,
                         char *message, size_t message_size);

/// Frees memory returned by the functions above.
void likewise_jpeg_free(void *pointer);

#endif
