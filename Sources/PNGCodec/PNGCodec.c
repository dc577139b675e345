#include "PNGCodec.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(LIKEWISE_PNG_FILTER_NONE == PNG_FILTER_NONE && LIKEWISE_PNG_FILTER_SUB == PNG_FILTER_SUB &&
               LIKEWISE_PNG_FILTER_UP == PNG_FILTER_UP && LIKEWISE_PNG_FILTER_AVG == PNG_FILTER_AVG &&
               LIKEWISE_PNG_FILTER_PAETH == PNG_FILTER_PAETH, "filter values differ from libpng's");

// Where libpng's error handler leaves its message before it longjmps back to our setjmp.
typedef struct {
    char *message;
    size_t message_size;
} error_sink;

static void on_error(png_structp png, png_const_charp text) {
    error_sink *sink = (error_sink *)png_get_error_ptr(png);
    if (sink && sink->message_size) snprintf(sink->message, sink->message_size, "%s", text);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;  // warnings (e.g. an unknown chunk) do not stop a read
}

static int fail(char *message, size_t size, const char *text) {
    if (size) snprintf(message, size, "%s", text);
    return -1;
}

// ---------------------------------------------------------------------------------------------
// Decoding

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
} memory_reader;

static void read_memory(png_structp png, png_bytep into, png_size_t length) {
    memory_reader *reader = (memory_reader *)png_get_io_ptr(png);
    if (reader->size - reader->offset < length) png_error(png, "file ends early (truncated)");
    memcpy(into, reader->data + reader->offset, length);
    reader->offset += length;
}

int likewise_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels, uint32_t max_side,
                        likewise_png_image *out, char *message, size_t message_size) {
    memset(out, 0, sizeof *out);
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0)
        return fail(message, message_size, "not a PNG file (its first 8 bytes are not the PNG signature)");

    error_sink sink = {message, message_size};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &sink, on_error, on_warning);
    if (!png) return fail(message, message_size, "out of memory");
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return fail(message, message_size, "out of memory");
    }
    // Everything that can longjmp happens below; these survive the jump (volatile).
    float *volatile rgb = NULL;
    png_bytep *volatile rows = NULL;
    png_bytep volatile raw = NULL;
    uint8_t *volatile icc = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(icc);
        free(rgb);
        free(rows);
        free(raw);
        png_destroy_read_struct(&png, &info, NULL);
        return -1;
    }
    memory_reader reader = {data, size, 0};
    png_set_read_fn(png, &reader, read_memory);
    // The header's size is checked here, before any pixel memory, with the same words as a JPEG's
    // (libpng's own limit, lifted to the format's, would refuse in words of its own).
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
    png_read_info(png, info);

    png_uint_32 width = png_get_image_width(png, info), height = png_get_image_height(png, info);
    if (width > max_side || height > max_side || (uint64_t)width * height > max_pixels) {
        if (message_size)
            snprintf(message, message_size, "%u×%u is larger than this build reads (%llu pixels, %u on a side)", (unsigned)width,
                     (unsigned)height, (unsigned long long)max_pixels, max_side);
        png_destroy_read_struct(&png, &info, NULL);
        return -1;
    }
    int bit_depth = png_get_bit_depth(png, info), color_type = png_get_color_type(png, info);
    out->width = width;
    out->height = height;
    out->bit_depth = bit_depth;
    out->color_type = color_type;
    out->interlaced = png_get_interlace_type(png, info) != PNG_INTERLACE_NONE;
    // The colour profile, if any (libpng has checked it, and dropped with a warning one that is malformed).
    png_charp icc_name = NULL;
    png_bytep profile = NULL;
    png_uint_32 profile_size = 0;
    int compression = 0;
    if (png_get_iCCP(png, info, &icc_name, &compression, &profile, &profile_size) == PNG_INFO_iCCP && profile_size > 0) {
        icc = malloc(profile_size);
        if (!icc) png_error(png, "out of memory");
        memcpy(icc, profile, profile_size);
        out->icc_size = profile_size;
    }

    // Normalise every layout to RGB at 8 or 16 bits per sample.
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
    png_set_strip_alpha(png);
    if (bit_depth == 16) png_set_swap(png);  // host (little-endian) order for the uint16 reads below
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    size_t row_bytes = png_get_rowbytes(png, info);
    int depth16 = png_get_bit_depth(png, info) == 16;
    if (png_get_channels(png, info) != 3 || row_bytes != (size_t)width * 3 * (depth16 ? 2 : 1))
        png_error(png, "unexpected layout after conversion to RGB");
    raw = malloc(row_bytes * height);
    rows = malloc(sizeof(png_bytep) * height);
    rgb = malloc(sizeof(float) * (size_t)width * height * 3);
    if (!raw || !rows || !rgb) png_error(png, "out of memory");
    for (png_uint_32 y = 0; y < height; y++) rows[y] = raw + y * row_bytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);

    size_t samples = (size_t)width * height * 3;
    if (depth16) {
        const uint16_t *source = (const uint16_t *)raw;
        for (size_t i = 0; i < samples; i++) rgb[i] = source[i] / 65535.0f;
    } else {
        for (size_t i = 0; i < samples; i++) rgb[i] = raw[i] / 255.0f;
    }
    free(rows);
    free(raw);
    png_destroy_read_struct(&png, &info, NULL);
    out->rgb = rgb;
    out->icc = icc;
    return 0;
}

// ---------------------------------------------------------------------------------------------
// Encoding

typedef struct {
    uint8_t *data;
    size_t size;
    size_t capacity;
} memory_writer;

static void write_memory(png_structp png, png_bytep bytes, png_size_t length) {
    memory_writer *writer = (memory_writer *)png_get_io_ptr(png);
    if (writer->capacity - writer->size < length) {
        size_t capacity = writer->capacity ? writer->capacity : 65536;
        while (capacity - writer->size < length) capacity *= 2;
        uint8_t *grown = realloc(writer->data, capacity);
        if (!grown) png_error(png, "out of memory");
        writer->data = grown;
        writer->capacity = capacity;
    }
    memcpy(writer->data + writer->size, bytes, length);
    writer->size += length;
}

static void flush_memory(png_structp png) { (void)png; }

int likewise_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int channels,
                        int level, int filters, const uint8_t *icc, size_t icc_size,
                        uint8_t **out, size_t *out_size, char *message, size_t message_size) {
    *out = NULL;
    *out_size = 0;
    if (channels != 3 && channels != 4) return fail(message, message_size, "channels must be 3 (RGB) or 4 (RGBA)");
    if (width == 0 || height == 0) return fail(message, message_size, "an image needs at least one pixel");
    if (level < 0 || level > 9) return fail(message, message_size, "compression level must be 0 to 9");
    if (icc_size > 0x7fffffff) return fail(message, message_size, "the colour profile is larger than PNG holds");

    error_sink sink = {message, message_size};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &sink, on_error, on_warning);
    if (!png) return fail(message, message_size, "out of memory");
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        return fail(message, message_size, "out of memory");
    }
    memory_writer writer = {NULL, 0, 0};
    if (setjmp(png_jmpbuf(png))) {
        free(writer.data);
        png_destroy_write_struct(&png, &info);
        return -1;
    }
    png_set_write_fn(png, &writer, write_memory, flush_memory);
    png_set_IHDR(png, info, width, height, 8, channels == 4 ? PNG_COLOR_TYPE_RGBA : PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (icc_size) {
        // A profile carried from a JPEG that libpng finds malformed is left out with a warning
        // (benign, not an error that would lose the whole image).
        png_set_benign_errors(png, 1);
        png_set_iCCP(png, info, "ICC Profile", PNG_COMPRESSION_TYPE_BASE, icc, (png_uint_32)icc_size);
    }
    png_set_compression_level(png, level);
    if (filters) png_set_filter(png, PNG_FILTER_TYPE_BASE, filters);
    png_write_info(png, info);
    size_t stride = (size_t)width * channels;
    for (uint32_t y = 0; y < height; y++) png_write_row(png, pixels + y * stride);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    *out = writer.data;
    *out_size = writer.size;
    return 0;
}

void likewise_png_free(void *pointer) { free(pointer); }
