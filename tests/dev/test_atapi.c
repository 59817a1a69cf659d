/* The ATAPI CD-ROM of the PIIX IDE function, driven as a guest drives it:
 * the signature and IDENTIFY PACKET DEVICE, the packet protocol (interrupt
 * reason on every phase, the byte count limit and its DRQ blocks, DMA when
 * asked), and the MMC-3/SPC-3 commands against their tables: TEST UNIT
 * READY, REQUEST SENSE, INQUIRY, READ CAPACITY, READ(10)/(12), READ CD with
 * raw sectors, READ TOC formats 0-2 in LBA and MSF, MODE SENSE(6)/(10),
 * GET CONFIGURATION, GET EVENT STATUS NOTIFICATION, READ DISC INFORMATION,
 * MECHANISM STATUS, PREVENT/ALLOW, START STOP UNIT, SET CD SPEED, SEEK;
 * CHECK CONDITION for the rest, an empty tray, media changes and the unit
 * attention they raise, the monitor's change and eject, and a snapshot in
 * the middle of a transfer. */
#include "check.h"
#include "dev/cdrom.h"
#include "dev/ide_util.h"

#define CD_SECTORS 100u
#define CH 1                                  /* the CD is secondary master */
#define B 0x170

static uint8_t st(struct rig *r)
{
    return inb(r, B + 7);
}

/* Sends a packet; the PACKET command's DRQ asks for it with C/D set. */
static void packet(struct rig *r, const uint8_t *cdb, unsigned bcl, bool dma)
{
    outb(r, B + 6, 0xA0);
    outb(r, B + 1, dma ? 1 : 0);
    outb(r, B + 4, (uint8_t)bcl);
    outb(r, B + 5, (uint8_t)(bcl >> 8));
    outb(r, B + 7, 0xA0);
    CHECK_EQ(inb(r, 0x376), 0x58);
    CHECK_EQ(inb(r, B + 2) & 7, 1);           /* C/D, to the device */
    write_data(r, CH, cdb, 12);
}

/* Reads the data-in phase block by block: each with DRQ, I/O set, C/D
 * clear and its length in the cylinder registers.  Returns the bytes;
 * *blocks counts the DRQ blocks. */
static size_t data_in(struct rig *r, uint8_t *buf, size_t max, unsigned *blocks)
{
    size_t total = 0;
    unsigned n_blocks = 0;
    for (;;) {
        uint8_t s = st(r);
        if (!(s & 0x08))
            break;
        CHECK_EQ(inb(r, B + 2) & 7, 2);
        unsigned n = inb(r, B + 4) | (unsigned)inb(r, B + 5) << 8;
        CHECK(n > 0 && total + n <= max);
        if (n == 0 || total + n > max)
            break;
        read_data(r, CH, buf + total, n);
        total += n;
        n_blocks++;
    }
    if (blocks)
        *blocks = n_blocks;
    return total;
}

/* The command ended: GOOD (status 50h) or CHECK CONDITION with `key`;
 * I/O and C/D set. */
static void check_done(struct rig *r, int key)
{
    uint8_t s = inb(r, 0x376);
    CHECK_EQ(inb(r, B + 2) & 7, 3);
    if (key < 0) {
        CHECK_EQ(s, 0x50);
    } else {
        CHECK_EQ(s, 0x41);
        CHECK_EQ(inb(r, B + 1) >> 4, (unsigned)key);
    }
}

/* A command with its data; returns the bytes read. */
static size_t cmd(struct rig *r, const uint8_t *cdb, uint8_t *buf, size_t max)
{
    packet(r, cdb, 0xFFFE, false);
    size_t n = data_in(r, buf, max, NULL);
    return n;
}

/* REQUEST SENSE's key, ASC and ASCQ. */
static unsigned sense(struct rig *r)
{
    uint8_t cdb[12] = { 0x03, 0, 0, 0, 18 }, b[18];
    CHECK_EQ(cmd(r, cdb, b, sizeof(b)), 18);
    check_done(r, -1);
    CHECK_EQ(b[0], 0x70);
    CHECK_EQ(b[7], 10);
    return (unsigned)b[2] << 16 | (unsigned)b[12] << 8 | b[13];
}

static void tur(struct rig *r, int key)
{
    uint8_t cdb[12] = { 0x00 };
    packet(r, cdb, 0, false);
    check_done(r, key);
}

static unsigned be16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)be16(p) << 16 | be16(p + 2);
}

static void test_identify_inquiry(struct rig *r)
{
    /* Signature after reset (9.12): 14h EBh; status 00h once it posts its
     * diagnostics after SRST (9.10). */
    CHECK_EQ(inb(r, B + 4), 0x14);
    CHECK_EQ(inb(r, B + 5), 0xEB);
    outb(r, 0x376, 0x04);
    outb(r, 0x376, 0x00);
    CHECK_EQ(st(r), 0x00);
    CHECK_EQ(inb(r, B + 4), 0x14);
    CHECK_EQ(inb(r, B + 1), 0x01);
    /* IDENTIFY DEVICE aborts and shows the signature again. */
    outb(r, B + 4, 0);
    outb(r, B + 7, 0xEC);
    CHECK_EQ(st(r), 0x41);
    CHECK_EQ(inb(r, B + 1), 0x04);
    CHECK_EQ(inb(r, B + 4), 0x14);
    CHECK_EQ(inb(r, B + 5), 0xEB);
    /* So does READ SECTORS; WRITE SECTORS only aborts. */
    outb(r, B + 7, 0x20);
    CHECK_EQ(inb(r, B + 1), 0x04);
    outb(r, B + 7, 0x30);
    CHECK_EQ(inb(r, B + 1), 0x04);
    /* IDENTIFY PACKET DEVICE (8.16). */
    outb(r, B + 7, 0xA1);
    CHECK_EQ(st(r), 0x58);
    uint8_t id[512];
    read_data(r, CH, id, 512);
    CHECK_EQ(st(r), 0x50);
    CHECK_EQ(id_word(id, 0), 0x85C0);        /* ATAPI, CD-ROM, removable, 12 bytes */
    CHECK_EQ(id_word(id, 49), 0x0300);
    CHECK_EQ(id_word(id, 53), 0x0007);
    CHECK_EQ(id_word(id, 63), 0x0007);
    CHECK_EQ(id_word(id, 80), 0x001E);
    CHECK_EQ(id_word(id, 88), 0x203F);
    CHECK_EQ(id_word(id, 27), 'P' << 8 | 'L');
    uint8_t sum = 0;
    for (unsigned i = 0; i < 512; i++)
        sum = (uint8_t)(sum + id[i]);
    CHECK_EQ(sum, 0);

    /* INQUIRY (SPC-3 6.4.2). */
    uint8_t b[256];
    uint8_t inq[12] = { 0x12, 0, 0, 0, 96 };
    CHECK_EQ(cmd(r, inq, b, sizeof(b)), 36);
    check_done(r, -1);
    CHECK_EQ(b[0], 0x05);
    CHECK_EQ(b[1], 0x80);
    CHECK_EQ(b[4], 31);
    CHECK(memcmp(b + 8, "PLEX86  PLEX86 DVD-ROM  1.0 ", 28) == 0);
    inq[4] = 5;                               /* the allocation length cuts */
    CHECK_EQ(cmd(r, inq, b, sizeof(b)), 5);
    check_done(r, -1);
    uint8_t vpd[12] = { 0x12, 1, 0x00, 0, 255 };
    CHECK_EQ(cmd(r, vpd, b, sizeof(b)), 6);
    CHECK_EQ(b[1], 0x00);
    CHECK_EQ(b[3], 2);
    CHECK_EQ(b[5], 0x83);
    vpd[2] = 0x83;
    CHECK_EQ(cmd(r, vpd, b, sizeof(b)), 100);
    CHECK_EQ(b[7], 20);
    CHECK(memcmp(b + 8, "PL00003", 7) == 0);
    CHECK(memcmp(b + 32, "ATA     PLEX86 DVD-ROM", 22) == 0);
    vpd[2] = 0x80;                            /* not supported */
    CHECK_EQ(cmd(r, vpd, b, sizeof(b)), 0);
    check_done(r, 5);
    CHECK_EQ(sense(r), 0x052400);
}

static void test_reads(struct rig *r, const uint8_t *img)
{
    static uint8_t buf[5 * 2352];
    tur(r, -1);
    uint8_t cap[12] = { 0x25 };
    CHECK_EQ(cmd(r, cap, buf, 8), 8);
    check_done(r, -1);
    CHECK_EQ(be32(buf), CD_SECTORS - 1);
    CHECK_EQ(be32(buf + 4), 2048);

    /* READ(10) of 3 sectors with a byte count limit of 2048: a DRQ block
     * and an interrupt per sector. */
    uint8_t rd[12] = { 0x28, 0, 0, 0, 0, 10, 0, 0, 3 };
    unsigned rises = r->irq[1].rises, blocks;
    packet(r, rd, 2048, false);
    CHECK_EQ(data_in(r, buf, sizeof(buf), &blocks), 3 * 2048);
    check_done(r, -1);
    CHECK_EQ(blocks, 3);
    CHECK_EQ(r->irq[1].rises, rises + 4);     /* 3 blocks and the status */
    CHECK(memcmp(buf, img + 10 * 2048, 3 * 2048) == 0);
    /* The limit 0x1001 is odd: blocks of 4096; the last is what is left. */
    packet(r, rd, 0x1001, false);
    CHECK_EQ(data_in(r, buf, sizeof(buf), &blocks), 3 * 2048);
    CHECK_EQ(blocks, 2);
    CHECK(memcmp(buf, img + 10 * 2048, 3 * 2048) == 0);
    /* A limit of 1000 that splits sectors: blocks of 1000 bytes. */
    packet(r, rd, 1000, false);
    CHECK_EQ(data_in(r, buf, sizeof(buf), &blocks), 3 * 2048);
    CHECK_EQ(blocks, 7);
    CHECK(memcmp(buf, img + 10 * 2048, 3 * 2048) == 0);
    check_done(r, -1);
    /* A limit of 0 with data: aborted at the ATA level. */
    packet(r, rd, 0, false);
    CHECK_EQ(st(r), 0x41);
    CHECK_EQ(inb(r, B + 1), 0x04);
    /* READ(12); a length of 0 moves nothing. */
    uint8_t rd12[12] = { 0xA8, 0, 0, 0, 0, 98, 0, 0, 0, 2 };
    packet(r, rd12, 0xFFFF, false);
    CHECK_EQ(data_in(r, buf, sizeof(buf), &blocks), 4096);
    CHECK_EQ(blocks, 1);                      /* FFFFh counts as FFFEh */
    CHECK(memcmp(buf, img + 98 * 2048, 4096) == 0);
    check_done(r, -1);
    rd12[9] = 0;
    packet(r, rd12, 0xFFFF, false);
    check_done(r, -1);
    /* Past the end: ILLEGAL REQUEST, LBA out of range. */
    rd12[9] = 3;
    packet(r, rd12, 0xFFFF, false);
    check_done(r, 5);
    CHECK_EQ(sense(r), 0x052100);
    /* The sense is the last command's: gone after a good one. */
    tur(r, -1);
    CHECK_EQ(sense(r), 0);
    /* An unknown opcode. */
    uint8_t w10[12] = { 0x2A };
    packet(r, w10, 2048, false);
    check_done(r, 5);
    CHECK_EQ(sense(r), 0x052000);

    /* READ CD: user data; then everything, checked against the layout of
     * ECMA-130 (sync, BCD header, EDC, and the parity's syndromes). */
    uint8_t rcd[12] = { 0xBE, 0, 0, 0, 0, 5, 0, 0, 2, 0x10 };
    CHECK_EQ(cmd(r, rcd, buf, sizeof(buf)), 4096);
    check_done(r, -1);
    CHECK(memcmp(buf, img + 5 * 2048, 4096) == 0);
    rcd[9] = 0xF8;
    CHECK_EQ(cmd(r, rcd, buf, sizeof(buf)), 2 * 2352);
    check_done(r, -1);
    static const uint8_t sync[12] = { 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                      0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0 };
    for (unsigned s = 0; s < 2; s++) {
        const uint8_t *sec = buf + s * 2352;
        CHECK(memcmp(sec, sync, 12) == 0);
        CHECK_EQ(sec[12], 0x00);
        CHECK_EQ(sec[13], 0x02);              /* 00:02:05 + s, BCD */
        CHECK_EQ(sec[14], 0x05 + s);
        CHECK_EQ(sec[15], 0x01);
        CHECK(memcmp(sec + 16, img + (5 + s) * 2048, 2048) == 0);
        /* EDC: CRC of bytes 0-2063, polynomial 0x8001801B reflected. */
        uint32_t edc = 0;
        for (unsigned i = 0; i < 2064; i++) {
            edc ^= sec[i];
            for (unsigned k = 0; k < 8; k++)
                edc = (edc >> 1) ^ ((edc & 1) ? 0xD8018001u : 0);
        }
        CHECK_EQ(sec[2064] | sec[2065] << 8 | sec[2066] << 16 | (uint32_t)sec[2067] << 24,
                 edc);
        /* P: 86 columns of 24 bytes plus 2 parity bytes; each codeword's
         * syndromes at 1 and alpha are zero (GF(2^8), 0x11D). */
        bool ok = true;
        const uint8_t *area = sec + 12;
        for (unsigned m = 0; m < 86; m++) {
            uint8_t s0 = 0, s1 = 0;
            for (unsigned k = 0; k < 26; k++) {
                uint8_t c = area[(m + 86 * k) % 2236];
                s0 ^= c;
                s1 = (uint8_t)(((s1 << 1) ^ ((s1 & 0x80) ? 0x1D : 0)) ^ c);
            }
            ok &= s0 == 0 && s1 == 0;
        }
        /* Q: 52 diagonals of 43 bytes (P included) plus 2. */
        for (unsigned m = 0; m < 52; m++) {
            uint8_t s0 = 0, s1 = 0;
            unsigned idx = (m >> 1) * 86 + (m & 1);
            for (unsigned k = 0; k < 45; k++) {
                uint8_t c = k < 43 ? area[idx] : area[2236 + m + (k - 43) * 52];
                idx = (idx + 88) % 2236;
                s0 ^= c;
                s1 = (uint8_t)(((s1 << 1) ^ ((s1 & 0x80) ? 0x1D : 0)) ^ c);
            }
            ok &= s0 == 0 && s1 == 0;
        }
        CHECK(ok);
    }
    rcd[9] = 0x30;                            /* header + user data */
    CHECK_EQ(cmd(r, rcd, buf, sizeof(buf)), 2 * 2052);
    CHECK(memcmp(buf + 2052 + 4, img + 6 * 2048, 2048) == 0);
    rcd[9] = 0x90;                            /* sync without header */
    packet(r, rcd, 0xFFFE, false);
    check_done(r, 5);
    rcd[9] = 0x10;
    rcd[1] = 1 << 2;                          /* CD-DA sectors: not ours */
    packet(r, rcd, 0xFFFE, false);
    check_done(r, 5);
    CHECK_EQ(sense(r), 0x056400);

    /* SEEK(10), SET CD SPEED. */
    uint8_t seek[12] = { 0x2B, 0, 0, 0, 0, 99 };
    packet(r, seek, 0, false);
    check_done(r, -1);
    seek[5] = 100;
    packet(r, seek, 0, false);
    check_done(r, 5);
    uint8_t speed[12] = { 0xBB, 0, 0xFF, 0xFF };
    packet(r, speed, 0, false);
    check_done(r, -1);
}

static void test_toc(struct rig *r)
{
    uint8_t b[64];
    /* Format 0, LBA: track 1 at 0, lead-out at 100 (MMC-3 table 235). */
    uint8_t toc[12] = { 0x43, 0, 0, 0, 0, 0, 0, 0, 64 };
    CHECK_EQ(cmd(r, toc, b, sizeof(b)), 20);
    check_done(r, -1);
    static const uint8_t lba[20] = { 0, 18, 1, 1, 0, 0x14, 1, 0, 0, 0, 0, 0,
                                     0, 0x16, 0xAA, 0, 0, 0, 0, 100 };
    CHECK(memcmp(b, lba, 20) == 0);
    /* MSF: 00:02:00 and 00:03:25 (250 frames). */
    toc[1] = 0x02;
    CHECK_EQ(cmd(r, toc, b, sizeof(b)), 20);
    static const uint8_t msf[20] = { 0, 18, 1, 1, 0, 0x14, 1, 0, 0, 0, 2, 0,
                                     0, 0x16, 0xAA, 0, 0, 0, 3, 25 };
    CHECK(memcmp(b, msf, 20) == 0);
    /* From the lead-out only; a track the disc lacks. */
    toc[6] = 0xAA;
    CHECK_EQ(cmd(r, toc, b, sizeof(b)), 12);
    CHECK_EQ(b[6], 0xAA);
    toc[6] = 2;
    packet(r, toc, 0xFFFE, false);
    check_done(r, 5);
    /* Format 1: the first track of the last session. */
    uint8_t ses[12] = { 0x43, 0, 1, 0, 0, 0, 0, 0, 12 };
    CHECK_EQ(cmd(r, ses, b, sizeof(b)), 12);
    static const uint8_t s1[12] = { 0, 10, 1, 1, 0, 0x14, 1, 0, 0, 0, 0, 0 };
    CHECK(memcmp(b, s1, 12) == 0);
    /* ... asked the SFF-8020i way (byte 9 bits 7-6). */
    uint8_t sff[12] = { 0x43, 0, 0, 0, 0, 0, 0, 0, 12, 0x40 };
    CHECK_EQ(cmd(r, sff, b, sizeof(b)), 12);
    CHECK(memcmp(b, s1, 12) == 0);
    /* Format 2: A0h, A1h, A2h (lead-out 00:03:25), track 1 (00:02:00). */
    uint8_t full[12] = { 0x43, 2, 2, 0, 0, 0, 1, 0, 64 };
    CHECK_EQ(cmd(r, full, b, sizeof(b)), 48);
    CHECK_EQ(be16(b), 46);
    CHECK_EQ(b[4 + 3], 0xA0);
    CHECK_EQ(b[4 + 8], 1);                    /* first track */
    CHECK_EQ(b[15 + 3], 0xA1);
    CHECK_EQ(b[26 + 3], 0xA2);
    CHECK(memcmp(b + 26 + 8, "\x00\x03\x19", 3) == 0);
    CHECK_EQ(b[37 + 3], 0x01);
    CHECK(memcmp(b + 37 + 8, "\x00\x02\x00", 3) == 0);
    uint8_t pma[12] = { 0x43, 0, 3, 0, 0, 0, 0, 0, 64 };
    packet(r, pma, 0xFFFE, false);
    check_done(r, 5);
    CHECK_EQ(sense(r), 0x052400);
}

static void test_modes_config(struct rig *r, bool dvd)
{
    uint8_t b[256];
    /* MODE SENSE(10), page 2Ah (QEMU's layout). */
    uint8_t ms10[12] = { 0x5A, 0, 0x2A, 0, 0, 0, 0, 0, 255 };
    CHECK_EQ(cmd(r, ms10, b, sizeof(b)), 30);
    check_done(r, -1);
    CHECK_EQ(be16(b), 28);
    CHECK_EQ(be16(b + 6), 0);                 /* no block descriptors */
    CHECK_EQ(b[8], 0x2A);
    CHECK_EQ(b[9], 20);
    CHECK_EQ(b[14], 0x29);                    /* tray, eject, lock; unlocked */
    CHECK_EQ(be16(b + 16), 704);
    /* MODE SENSE(6), page 01h. */
    uint8_t ms6[12] = { 0x1A, 0, 0x01, 0, 255 };
    CHECK_EQ(cmd(r, ms6, b, sizeof(b)), 16);
    CHECK_EQ(b[0], 15);
    CHECK_EQ(b[3], 0);
    CHECK_EQ(b[4], 0x01);
    CHECK_EQ(b[5], 0x0A);
    CHECK_EQ(b[7], 5);
    /* All pages; changeable values are all zero. */
    ms10[2] = 0x3F;
    CHECK_EQ(cmd(r, ms10, b, sizeof(b)), 8 + 12 + 16 + 22);
    CHECK_EQ(b[8], 0x01);
    CHECK_EQ(b[20], 0x0E);
    CHECK_EQ(b[36], 0x2A);
    ms10[2] = 0x40 | 0x2A;
    CHECK_EQ(cmd(r, ms10, b, sizeof(b)), 30);
    CHECK_EQ(b[8], 0x2A);
    CHECK_EQ(b[9], 20);
    bool zero = true;
    for (unsigned i = 10; i < 30; i++)
        zero &= b[i] == 0;
    CHECK(zero);
    ms10[2] = 0xC0 | 0x2A;                    /* saved values */
    packet(r, ms10, 0xFFFE, false);
    check_done(r, 5);
    CHECK_EQ(sense(r), 0x053900);
    ms10[2] = 0x05;                           /* a page we do not have */
    packet(r, ms10, 0xFFFE, false);
    check_done(r, 5);
    CHECK_EQ(sense(r), 0x052400);

    /* GET CONFIGURATION: the current profile, the profile list. */
    uint8_t gc[12] = { 0x46, 0, 0, 0, 0, 0, 0, 0, 255 };
    size_t n = cmd(r, gc, b, sizeof(b));
    check_done(r, -1);
    CHECK_EQ(be32(b), n - 4);
    CHECK_EQ(be16(b + 6), dvd ? 0x0010 : 0x0008);
    CHECK_EQ(be16(b + 8), 0x0000);
    CHECK_EQ(b[11], 8);
    CHECK_EQ(be16(b + 12), 0x0010);
    CHECK_EQ(b[14], dvd);
    CHECK_EQ(be16(b + 16), 0x0008);
    CHECK_EQ(b[18], !dvd);
    CHECK_EQ(be16(b + 20), 0x0001);           /* core: ATAPI */
    CHECK_EQ(be32(b + 24), 2);
    /* RT 2: just the removable medium feature. */
    uint8_t gc2[12] = { 0x46, 2, 0, 3, 0, 0, 0, 0, 255 };
    CHECK_EQ(cmd(r, gc2, b, sizeof(b)), 16);
    CHECK_EQ(be16(b + 8), 0x0003);
    CHECK_EQ(b[12], 0x29);
    /* RT 1: the current ones from 10h: random readable and CD or DVD. */
    uint8_t gc1[12] = { 0x46, 1, 0, 0x10, 0, 0, 0, 0, 255 };
    CHECK_EQ(cmd(r, gc1, b, sizeof(b)), dvd ? 8 + 12 + 4 : 8 + 12 + 8);
    CHECK_EQ(be16(b + 8), 0x0010);
    CHECK_EQ(be16(b + 20), dvd ? 0x001F : 0x001E);

    /* READ DISC INFORMATION, MECHANISM STATUS. */
    uint8_t di[12] = { 0x51, 0, 0, 0, 0, 0, 0, 0, 255 };
    CHECK_EQ(cmd(r, di, b, sizeof(b)), 34);
    CHECK_EQ(b[1], 32);
    CHECK_EQ(b[2], 0x0E);
    uint8_t mech[12] = { 0xBD, 0, 0, 0, 0, 0, 0, 0, 0, 8 };
    CHECK_EQ(cmd(r, mech, b, sizeof(b)), 8);
    CHECK_EQ(b[1], 0);
    check_done(r, -1);
}

/* GET EVENT STATUS NOTIFICATION, one poll. */
static void gesn(struct rig *r, uint8_t *event, uint8_t *status)
{
    uint8_t cdb[12] = { 0x4A, 1, 0, 0, 0x10, 0, 0, 0, 8 }, b[8];
    CHECK_EQ(cmd(r, cdb, b, sizeof(b)), 8);
    check_done(r, -1);
    CHECK_EQ(be16(b), 4);                     /* the descriptor after the header */
    CHECK_EQ(b[2], 4);
    CHECK_EQ(b[3], 0x10);
    *event = b[4];
    *status = b[5];
}

static void test_media(struct rig *r, uint8_t *img)
{
    uint8_t ev, ms;
    gesn(r, &ev, &ms);
    CHECK_EQ(ev, 0);
    CHECK_EQ(ms, 0x02);                       /* medium present, tray shut */
    uint8_t async[12] = { 0x4A, 0, 0, 0, 0x10, 0, 0, 0, 8 };
    packet(r, async, 0xFFFE, false);
    check_done(r, 5);

    /* PREVENT: the guest's eject fails, the monitor's asks the guest. */
    uint8_t prevent[12] = { 0x1E, 0, 0, 0, 1 };
    packet(r, prevent, 0, false);
    check_done(r, -1);
    uint8_t eject[12] = { 0x1B, 0, 0, 0, 0x02 };
    packet(r, eject, 0, false);
    check_done(r, 5);
    CHECK_EQ(sense(r), 0x055302);
    struct block *old = NULL;
    CHECK_EQ(ide_eject(r->ide, 2, false, &old), -EBUSY);
    gesn(r, &ev, &ms);
    CHECK_EQ(ev, 1);                          /* eject requested */
    struct block *b2 = block_open_memory(img, CD_SECTORS * 2048, true);
    CHECK_EQ(ide_change_media(r->ide, 2, b2, &old), -EBUSY);
    prevent[4] = 0;
    packet(r, prevent, 0, false);
    check_done(r, -1);

    /* START STOP UNIT: open the tray; then the medium is not there. */
    packet(r, eject, 0, false);
    check_done(r, -1);
    tur(r, 2);
    CHECK_EQ(sense(r), 0x023A02);             /* tray open */
    gesn(r, &ev, &ms);
    CHECK_EQ(ev, 3);                          /* media removal */
    CHECK_EQ(ms, 0x01);
    uint8_t mech[12] = { 0xBD, 0, 0, 0, 0, 0, 0, 0, 0, 8 }, b[8];
    CHECK_EQ(cmd(r, mech, b, sizeof(b)), 8);
    CHECK_EQ(b[1], 0x10);                     /* door open */
    /* Close it: the disc comes back as a new medium, with a unit
     * attention for commands other than INQUIRY, REQUEST SENSE, GET
     * CONFIGURATION and GESN. */
    eject[4] = 0x03;
    packet(r, eject, 0, false);
    check_done(r, -1);
    uint8_t inq[12] = { 0x12, 0, 0, 0, 8 };
    CHECK_EQ(cmd(r, inq, b, 8), 8);
    check_done(r, -1);
    tur(r, 6);
    CHECK_EQ(sense(r), 0x062800);
    tur(r, -1);
    gesn(r, &ev, &ms);
    CHECK_EQ(ev, 2);
    gesn(r, &ev, &ms);
    CHECK_EQ(ev, 0);

    /* The monitor's eject in the middle of a read: the sectors already
     * buffered come, then NOT READY. */
    uint8_t rd[12] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 8 };
    static uint8_t data[8 * 2048];
    packet(r, rd, 2048, false);
    CHECK_EQ(st(r), 0x58);
    read_data(r, CH, data, 2048);
    CHECK_EQ(ide_eject(r->ide, 2, false, &old), 0);
    unsigned blocks;
    CHECK_EQ(data_in(r, data, sizeof(data), &blocks), 3 * 2048);
    check_done(r, 2);
    CHECK_EQ(ide_change_media(r->ide, 2, old, &old), 0);
    tur(r, 2);
    tur(r, 6);
    tur(r, -1);

    /* The monitor's eject: empty, tray open. */
    CHECK_EQ(ide_eject(r->ide, 2, false, &old), 0);
    CHECK(old != NULL);
    CHECK(piix_ide_medium(r->ide, 2) == NULL);
    tur(r, 2);
    CHECK_EQ(sense(r), 0x023A02);
    uint8_t cap[12] = { 0x25 };
    packet(r, cap, 0xFFFE, false);
    check_done(r, 2);
    gesn(r, &ev, &ms);
    CHECK_EQ(ev, 3);
    CHECK_EQ(ms, 0x01);
    /* Commands that need no medium still work. */
    CHECK_EQ(cmd(r, inq, b, 8), 8);
    check_done(r, -1);
    uint8_t ms10[12] = { 0x5A, 0, 0x01, 0, 0, 0, 0, 0, 255 };
    uint8_t page[64];
    CHECK_EQ(cmd(r, ms10, page, sizeof(page)), 20);
    uint8_t gc[12] = { 0x46, 0, 0, 0, 0, 0, 0, 0, 255 };
    uint8_t cfg[256];
    (void)cmd(r, gc, cfg, sizeof(cfg));
    CHECK_EQ(be16(cfg + 6), 0);               /* no current profile */

    /* change: a new medium; first NOT READY, then UNIT ATTENTION (QEMU),
     * and GESN's new-media event. */
    CHECK_EQ(ide_change_media(r->ide, 2, b2, &old), 0);
    CHECK(old == NULL);
    gesn(r, &ev, &ms);
    CHECK_EQ(ev, 2);
    CHECK_EQ(ms, 0x02);
    tur(r, 2);
    CHECK_EQ(sense(r) >> 8, 0x023A);
    tur(r, 6);
    CHECK_EQ(sense(r), 0x062800);
    tur(r, -1);
    CHECK_EQ(ide_change_media(r->ide, 0, b2, &old), -ENODEV);  /* no CD there */
    char name[16];
    CHECK_EQ(piix_ide_drive_name(r->ide, 2, name, sizeof(name)), 0);
    CHECK_STR(name, "ide1-cd0");
    CHECK_EQ(piix_ide_find_drive(r->ide, "ide1-cd0"), 2);
    CHECK_EQ(piix_ide_find_drive(r->ide, "ide0-hd0"), -1);
    /* Forced eject of a locked tray. */
    prevent[4] = 1;
    packet(r, prevent, 0, false);
    CHECK_EQ(ide_eject(r->ide, 2, true, &old), 0);
    CHECK(old == b2);
    block_close(b2);
}

/* Packet data by DMA (feature bit 0): INQUIRY and READ(10). */
static void test_dma(struct rig *r, const uint8_t *img)
{
    const uint32_t table = 0x8000;
    prd_set(r, table, 0, 0x20000, 4096, false);
    prd_set(r, table, 1, 0x30000, 4096, true);
    bm_setup(r, CH, table, true);
    uint8_t rd[12] = { 0x28, 0, 0, 0, 0, 20, 0, 0, 4 };
    unsigned rises = r->irq[1].rises;
    packet(r, rd, 0, true);                   /* the limit does not matter */
    CHECK_EQ(inb(r, 0x376), 0x58);
    CHECK_EQ(r->irq[1].rises, rises);
    bm_start(r, CH, true);
    CHECK_EQ(r->irq[1].rises, rises + 1);
    check_done(r, -1);
    CHECK_EQ(bm_status(r, CH), 0x04);
    uint8_t got[8192];
    mem_read(r, 0x20000, got, 4096);
    mem_read(r, 0x30000, got + 4096, 4096);
    CHECK(memcmp(got, img + 20 * 2048, 8192) == 0);
    bm_stop(r, CH);
    /* A reply shorter than the table: Active stays. */
    outb(r, BM_BASE + 8 + 2, 0x04);
    bm_setup(r, CH, table, true);
    bm_start(r, CH, true);
    uint8_t inq[12] = { 0x12, 0, 0, 0, 36 };
    packet(r, inq, 0, true);
    check_done(r, -1);
    CHECK_EQ(bm_status(r, CH), 0x05);
    mem_read(r, 0x20000, got, 36);
    CHECK_EQ(got[0], 0x05);
    CHECK(memcmp(got + 16, "PLEX86 DVD-ROM", 14) == 0);
    bm_stop(r, CH);
    /* Too much for the table: no interrupt, Active clear. */
    outb(r, BM_BASE + 8 + 2, 0x04);
    bm_setup(r, CH, table, true);
    rd[8] = 5;
    packet(r, rd, 0, true);
    rises = r->irq[1].rises;
    bm_start(r, CH, true);
    CHECK_EQ(r->irq[1].rises, rises);
    CHECK_EQ(bm_status(r, CH), 0x00);
    CHECK_EQ(st(r) & 0x88, 0);
    bm_stop(r, CH);
}

/* A snapshot in the middle of a PIO READ(10), and DEVICE RESET there. */
static void test_snapshot_reset(struct rig *r, const uint8_t *img)
{
    uint8_t rd[12] = { 0x28, 0, 0, 0, 0, 30, 0, 0, 4 };
    packet(r, rd, 3000, false);
    (void)st(r);
    uint8_t buf[4 * 2048];
    read_data(r, CH, buf, 1000);
    struct state_out a, c;
    state_out_init(&a);
    state_out_init(&c);
    r->ide->dev.ops->save(&r->ide->dev, &a);
    read_data(r, CH, buf, 2000);               /* then on and away */
    outb(r, B + 7, 0x08);                      /* DEVICE RESET, while DRQ */
    CHECK_EQ(st(r), 0x00);
    CHECK_EQ(inb(r, B + 4), 0x14);
    struct state_in in = state_in_of(a.buf, a.len);
    CHECK_EQ(r->ide->dev.ops->load(&r->ide->dev, &in, true), 0);
    r->ide->dev.ops->save(&r->ide->dev, &c);
    CHECK(a.len == c.len && memcmp(a.buf, c.buf, a.len) == 0);
    unsigned blocks;
    read_data(r, CH, buf, 2000);               /* the rest of the first block */
    size_t n = data_in(r, buf + 2000, sizeof(buf) - 2000, &blocks);
    CHECK_EQ(n, 4 * 2048 - 3000);
    CHECK_EQ(blocks, 2);                       /* 3000 and 2192 */
    check_done(r, -1);
    uint8_t first[1000];
    memcpy(first, img + 30 * 2048, 1000);
    CHECK(memcmp(buf, img + 30 * 2048 + 1000, 4 * 2048 - 1000) == 0);
    state_out_free(&a);
    state_out_free(&c);
}

int main(void)
{
    uint8_t *img = malloc(CD_SECTORS * 2048);
    for (unsigned i = 0; i < CD_SECTORS * 2048; i++)
        img[i] = pattern_byte(i);
    struct block *cd = block_open_memory(img, CD_SECTORS * 2048, true);
    struct rig r;
    rig_init(&r, (struct block *[4]){ NULL, NULL, cd }, (bool[4]){ false, false, true });
    rig_firmware(&r);
    test_identify_inquiry(&r);
    test_reads(&r, img);
    test_toc(&r);
    test_modes_config(&r, false);
    test_dma(&r, img);
    test_snapshot_reset(&r, img);
    test_media(&r, img);
    rig_free(&r);
    block_close(cd);

    /* A medium bigger than an 80-minute CD is a DVD. */
    struct sparse sp = { 0 };
    struct block *dvd = sparse_open(&sp, 400000ull * 2048);
    rig_init(&r, (struct block *[4]){ NULL, NULL, dvd }, (bool[4]){ false, false, true });
    rig_firmware(&r);
    test_modes_config(&r, true);
    rig_free(&r);
    block_close(dvd);

    /* An empty drive: NOT READY, MEDIUM NOT PRESENT (tray closed). */
    rig_init(&r, (struct block *[4]){ NULL }, (bool[4]){ false, false, true });
    rig_firmware(&r);
    tur(&r, 2);
    CHECK_EQ(sense(&r), 0x023A01);
    uint8_t rd[12] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 1 };
    packet(&r, rd, 2048, false);
    check_done(&r, 2);
    rig_free(&r);
    free(img);
    return check_report();
}
