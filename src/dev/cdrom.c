/* The TOC of a one-track data disc and raw Mode 1 sectors; see cdrom.h. */
#include "dev/cdrom.h"

#include <string.h>

void cd_lba_to_msf(uint8_t *msf, uint32_t lba)
{
    lba += 150;
    msf[0] = (uint8_t)(lba / 75 / 60);
    msf[1] = (uint8_t)(lba / 75 % 60);
    msf[2] = (uint8_t)(lba % 75);
}

/* A 4-byte address field: an LBA, or 00h and M, S, F. */
static uint8_t *put_addr(uint8_t *q, uint32_t lba, bool msf)
{
    if (msf) {
        *q++ = 0;
        cd_lba_to_msf(q, lba);
    } else {
        q[0] = (uint8_t)(lba >> 24);
        q[1] = (uint8_t)(lba >> 16);
        q[2] = (uint8_t)(lba >> 8);
        q[3] = (uint8_t)lba;
    }
    return q + (msf ? 3 : 4);
}

/* ADR 1 (Q sub-channel position), control 4 (data track, MMC-3 table
 * 236); QEMU marks the lead-out 16h (digital copy permitted). */
#define CTL_DATA 0x14
#define CTL_LEADOUT 0x16

int cd_read_toc(uint8_t *buf, uint32_t sectors, unsigned format, bool msf,
                unsigned start_track)
{
    uint8_t *q = buf + 2;
    *q++ = 1;                   /* first track / session */
    *q++ = 1;                   /* last */
    switch (format) {
    case 0:                     /* the TOC (MMC-3, READ TOC format 0000b) */
        if (start_track > 1 && start_track != 0xAA)
            return -1;
        if (start_track <= 1) {
            *q++ = 0;
            *q++ = CTL_DATA;
            *q++ = 1;           /* track 1 */
            *q++ = 0;
            q = put_addr(q, 0, msf);
        }
        *q++ = 0;
        *q++ = CTL_LEADOUT;
        *q++ = 0xAA;            /* the lead-out */
        *q++ = 0;
        q = put_addr(q, sectors, msf);
        break;
    case 1:                     /* session information (format 0001b): the
                                   first track of the last session */
        *q++ = 0;
        *q++ = CTL_DATA;
        *q++ = 1;
        *q++ = 0;
        q = put_addr(q, 0, msf);
        break;
    case 2: {                   /* full TOC (format 0010b): A0h first track,
                                   A1h last track, A2h lead-out, track 1 */
        static const uint8_t points[4] = { 0xA0, 0xA1, 0xA2, 0x01 };
        for (unsigned i = 0; i < 4; i++) {
            *q++ = 1;           /* session */
            *q++ = CTL_DATA;
            *q++ = 0;           /* TNO: lead-in */
            *q++ = points[i];
            *q++ = 0;           /* ATIME (min, sec, frame) */
            *q++ = 0;
            *q++ = 0;
            if (points[i] == 0xA0 || points[i] == 0xA1) {
                *q++ = 0;
                *q++ = 1;       /* PMIN: the track number */
                *q++ = 0;       /* PSEC: disc type CD-ROM (A0h) */
                *q++ = 0;
            } else {
                q = put_addr(q, points[i] == 0xA2 ? sectors : 0, msf);
            }
        }
        break;
    }
    default:
        return -1;
    }
    int len = (int)(q - buf);
    buf[0] = (uint8_t)((len - 2) >> 8);
    buf[1] = (uint8_t)(len - 2);
    return len;
}

/* --- the raw sector ------------------------------------------------------
 * EDC: a CRC-32 of bytes 0-2063, polynomial (x^16+x^15+x^2+1)(x^16+x^2+
 * x+1), least significant bit first (ECMA-130, the EDC).  ECC: the
 * Reed-Solomon product code over GF(2^8) (x^8+x^4+x^3+x^2+1) of ECMA-130's ECC annex:
 * 86 P codewords of 24+2 bytes down the columns of bytes 12-2075, then 52
 * Q codewords of 43+2 bytes along the diagonals, P included.  Each
 * codeword's two parity bytes make its syndromes at 1 and alpha zero. */

static uint32_t edc_byte(uint32_t edc, uint8_t b)
{
    edc ^= b;
    for (unsigned i = 0; i < 8; i++)
        edc = (edc >> 1) ^ ((edc & 1) ? 0xD8018001u : 0);
    return edc;
}

/* Multiplication by alpha (x) in GF(2^8) mod 0x11D. */
static uint8_t gf_mul2(uint8_t a)
{
    return (uint8_t)((a << 1) ^ ((a & 0x80) ? 0x1D : 0));
}

/* y / (1 + alpha): y times F4h, the inverse of 03h mod 0x11D. */
static uint8_t gf_div3(uint8_t y)
{
    uint8_t r = 0, a = y;
    for (unsigned b = 0xF4; b; b >>= 1) {
        if (b & 1)
            r ^= a;
        a = gf_mul2(a);
    }
    return r;
}

/* `majors` codewords of `minors` bytes each, read from `src` starting at
 * (major / 2) * mult + major % 2 and stepping `inc` bytes (mod the area);
 * the two parity bytes of codeword m go to dest[m] and dest[m + majors]. */
static void ecc_block(const uint8_t *src, unsigned majors, unsigned minors, unsigned mult,
                      unsigned inc, uint8_t *dest)
{
    unsigned size = majors * minors;
    for (unsigned m = 0; m < majors; m++) {
        unsigned idx = (m >> 1) * mult + (m & 1);
        uint8_t a = 0, b = 0;
        for (unsigned k = 0; k < minors; k++) {
            uint8_t t = src[idx];
            idx += inc;
            if (idx >= size)
                idx -= size;
            a = gf_mul2((uint8_t)(a ^ t));   /* Horner: sum t_k alpha^(n-k) */
            b ^= t;                          /* sum t_k */
        }
        uint8_t p0 = gf_div3((uint8_t)(gf_mul2(a) ^ b));
        dest[m] = p0;
        dest[m + majors] = (uint8_t)(p0 ^ b);
    }
}

void cd_raw_sector(uint8_t *out, uint32_t lba, const uint8_t *data)
{
    out[0] = 0;
    memset(out + 1, 0xFF, 10);
    out[11] = 0;
    cd_lba_to_msf(out + 12, lba);
    /* The header's address is BCD (ECMA-130, the sector header). */
    for (unsigned i = 12; i < 15; i++)
        out[i] = (uint8_t)((out[i] / 10) << 4 | (out[i] % 10));
    out[15] = 0x01;                         /* mode 1 */
    memcpy(out + 16, data, 2048);
    uint32_t edc = 0;
    for (unsigned i = 0; i < 2064; i++)
        edc = edc_byte(edc, out[i]);
    for (unsigned i = 0; i < 4; i++)
        out[2064 + i] = (uint8_t)(edc >> (8 * i));
    memset(out + 2068, 0, 8);
    ecc_block(out + 12, 86, 24, 2, 86, out + 2076);     /* P */
    ecc_block(out + 12, 52, 43, 86, 88, out + 2248);    /* Q */
}
