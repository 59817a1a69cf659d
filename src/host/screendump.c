/* Screendumps; see screendump.h. */
#include "host/screendump.h"

#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Code page 437's glyphs for 0x00-0x1F, 0x7F and 0x80-0xFF (Unicode). */
static const uint16_t cp437_low[32] = {
    0x0020, 0x263A, 0x263B, 0x2665, 0x2666, 0x2663, 0x2660, 0x2022,
    0x25D8, 0x25CB, 0x25D9, 0x2642, 0x2640, 0x266A, 0x266B, 0x263C,
    0x25BA, 0x25C4, 0x2195, 0x203C, 0x00B6, 0x00A7, 0x25AC, 0x21A8,
    0x2191, 0x2193, 0x2192, 0x2190, 0x221F, 0x2194, 0x25B2, 0x25BC,
};
static const uint16_t cp437_high[128] = {
    0x00C7, 0x00FC, 0x00E9, 0x00E2, 0x00E4, 0x00E0, 0x00E5, 0x00E7,
    0x00EA, 0x00EB, 0x00E8, 0x00EF, 0x00EE, 0x00EC, 0x00C4, 0x00C5,
    0x00C9, 0x00E6, 0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9,
    0x00FF, 0x00D6, 0x00DC, 0x00A2, 0x00A3, 0x00A5, 0x20A7, 0x0192,
    0x00E1, 0x00ED, 0x00F3, 0x00FA, 0x00F1, 0x00D1, 0x00AA, 0x00BA,
    0x00BF, 0x2310, 0x00AC, 0x00BD, 0x00BC, 0x00A1, 0x00AB, 0x00BB,
    0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561, 0x2562, 0x2556,
    0x2555, 0x2563, 0x2551, 0x2557, 0x255D, 0x255C, 0x255B, 0x2510,
    0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x255E, 0x255F,
    0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x2567,
    0x2568, 0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553, 0x256B,
    0x256A, 0x2518, 0x250C, 0x2588, 0x2584, 0x258C, 0x2590, 0x2580,
    0x03B1, 0x00DF, 0x0393, 0x03C0, 0x03A3, 0x03C3, 0x00B5, 0x03C4,
    0x03A6, 0x0398, 0x03A9, 0x03B4, 0x221E, 0x03C6, 0x03B5, 0x2229,
    0x2261, 0x00B1, 0x2265, 0x2264, 0x2320, 0x2321, 0x00F7, 0x2248,
    0x00B0, 0x2219, 0x00B7, 0x221A, 0x207F, 0x00B2, 0x25A0, 0x0020,
};

size_t screendump_cp437(unsigned char c, char out[4])
{
    unsigned u = c < 0x20 ? cp437_low[c] : c == 0x7F ? 0x2302u
                                           : c >= 0x80 ? cp437_high[c - 0x80] : c;
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
