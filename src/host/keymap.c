/* Host key tables; see keymap.h.  Sources: the USB HID Usage Tables
 * (chapter 10, Keyboard/Keypad page), X11's keysymdef.h, and
 * <linux/input-event-codes.h>. */
#include "host/keymap.h"

#include <stddef.h>

/* HID usages 0x00-0xE7. */
static const uint8_t hid[0xE8] = {
    [0x04] = 30, 48, 46, 32, 18, 33, 34, 35, 23, 36, 37, 38, 50, 49, 24, 25, /* a-p */
    [0x14] = 16, 19, 31, 20, 22, 47, 17, 45, 21, 44,                         /* q-z */
    [0x1E] = 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,                                 /* 1-0 */
    [0x28] = 28, 1, 14, 15, 57, 12, 13, 26, 27, 43, 43, 39, 40, 41, 51, 52, 53, 58,
    [0x3A] = 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 87, 88,                 /* F1-F12 */
    [0x46] = 99, 70, 119, 110, 102, 104, 111, 107, 109, 106, 105, 108, 103,
    [0x53] = 69, 98, 55, 74, 78, 96, 79, 80, 81, 75, 76, 77, 71, 72, 73, 82, 83,
    [0x64] = 86, 127, 116, 117,
    [0x7F] = 113, 115, 114,
    [0x85] = 121, [0x87] = 89, 93, 124, 92, 94,
    [0xE0] = 29, 42, 56, 125, 97, 54, 100, 126,
};

unsigned keymap_hid(unsigned usage)
{
    return usage < sizeof(hid) ? hid[usage] : 0;
}

/* US layout: the key of each printable ASCII character, 0x20-0x7E, and
 * whether it needs Shift (bit 7). */
#define S 0x80
static const uint8_t ascii[95] = {
    57, 2 | S, 40 | S, 4 | S, 5 | S, 6 | S, 8 | S, 40,          /*  !"#$%&' */
    10 | S, 11 | S, 9 | S, 13 | S, 51, 12, 52, 53,              /* ()*+,-./ */
    11, 2, 3, 4, 5, 6, 7, 8, 9, 10,                             /* 0-9 */
    39 | S, 39, 51 | S, 13, 52 | S, 53 | S, 3 | S,              /* :;<=>?@ */
    30 | S, 48 | S, 46 | S, 32 | S, 18 | S, 33 | S, 34 | S, 35 | S, 23 | S, /* A-I */
    36 | S, 37 | S, 38 | S, 50 | S, 49 | S, 24 | S, 25 | S, 16 | S, 19 | S, /* J-R */
    31 | S, 20 | S, 22 | S, 47 | S, 17 | S, 45 | S, 21 | S, 44 | S,        /* S-Z */
    26, 43, 27, 7 | S, 12 | S, 41,                              /* [\]^_` */
    30, 48, 46, 32, 18, 33, 34, 35, 23, 36, 37, 38, 50, 49, 24, 25, /* a-p */
    16, 19, 31, 20, 22, 47, 17, 45, 21, 44,                     /* q-z */
    26 | S, 43 | S, 27 | S, 41 | S,                             /* {|}~ */
};
#undef S

unsigned keymap_char(int ch, bool *shift)
{
    *shift = false;
    switch (ch) {
    case '\n': case '\r': return 28;
    case '\t': return 15;
    case 0x08: case 0x7F: return 14;
    case 0x1B: return 1;
    }
    if (ch < 0x20 || ch > 0x7E)
        return 0;
    uint8_t v = ascii[ch - 0x20];
    *shift = v & 0x80;
    return v & 0x7F;
}

static const struct {
    uint16_t sym;
    uint8_t code;
} special[] = {
    { 0xFF08, 14 }, { 0xFF09, 15 }, { 0xFF0D, 28 }, { 0xFF13, 119 }, { 0xFF14, 70 },
    { 0xFF15, 99 }, { 0xFF1B, 1 }, { 0xFF50, 102 }, { 0xFF51, 105 }, { 0xFF52, 103 },
    { 0xFF53, 106 }, { 0xFF54, 108 }, { 0xFF55, 104 }, { 0xFF56, 109 }, { 0xFF57, 107 },
    { 0xFF61, 99 }, { 0xFF63, 110 }, { 0xFF67, 127 }, { 0xFF7F, 69 },
    { 0xFF8D, 96 }, { 0xFF95, 71 }, { 0xFF96, 75 }, { 0xFF97, 72 }, { 0xFF98, 77 },
    { 0xFF99, 80 }, { 0xFF9A, 73 }, { 0xFF9B, 81 }, { 0xFF9C, 79 }, { 0xFF9D, 76 },
    { 0xFF9E, 82 }, { 0xFF9F, 83 }, { 0xFFAA, 55 }, { 0xFFAB, 78 }, { 0xFFAD, 74 },
    { 0xFFAE, 83 }, { 0xFFAF, 98 }, { 0xFFB0, 82 }, { 0xFFB1, 79 }, { 0xFFB2, 80 },
    { 0xFFB3, 81 }, { 0xFFB4, 75 }, { 0xFFB5, 76 }, { 0xFFB6, 77 }, { 0xFFB7, 71 },
    { 0xFFB8, 72 }, { 0xFFB9, 73 }, { 0xFFBD, 117 },
    { 0xFFBE, 59 }, { 0xFFBF, 60 }, { 0xFFC0, 61 }, { 0xFFC1, 62 }, { 0xFFC2, 63 },
    { 0xFFC3, 64 }, { 0xFFC4, 65 }, { 0xFFC5, 66 }, { 0xFFC6, 67 }, { 0xFFC7, 68 },
    { 0xFFC8, 87 }, { 0xFFC9, 88 },
    { 0xFFE1, 42 }, { 0xFFE2, 54 }, { 0xFFE3, 29 }, { 0xFFE4, 97 }, { 0xFFE5, 58 },
    { 0xFFE7, 125 }, { 0xFFE8, 126 }, { 0xFFE9, 56 }, { 0xFFEA, 100 }, { 0xFFEB, 125 },
    { 0xFFEC, 126 }, { 0xFFFF, 111 }, { 0xFE03, 100 },
};

unsigned keymap_keysym(uint32_t keysym)
{
    bool shift;
    if (keysym >= 0x20 && keysym <= 0x7E)
        return keymap_char((int)keysym, &shift);
    for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++)
        if (special[i].sym == keysym)
            return special[i].code;
    return 0;
}
