/* Code page 437, the PC's character set in text modes (the font of the
 * IBM VGA BIOS), as Unicode code points: the box drawing, the accented
 * letters and the graphic symbols of bytes 0x01-0x1F and 0x7F. */
#ifndef PLEX86_HOST_CP437_H
#define PLEX86_HOST_CP437_H

#include <stdint.h>

/* The code point of byte `c` (0x00 and 0xFF: a space). */
uint16_t cp437_unicode(uint8_t c);

#endif
