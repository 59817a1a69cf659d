/* Screendumps; see screendump.h. */
#include "host/screendump.h"

#include "host/cp437.h"

#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t screendump_cp437(unsigned char c, char out[4])
{
    unsigned u = cp437_unicode(c);
    if (u < 0x80) {
        out[0] = (char)u;
        return 1;
    }
    if (u < 0x800) {
        out[0] = (char)(0xC0 | u >> 6);
        out[1] = (char)(0x80 | (u & 0x3F));
        return 2;
    }
    out[0] = (char)(0xE0 | u >> 12);
    out[1] = (char)(0x80 | ((u >> 6) & 0x3F));
    out[2] = (char)(0x80 | (u & 0x3F));
    return 3;
}

int screendump_parse_format(const char *name, enum screendump_format *out)
{
    if (!strcmp(name, "ppm"))
        *out = SCREENDUMP_PPM;
    else if (!strcmp(name, "png"))
        *out = SCREENDUMP_PNG;
    else if (!strcmp(name, "text"))
        *out = SCREENDUMP_TEXT;
    else
        return -1;
    return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcasecmp(s + n - k, suffix);
}

enum screendump_format screendump_format_of_path(const char *path)
{
    if (ends_with(path, ".png"))
        return SCREENDUMP_PNG;
    if (ends_with(path, ".txt"))
        return SCREENDUMP_TEXT;
    return SCREENDUMP_PPM;
}

static int write_ppm(FILE *f, const struct display_surface *s)
{
    fprintf(f, "P6\n%u %u\n255\n", s->width, s->height);
    unsigned char *row = malloc((size_t)s->width * 3);
    if (!row)
        return -1;
    for (uint32_t y = 0; y < s->height; y++) {
        const uint32_t *p = (const uint32_t *)((const char *)s->pixels + (size_t)y * s->stride);
        for (uint32_t x = 0; x < s->width; x++) {
            row[3 * x] = (unsigned char)(p[x] >> 16);
            row[3 * x + 1] = (unsigned char)(p[x] >> 8);
            row[3 * x + 2] = (unsigned char)p[x];
        }
        fwrite(row, 3, s->width, f);
    }
    free(row);
    return 0;
}

static int write_png(FILE *f, const struct display_surface *s, char *err, size_t errlen)
{
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    unsigned char *row = malloc((size_t)s->width * 3);
    if (!png || !info || !row) {
        png_destroy_write_struct(&png, &info);
        free(row);
        snprintf(err, errlen, "out of memory for the PNG");
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(row);
        snprintf(err, errlen, "libpng failed to write the image");
        return -1;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, s->width, s->height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (uint32_t y = 0; y < s->height; y++) {
        const uint32_t *p = (const uint32_t *)((const char *)s->pixels + (size_t)y * s->stride);
        for (uint32_t x = 0; x < s->width; x++) {
            row[3 * x] = (unsigned char)(p[x] >> 16);
            row[3 * x + 1] = (unsigned char)(p[x] >> 8);
            row[3 * x + 2] = (unsigned char)p[x];
        }
        png_write_row(png, row);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(row);
    return 0;
}

static void write_text(FILE *f, const struct display_text *t)
{
    for (unsigned r = 0; r < t->rows; r++) {
        const uint16_t *cells = t->cells + (size_t)r * t->cols;
        unsigned n = t->cols;
        while (n && ((cells[n - 1] & 0xFF) == ' ' || (cells[n - 1] & 0xFF) == 0))
            n--;
        for (unsigned c = 0; c < n; c++) {
            char u[4];
            fwrite(u, 1, screendump_cp437((unsigned char)cells[c], u), f);
        }
        fputc('\n', f);
    }
}

int screendump_write(const struct display_source *src, const char *path,
                     enum screendump_format fmt, char *err, size_t errlen)
{
    if (!src) {
        snprintf(err, errlen, "no display adapter (-vga none)");
        return -1;
    }
    struct display_surface s;
    struct display_rect r;
    struct display_text t;
    bool shown = display_update(src, &s, &r);
    if (fmt == SCREENDUMP_TEXT) {
        if (!display_text(src, &t)) {
            snprintf(err, errlen, "the display is not in a text mode");
            return -1;
        }
    } else if (!shown) {
        snprintf(err, errlen, "the display shows nothing (no mode set)");
        return -1;
    }
    FILE *f = fopen(path, "wb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    int rc = 0;
    if (fmt == SCREENDUMP_TEXT)
        write_text(f, &t);
    else if (fmt == SCREENDUMP_PNG)
        rc = write_png(f, &s, err, errlen);
    else if (write_ppm(f, &s) < 0) {
        snprintf(err, errlen, "out of memory for the PPM");
        rc = -1;
    }
    if (ferror(f) && rc == 0) {
        snprintf(err, errlen, "%s: write error", path);
        rc = -1;
    }
    if (fclose(f) != 0 && rc == 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        rc = -1;
    }
    return rc;
}
