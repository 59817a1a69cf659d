/* Screendumps (issue 17): the display adapter's picture written to a file,
 * as QEMU's `screendump FILE [-f ppm|png]` (PPM by default), and the text
 * screen of a text mode as plain UTF-8 (format "text", a plex86
 * extension: one line per row, code page 437 mapped to Unicode, trailing
 * blanks dropped).  Used by the monitor, QMP and -screendump-at-exit. */
#ifndef PLEX86_HOST_SCREENDUMP_H
#define PLEX86_HOST_SCREENDUMP_H

#include <stddef.h>

#include "dev/display.h"

enum screendump_format { SCREENDUMP_PPM, SCREENDUMP_PNG, SCREENDUMP_TEXT };

/* "ppm", "png" or "text" (QMP's and the monitor's spelling).  Returns 0
 * or -1 for an unknown name. */
int screendump_parse_format(const char *name, enum screendump_format *out);

/* The format a file name asks for: .png PNG, .txt text, else PPM (for
 * -screendump-at-exit). */
enum screendump_format screendump_format_of_path(const char *path);

/* Brings the picture up to date and writes it to `path` (replaced).
 * Returns 0, or -1 with a one-line message in `err`: no display adapter
 * (src NULL), nothing shown, a graphics mode asked for as text, a file
 * that cannot be written. */
int screendump_write(const struct display_source *src, const char *path,
                     enum screendump_format fmt, char *err, size_t errlen);

/* Writes the UTF-8 of code page 437 character `c` to out (1-3 bytes) and
 * returns its length; the control range 0x00-0x1F is shown as the glyphs
 * the VGA font draws for it, 0 (and 0xFF) as a space. */
size_t screendump_cp437(unsigned char c, char out[4]);

#endif
