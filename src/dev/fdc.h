/* The floppy disk controller: an Intel 82077AA in PC-AT mode (82077AA data
 * sheet) at ports 0x3F0-0x3F5 and 0x3F7 (0x3F6 is IDE's), IRQ 6, ISA DMA
 * channel 2, with two drives whose media are raw images (block/block.h).
 *
 * Registers: DOR (0x3F2: drive select, RESET, DMAGATE, motor enables; a
 * 0 in RESET holds the controller in reset, and DMAGATE low keeps the INT
 * and DRQ outputs off, as in PC-AT mode), MSR (0x3F4 read: RQM, DIO,
 * NON-DMA, CMD BUSY, drive busy bits from a SEEK or RECALIBRATE until its
 * SENSE INTERRUPT STATUS), DSR (0x3F4 write: software reset, precomp,
 * data rate), FIFO (0x3F5), DIR (0x3F7 read: DSKCHG in bit 7, the other
 * bits 0) and CCR (0x3F7 write: data rate); TDR (0x3F3) keeps its two
 * tape-select bits; SRA and SRB (0x3F0, 0x3F1) read as QEMU's do (the
 * interrupt, the second drive's absence, motors and drive select).
 *
 * Commands (data sheet table 5-1): READ DATA, READ DELETED DATA, WRITE
 * DATA, WRITE DELETED DATA (the deleted mark is not kept: a raw image has
 * no place for it), READ TRACK, VERIFY, READ ID, FORMAT TRACK, RECALIBRATE,
 * SEEK, RELATIVE SEEK, SENSE INTERRUPT STATUS, SENSE DRIVE STATUS, SPECIFY
 * (its ND bit selects non-DMA mode, where the execution phase moves data
 * through the FIFO a byte at a time with an interrupt per byte), CONFIGURE
 * (EIS enables implied seeks), PERPENDICULAR MODE, LOCK, DUMPREG and
 * VERSION (0x90).  Other codes (the SCAN commands among them) are invalid:
 * one result byte, 0x80.
 *
 * The drives.  The physical drive is the one DOR selects; a command's DS
 * bits only name the controller's PCN register and go back in ST0 (data
 * sheet note to table 5-1).  A drive has a head position of its own
 * (seeks step it by the difference from the PCN; RECALIBRATE steps up to
 * 79 times looking for track 0) and a disk change line, set at power-on
 * and when the medium changes, cleared by a step with a disk in.  A
 * medium's geometry and data rate follow from its size (QEMU's table of
 * formats: 160K to 2.88M); the drive type, chosen from the first medium
 * as QEMU does (2.88M for an empty drive or an unknown size), is what the
 * CMOS reports.  Sectors are 512 bytes (N = 2).
 *
 * Finding a sector.  A track reads only at the medium's data rate (DSR or
 * CCR) and in MFM, on an existing cylinder and side of a present medium;
 * otherwise the command ends with ST1 MA.  The ID on the disk is the
 * physical cylinder, side, sector and N = 2: a command's C, H, R, N that
 * do not match end it with ST1 ND (and ST2 WC for the cylinder).  With
 * EIS the controller seeks to C first.
 *
 * Multi-sector transfers end at terminal count (DMA TC) after the sector
 * in which it came (a write fills the rest of that sector with zeros), or
 * at the end of the track: the sector EOT, or the medium's last sector
 * (with SeaBIOS's EOT of "sector + count - 1" a read that crosses to the
 * other side works as under QEMU); with MT, the end of side 0 goes on
 * with sector 1 of side 1.  Ending at the end of the cylinder without TC
 * is abnormal with ST1 EN (as in non-DMA mode on real hardware).  The
 * result's C, H, R, N follow data sheet table 5-6.  A read-only medium
 * refuses WRITE DATA and FORMAT TRACK with ST1 NW before any data moves.
 * FORMAT TRACK fills each sector with the D byte as its ID arrives;
 * formats the image cannot hold (N other than 2, or another number of
 * sectors than the medium has) end with ST0 EC.
 *
 * Time: commands complete as soon as their data has moved (seeks are
 * instant, READ ID returns the next sector's ID); there are no timers. */
#ifndef PLEX86_DEV_FDC_H
#define PLEX86_DEV_FDC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dev/dma8237.h"
#include "dev/irq.h"
#include "vm/device.h"

struct block;

#define FDC_BASE 0x3F0
#define FDC_IRQ 6
#define FDC_DMA 2
#define FDC_DRIVES 2
#define FDC_SECTOR 512
#define FDC_VERSION 0x90

/* Drive kinds, as QEMU's FloppyDriveType. */
enum fdc_drive_type { FDC_DRIVE_NONE, FDC_DRIVE_120, FDC_DRIVE_144, FDC_DRIVE_288 };

/* Data rates (DSR/CCR bits 1-0). */
enum { FDC_RATE_500K = 0, FDC_RATE_300K = 1, FDC_RATE_250K = 2, FDC_RATE_1M = 3 };

struct fdc_geometry {
    uint8_t sectors, tracks, heads;   /* per track, per side, 1 or 2 */
    uint8_t rate;                     /* FDC_RATE_* */
    enum fdc_drive_type drive;        /* the drive that takes it */
};

/* The format of an image of `bytes` bytes in a drive of type `drive`
 * (FDC_DRIVE_NONE: any), by QEMU's preference: the same drive type and
 * size, then the same diskette size (3.5" or 5.25") and size, then any
 * format of that drive type (the type's first, for an image of another
 * size).  Returns true when the size matched. */
bool fdc_geometry_for(uint64_t bytes, enum fdc_drive_type drive, struct fdc_geometry *g);

/* Registers */
enum {
    FDC_DOR_SEL = 0x03, FDC_DOR_NRESET = 0x04, FDC_DOR_DMAGATE = 0x08,
    FDC_MSR_BUSY0 = 0x01, FDC_MSR_CB = 0x10, FDC_MSR_NDMA = 0x20, FDC_MSR_DIO = 0x40,
    FDC_MSR_RQM = 0x80,
    FDC_DSR_SWRESET = 0x80, FDC_DSR_PWRDOWN = 0x40,
    FDC_DIR_DSKCHG = 0x80,
};

/* Status register bits */
enum {
    FDC_ST0_HD = 0x04, FDC_ST0_EC = 0x10, FDC_ST0_SE = 0x20, FDC_ST0_ABNORMAL = 0x40,
    FDC_ST0_INVALID = 0x80, FDC_ST0_POLL = 0xC0,
    FDC_ST1_MA = 0x01, FDC_ST1_NW = 0x02, FDC_ST1_ND = 0x04, FDC_ST1_DE = 0x20,
    FDC_ST1_EN = 0x80,
    FDC_ST2_BC = 0x02, FDC_ST2_WC = 0x10, FDC_ST2_DD = 0x20, FDC_ST2_CM = 0x40,
    FDC_ST3_DS = 0x03, FDC_ST3_HD = 0x04, FDC_ST3_T0 = 0x10, FDC_ST3_WP = 0x40,
};

/* CONFIGURE's second parameter. */
enum { FDC_CFG_FIFOTHR = 0x0F, FDC_CFG_POLL = 0x10, FDC_CFG_EFIFO = 0x20, FDC_CFG_EIS = 0x40 };

struct fdc_drive {
    bool present;
    struct block *medium;          /* NULL: no diskette */
    struct fdc_geometry geo;       /* the medium's (when there is one) */
    enum fdc_drive_type type;
    uint8_t cyl;                   /* where the head is */
    uint8_t next_sector;           /* under the head next (READ ID) */
    bool changed;                  /* the disk change line */
};

enum fdc_phase { FDC_PH_COMMAND, FDC_PH_EXEC, FDC_PH_RESULT };

/* A command's execution phase. */
struct fdc_exec {
    uint8_t op;                    /* enum xop in fdc.c; 0: none */
    uint8_t drive;                 /* the drive DOR selected at the start */
    uint8_t ds;                    /* the command's drive bits (ST0, PCN) */
    uint8_t head;                  /* side being read or written */
    uint8_t c, h, r, n, eot;       /* the ID being worked on, and EOT (READ
                                      TRACK: the sectors it reads) */
    bool mt, sk, ec, pio;
    bool dreq;                     /* DMA requested (before DMAGATE) */
    bool ready;                    /* buf holds the sector (reads) or the
                                      sector is found (writes) */
    bool matched;                  /* READ TRACK: R found */
    uint8_t st0, st2;              /* gathered: SE, CM */
    uint16_t count;                /* sectors left (VERIFY with EC, FORMAT,
                                      READ TRACK) */
    uint8_t fill;                  /* FORMAT's D */
    uint16_t pos;                  /* bytes of buf (or of the ID) done */
};

struct fdc {
    struct device dev;             /* first: device_free */
    struct irq_pin irq;
    struct dma8237 *dma;
    unsigned dma_ch;
    struct fdc_drive drv[FDC_DRIVES];

    uint8_t dor, tdr, dsr;
    uint8_t config, pretrk, perp;
    bool lock;
    uint8_t spec1, spec2;          /* SPECIFY: SRT/HUT, HLT/ND */
    uint8_t sc_eot;                /* DUMPREG's SC/EOT */
    uint8_t pcn[4];
    uint8_t busy;                  /* MSR drive busy bits */
    uint8_t seek_done;             /* drives with a SEEK/RECALIBRATE status */
    uint8_t seek_st0[4];
    uint8_t reset_sense;           /* polling statuses left after a reset */
    bool int_result, int_pio;      /* interrupt sources besides the above */
    bool irq_level, dreq_level;    /* as driven */

    enum fdc_phase phase;
    uint8_t cmd[16], cmd_pos, cmd_len;
    uint8_t res[16], res_pos, res_len;
    struct fdc_exec x;
    uint8_t buf[FDC_SECTOR];
    uint8_t id[4];                 /* FORMAT: the ID being received */
};

/* Creates the controller at FDC_BASE with no drives; `irq` is IRQ 6.
 * NULL when out of memory. */
struct fdc *fdc_create(struct irq_pin irq);

/* Wires the controller's DRQ/DACK/TC to channel `ch` of `dma`.  0, or -1
 * when the channel is taken. */
int fdc_connect_dma(struct fdc *f, struct dma8237 *dma, unsigned ch);

/* Attaches drive `drive` (0 or 1), with a medium or none; its type follows
 * from the medium (fdc_geometry_for).  For the board, before the machine
 * starts.  0, or -1 for a bad drive number. */
int fdc_attach_drive(struct fdc *f, unsigned drive, struct block *medium);

/* Changes the medium of an attached drive (NULL: ejects it), as the
 * monitor's `change`/`eject` do; the disk change line rises.  The caller
 * keeps the old block and closes it.  0, or -1 for no such drive. */
int fdc_change_media(struct fdc *f, unsigned drive, struct block *medium);

/* The drive's type in CMOS byte 0x10's code: 4 for 1.44M, 5 for 2.88M,
 * 2 for 1.2M, 0 for none (QEMU's cmos_get_fd_drive_type). */
unsigned fdc_cmos_type(const struct fdc *f, unsigned drive);

/* The RESET line: a hardware reset of the controller (DOR 0, so held in
 * reset until the guest sets DOR bit 2; CONFIGURE, LOCK, SPECIFY and the
 * data rate to their defaults).  The drives' heads and disk change lines
 * are the drives' own and stay. */
void fdc_reset(struct fdc *f);

#endif
