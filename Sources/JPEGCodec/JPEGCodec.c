#include "JPEGCodec.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

// Where libjpeg's error handler leaves its message before it longjmps back to our setjmp, and
// the first warning it emitted: libjpeg goes on after corrupt or missing data (it fills what is
// missing with grey), and a file it had to patch up is reported as damaged instead.
typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    char *message;
    size_t message_size;
    const char *prefix;  // before libjpeg's own message: what it means here
    char warning[JMSG_LENGTH_MAX];
} error_manager;

static void on_error(j_common_ptr info) {
    error_manager *manager = (error_manager *)info->err;
    char text[JMSG_LENGTH_MAX];
    (*info->err->format_message)(info, text);
    if (manager->message_size) snprintf(manager->message, manager->message_size, "%s%s", manager->prefix, text);
    longjmp(manager->jump, 1);
}

static void on_message(j_common_ptr info, int level) {
    error_manager *manager = (error_manager *)info->err;
    if (level >= 0) return;  // trace messages
    // Junk bytes between two markers, common in cameras' files, leave the image whole.
    if (info->err->msg_code == JWRN_EXTRANEOUS_DATA) return;
    if (info->err->num_warnings++ == 0) (*info->err->format_message)(info, manager->warning);
}

static void use_error_manager(error_manager *manager, const char *prefix, char *message, size_t message_size) {
    jpeg_std_error(&manager->base);
    manager->prefix = prefix;
    manager->base.error_exit = on_error;
    manager->base.emit_message = on_message;
    manager->message = message;
    manager->message_size = message_size;
    manager->warning[0] = 0;
}

static int fail(char *message, size_t size, const char *text) {
    if (size) snprintf(message, size, "%s", text);
    return -1;
}

// ---------------------------------------------------------------------------------------------
// EXIF orientation: the value of tag 0x0112 in IFD0 of the TIFF structure an APP1 "Exif" marker
// holds, read with every offset checked against the marker's length; 1 when absent or unreadable.

static uint32_t read_u16(const uint8_t *p, int little) { return little ? p[0] | p[1] << 8 : p[0] << 8 | p[1]; }

static uint32_t read_u32(const uint8_t *p, int little) {
    return little ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
                  : (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static int exif_orientation(jpeg_saved_marker_ptr marker) {
    for (; marker; marker = marker->next) {
        if (marker->marker != JPEG_APP0 + 1 || marker->data_length < 14 || memcmp(marker->data, "Exif\0\0", 6) != 0) continue;
        const uint8_t *tiff = marker->data + 6;
        size_t length = marker->data_length - 6;
        int little = tiff[0] == 'I' && tiff[1] == 'I';
        if (!little && !(tiff[0] == 'M' && tiff[1] == 'M')) continue;
        if (read_u16(tiff + 2, little) != 42) continue;
        uint32_t ifd = read_u32(tiff + 4, little);
        if (ifd > length - 2) continue;
        uint32_t entries = read_u16(tiff + ifd, little);
        for (uint32_t k = 0; k < entries; k++) {
            size_t at = (size_t)ifd + 2 + (size_t)k * 12;
            if (at + 12 > length) break;
            if (read_u16(tiff + at, little) != 0x0112) continue;
            uint32_t type = read_u16(tiff + at + 2, little), value = read_u16(tiff + at + 8, little);
            if (type == 3 && value >= 1 && value <= 8) return (int)value;
        }
    }
    return 1;
}

// ---------------------------------------------------------------------------------------------
// Decoding

int likewise_jpeg_decode(const uint8_t *data, size_t size, uint64_t max_pixels, uint32_t max_side,
                         likewise_jpeg_image *out, char *message, size_t message_size) {
    memset(out, 0, sizeof *out);
    if (size < 4 || data[0] != 0xFF || data[1] != 0xD8 || data[2] != 0xFF)
        return fail(message, message_size, "not a JPEG file (it does not start with the JPEG marker FF D8 FF)");

    struct jpeg_decompress_struct info;
    error_manager manager;
    use_error_manager(&manager, "damaged or of a kind libjpeg does not read: ", message, message_size);
    info.err = &manager.base;
    // Everything that can longjmp happens below; these survive the jump (volatile).
    float *volatile rgb = NULL;
    JSAMPLE *volatile row = NULL;
    JOCTET *volatile icc = NULL;
    if (setjmp(manager.jump)) {
        free(rgb);
        free(row);
        free(icc);
        jpeg_destroy_decompress(&info);
        return -1;
    }
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, data, (unsigned long)size);
    jpeg_save_markers(&info, JPEG_APP0 + 1, 0xFFFF);
    jpeg_save_markers(&info, JPEG_APP0 + 2, 0xFFFF);
    jpeg_read_header(&info, TRUE);

    int refused = 0;
    if (info.jpeg_color_space == JCS_CMYK || info.jpeg_color_space == JCS_YCCK) {
        fail(message, message_size, "a CMYK JPEG: Likewise reads colour (YCbCr, RGB) and grey JPEGs; convert it to RGB first");
        refused = 1;
    } else if (info.image_width > max_side || info.image_height > max_side ||
               (uint64_t)info.image_width * info.image_height > max_pixels) {
        if (message_size)
            snprintf(message, message_size, "%u×%u is larger than this build reads (%llu pixels, %u on a side)", info.image_width,
                     info.image_height, (unsigned long long)max_pixels, max_side);
        refused = 1;
    }
    if (refused) {
        jpeg_destroy_decompress(&info);
        return -1;
    }
    out->width = info.image_width;
    out->height = info.image_height;
    out->components = info.num_components;
    out->progressive = info.progressive_mode ? 1 : 0;
    out->orientation = exif_orientation(info.marker_list);
    JOCTET *profile = NULL;
    unsigned int profile_size = 0;
    if (jpeg_read_icc_profile(&info, &profile, &profile_size)) {
        icc = profile;
        out->icc_size = profile_size;
    }

    info.out_color_space = JCS_RGB;
    jpeg_start_decompress(&info);
    size_t width = info.output_width;
    rgb = malloc(width * info.output_height * 3 * sizeof(float));
    row = malloc(width * 3);
    if (!rgb || !row) {
        fail(message, message_size, "out of memory");
        longjmp(manager.jump, 1);
    }
    while (info.output_scanline < info.output_height) {
        JSAMPROW rows[1] = {row};
        size_t y = info.output_scanline;
        jpeg_read_scanlines(&info, rows, 1);
        float *into = rgb + y * width * 3;
        for (size_t k = 0; k < width * 3; k++) into[k] = (float)row[k] / 255.0f;
    }
    jpeg_finish_decompress(&info);
    if (manager.base.num_warnings > 0) {
        if (message_size) snprintf(message, message_size, "damaged: %s", manager.warning);
        longjmp(manager.jump, 1);
    }
    jpeg_destroy_decompress(&info);
    free(row);
    out->rgb = rgb;
    out->icc = icc;
    return 0;
}

// ---------------------------------------------------------------------------------------------
// Encoding

// What jpeg_mem_dest fills in, kept off the stack: it changes after the setjmp, and automatic
// variables changed between setjmp and longjmp are indeterminate after the jump.
typedef struct {
    unsigned char *buffer;
    unsigned long size;
} memory_destination;

int likewise_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int quality,
                         const uint8_t *icc, size_t icc_size, uint8_t **out, size_t *out_size,
                         char *message, size_t message_size) {
    *out = NULL;
    *out_size = 0;
    if (width == 0 || height == 0 || width > JPEG_MAX_DIMENSION || height > JPEG_MAX_DIMENSION)
        return fail(message, message_size, "a JPEG is 1 to 65500 pixels on a side");
    if (quality < 1 || quality > 100) return fail(message, message_size, "JPEG quality must be 1…100");
    memory_destination *destination = calloc(1, sizeof *destination);
    if (!destination) return fail(message, message_size, "out of memory");

    struct jpeg_compress_struct info;
    error_manager manager;
    use_error_manager(&manager, "", message, message_size);
    info.err = &manager.base;
    if (setjmp(manager.jump)) {
        jpeg_destroy_compress(&info);
        free(destination->buffer);
        free(destination);
        return -1;
    }
    jpeg_create_compress(&info);
    jpeg_mem_dest(&info, &destination->buffer, &destination->size);
    info.image_width = width;
    info.image_height = height;
    info.input_components = 3;
    info.in_color_space = JCS_RGB;
    jpeg_set_defaults(&info);
    jpeg_set_quality(&info, quality, TRUE);
    jpeg_start_compress(&info, TRUE);
    if (icc && icc_size) jpeg_write_icc_profile(&info, icc, (unsigned int)icc_size);
    while (info.next_scanline < height) {
        JSAMPROW rows[1] = {(JSAMPROW)(pixels + (size_t)info.next_scanline * width * 3)};
        jpeg_write_scanlines(&info, rows, 1);
    }
    jpeg_finish_compress(&info);
    jpeg_destroy_compress(&info);
    *out = destination->buffer;
    *out_size = destination->size;
    free(destination);
    return 0;
}

void likewise_jpeg_free(void *pointer) { free(pointer); }
