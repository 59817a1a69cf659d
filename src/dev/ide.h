/* The IDE channel and its drives: what the parts of the PIIX IDE function
 * share (ide_bus.c, ide_ata.c, ide_atapi.c, ide_dma.c, ide_state.c).  The
 * board and the monitor use dev/piix_ide.h instead.
 *
 * A channel (ATA/ATAPI-6, T13 1410D, clause 5 and 9) is one cable with a
 * master (unit 0) and a slave (unit 1).  Each drive keeps its own copy of
 * the command block registers ("shadow" task file); a register write goes
 * to both, as both devices see the bus.  The selected drive answers reads;
 * its status drives the channel's INTRQ through the device control
 * register's nIEN.
 *
 * Everything is synchronous: a command finishes, or reaches its next data
 * phase, inside the port write that starts it (or the data port access,
 * or the bus master's Start), with the interrupt raised at the point the
 * protocol asks for it.  BSY is therefore never seen by the guest except
 * while it holds SRST.  QEMU with synchronous block I/O behaves the same
 * way, and Linux, SeaBIOS and DOS drivers poll BSY/DRQ or wait for the
 * interrupt, which both work.
 *
 * PIO data moves through the drive's buffer: a "window" [data_pos,
 * data_end) that the data port reads or fills; when the window is used up
 * the drive's `end` step runs (the next sector block, the write of the
 * block just received, the packet's command, the next ATAPI data block). */
#ifndef PLEX86_DEV_IDE_H
#define PLEX86_DEV_IDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dev/guest_mem.h"
#include "dev/irq.h"

struct block;

#define IDE_SECTOR 512
#define CD_SECTOR 2048
#define CD_RAW_SECTOR 2352
/* READ/WRITE MULTIPLE's largest block (IDENTIFY word 47), as QEMU's
 * MAX_MULT_SECTORS. */
#define IDE_MAX_MULT 16
/* The PIO buffer: one multiple block, or a few CD sectors. */
#define IDE_BUF_SIZE (IDE_MAX_MULT * IDE_SECTOR)
/* DMA moves data through a bounce buffer of this size. */
#define IDE_DMA_CHUNK (64u * 1024)
/* A PRD table is read for at most one 4 KiB page (512 entries), QEMU's
 * fail-safe: a table without EOT ends there. */
#define IDE_PRD_MAX 512
/* QEMU reports a medium larger than an 80-minute CD as a DVD. */
#define CD_MAX_SECTORS (80u * 60 * 75)

/* Status register (ATA/ATAPI-6 clause 7). */
enum {
    ATA_ST_ERR = 0x01,
    ATA_ST_DRQ = 0x08,
    ATA_ST_DSC = 0x10,   /* device seek complete (obsolete, still set) */
    ATA_ST_DF = 0x20,
    ATA_ST_DRDY = 0x40,
    ATA_ST_BSY = 0x80,
};

/* Error register; ATAPI: bits 7-4 are the sense key. */
enum {
    ATA_ER_AMNF = 0x01,
    ATA_ER_ABRT = 0x04,
    ATA_ER_IDNF = 0x10,
    ATA_ER_MC = 0x20,
    ATA_ER_UNC = 0x40,
};

/* Device register bits and device control. */
enum {
    ATA_DEV_HEAD = 0x0F,
    ATA_DEV_DEV = 0x10,
    ATA_DEV_LBA = 0x40,
    ATA_DEV_OBS = 0xA0,  /* bits 7 and 5: always one (QEMU's ATA_DEV_ALWAYS_ON) */
    ATA_CTL_NIEN = 0x02,
    ATA_CTL_SRST = 0x04,
    ATA_CTL_HOB = 0x80,
};

/* ATAPI interrupt reason, in the sector count register (ATA/ATAPI-6
 * the PACKET command). */
enum {
    ATAPI_IR_COD = 0x01,
    ATAPI_IR_IO = 0x02,
    ATAPI_IR_REL = 0x04,
};

/* Bus master IDE registers (82371SB datasheet; SFF-8038i). */
enum {
    BM_CMD_START = 0x01,
    BM_CMD_READ = 0x08,   /* the bus master writes memory */
    BM_ST_ACTIVE = 0x01,
    BM_ST_ERROR = 0x02,
    BM_ST_INT = 0x04,
    BM_ST_DMA0 = 0x20,
    BM_ST_DMA1 = 0x40,
};

enum ide_kind { IDE_NONE, IDE_HD, IDE_CD };

/* What runs when the PIO window is used up. */
enum ide_end {
    IDE_END_NONE,      /* no transfer */
    IDE_END_STOP,      /* a one-block data-in command ends (IDENTIFY) */
    IDE_END_READ,      /* READ SECTOR(S)/MULTIPLE: the next block */
    IDE_END_WRITE,     /* WRITE SECTOR(S)/MULTIPLE: the block arrived */
    IDE_END_PACKET,    /* PACKET: the command packet arrived */
    IDE_END_ATAPI,     /* an ATAPI data-in command: next block or done */
    IDE_END_COUNT
};

/* What a drive waits for the bus master to move. */
enum ide_dma_cmd { IDE_DMA_NONE, IDE_DMA_READ, IDE_DMA_WRITE, IDE_DMA_ATAPI,
                   IDE_DMA_COUNT };

/* Power modes (ATA/ATAPI-6, the power management feature set), as
 * CHECK POWER MODE reports them (sector count after the command). */
enum ide_power { IDE_PWR_ACTIVE, IDE_PWR_IDLE, IDE_PWR_STANDBY, IDE_PWR_SLEEP,
                 IDE_PWR_COUNT };

/* GET EVENT STATUS NOTIFICATION media event codes (MMC-3 table 110). */
enum { MEC_NONE = 0, MEC_EJECT_REQUEST = 1, MEC_NEW_MEDIA = 2, MEC_MEDIA_REMOVAL = 3 };

/* SCSI sense keys (SPC-3 table 27). */
enum {
    SENSE_NONE = 0x0,
    SENSE_NOT_READY = 0x2,
    SENSE_MEDIUM_ERROR = 0x3,
    SENSE_ILLEGAL_REQUEST = 0x5,
    SENSE_UNIT_ATTENTION = 0x6,
};

struct ide_drive {
    enum ide_kind kind;
    uint8_t unit;              /* 0 master, 1 slave */
    struct block *blk;         /* the medium; NULL: an empty CD drive */
    uint64_t nb_sectors;       /* 512-byte sectors of the medium */
    char serial[21], model[41], firmware[9];

    /* Geometry (disks): the default one (IDENTIFY words 1, 3, 6) and the
     * one INITIALIZE DEVICE PARAMETERS set (words 54-56), which CHS
     * addresses use.  cur_secs 0: no valid translation (IDNF). */
    uint16_t cyls, heads, secs;
    uint16_t cur_cyls, cur_heads, cur_secs;

    /* The command block registers as this drive holds them; hob_*: the
     * previous value, for 48-bit commands (7.x, "HOB"). */
    uint8_t feature, nsector, sector, lcyl, hcyl, select;
    uint8_t hob_feature, hob_nsector, hob_sector, hob_lcyl, hob_hcyl;
    uint8_t status, error;

    /* Command state. */
    bool lba48;                /* the command is a 48-bit one */
    uint32_t count;            /* sectors left (1-65536 at the start) */
    uint16_t req_sectors;      /* sectors per DRQ block */
    uint8_t mult_sectors;      /* SET MULTIPLE MODE (0: off) */
    uint8_t xfer_mode;         /* SET FEATURES 03h: the mode selected */
    bool wcache;               /* write cache enabled */
    uint8_t power;             /* enum ide_power */
    enum ide_dma_cmd dma_cmd;  /* waiting for the bus master */

    /* The PIO window. */
    enum ide_end end;
    uint32_t data_pos, data_end;

    /* ATAPI. */
    uint8_t sense_key, asc, ascq;
    uint8_t media_step;        /* after a change: 1 report NOT READY, 2
                                  UNIT ATTENTION (QEMU's cdrom_changed) */
    uint8_t media_event;       /* pending GESN media event (MEC_*) */
    bool tray_open, tray_locked;
    bool atapi_dma;            /* this packet's data goes by DMA */
    bool lba_valid;            /* data comes from the medium at `lba` */
    uint32_t lba;              /* next CD sector to read into the buffer */
    uint32_t sectors_left;     /* CD sectors still to read */
    uint16_t cd_sector_size;   /* 2048, or 2352 for raw READ CD */
    uint8_t read_cd_flags;     /* READ CD byte 9: which fields */
    uint64_t packet_left;      /* bytes of the data phase still to go */
    uint32_t drq_left;         /* bytes left in the current DRQ block */
    uint32_t buffered;         /* valid bytes in buf (ATAPI reads) */

    uint8_t buf[IDE_BUF_SIZE];
};

/* Controller-wide counters (the accounting list). */
struct ide_stats {
    uint64_t commands;         /* ATA commands accepted */
    uint64_t packets;          /* ATAPI packet commands */
    uint64_t errors;           /* commands ended with ERR */
    uint64_t pio_bytes;        /* through the data port */
    uint64_t dma_bytes;        /* by the bus master */
};

struct ide_channel {
    struct ide_drive drive[2];
    uint8_t unit;              /* the selected drive */
    uint8_t devctl;            /* device control (nIEN, SRST, HOB) */
    bool irq_pending;          /* INTRQ asserted and not yet cleared */
    bool irq_level;            /* what the pin was last driven to */
    struct irq_pin irq;
    /* The bus master's registers. */
    uint8_t bm_cmd, bm_status;
    uint32_t bm_prdt;
    /* Where the bus master is in the PRD table while Active: the next
     * entry's address, and what is left of the current entry. */
    uint32_t bm_next, bm_addr, bm_len;
    bool bm_last;              /* the current entry has EOT */
    /* Shared with the controller. */
    const struct guest_mem *mem;
    const uint8_t *pci_command; /* PCI command register: bus master enable
                                   (bit 2); NULL: always enabled */
    struct ide_stats *stats;
    uint8_t *dma_buf;          /* IDE_DMA_CHUNK bytes */
};

static inline struct ide_drive *ide_cur(struct ide_channel *ch)
{
    return &ch->drive[ch->unit];
}

static inline struct ide_channel *ide_channel_of(struct ide_drive *d)
{
    return (struct ide_channel *)((char *)(d - d->unit) - offsetof(struct ide_channel, drive));
}

/* --- ide_bus.c: registers, interrupts, PIO --------------------------- */

/* The command block registers at offset 0-7 and the control block's
 * device control / alternate status. */
uint32_t ide_ioport_read(struct ide_channel *ch, unsigned reg, unsigned size);
void ide_ioport_write(struct ide_channel *ch, unsigned reg, uint32_t val, unsigned size);
uint8_t ide_altstatus_read(struct ide_channel *ch);
void ide_devctl_write(struct ide_channel *ch, uint8_t val);

/* Asserts INTRQ for the channel (when nIEN allows) / releases it. */
void ide_raise_irq(struct ide_channel *ch);
void ide_lower_irq(struct ide_channel *ch);

/* Opens a PIO window of `len` bytes at buf[pos], DRQ set, `end` running
 * when it is used up. */
void ide_transfer_start(struct ide_drive *d, uint32_t pos, uint32_t len, enum ide_end end);
/* Closes the window (DRQ clear). */
void ide_transfer_stop(struct ide_drive *d);

/* The drive's power-on state (registers, signature); `hard` also resets
 * the settings a power cycle clears (multiple mode, transfer mode, write
 * cache, INITIALIZE DEVICE PARAMETERS). */
void ide_drive_reset(struct ide_drive *d, bool hard);
/* The device signature (ATA/ATAPI-6, signatures): 01h/01h in count and sector,
 * 00h/00h (ATA) or 14h/EBh (ATAPI) in the cylinder registers. */
void ide_set_signature(struct ide_drive *d);
/* The channel's reset: both drives, the bus master, INTRQ. */
void ide_channel_reset(struct ide_channel *ch);
/* EXECUTE DEVICE DIAGNOSTIC, which both devices of the channel run. */
void ide_exec_diagnostic(struct ide_channel *ch);

/* Ends a command with ERR and `error` (ABRT, IDNF, UNC ...). */
void ide_abort(struct ide_drive *d, uint8_t error);

/* --- ide_ata.c: the ATA command set ---------------------------------- */

void ide_exec_cmd(struct ide_channel *ch, uint8_t cmd);
/* The next PIO step (IDE_END_READ / IDE_END_WRITE). */
void ata_sector_read(struct ide_drive *d);
void ata_sector_write(struct ide_drive *d);
/* IDENTIFY DEVICE / IDENTIFY PACKET DEVICE data into buf[0..511]. */
void ata_identify(const struct ide_drive *d, uint8_t *buf);
void atapi_identify(const struct ide_drive *d, uint8_t *buf);
/* The sector the task file addresses (LBA28, LBA48 or CHS); false for a
 * CHS address outside the current geometry. */
bool ata_get_sector(const struct ide_drive *d, uint64_t *sector);
void ata_set_sector(struct ide_drive *d, uint64_t sector);
/* Default CHS geometry of a disk of `nb_sectors` with MBR sector `mbr`
 * (NULL: none), as QEMU's hd_geometry_guess; returns the BIOS translation
 * (enum ide_translation in piix_ide.h). */
int ata_guess_geometry(uint64_t nb_sectors, const uint8_t *mbr, uint16_t *cyls,
                       uint16_t *heads, uint16_t *secs);

/* --- ide_atapi.c: the packet commands -------------------------------- */

/* The 12-byte packet in buf[0..11] arrived. */
void atapi_packet(struct ide_drive *d);
/* The PIO window of a data-in packet command was used up. */
void atapi_transfer_next(struct ide_drive *d);
/* Fills `len` bytes of the data phase into `dst` for the bus master (the
 * reply in buf, or sectors of the medium).  0, or -1 after reporting an
 * error (CHECK CONDITION). */
int atapi_dma_fill(struct ide_drive *d, uint8_t *dst, uint32_t len);
/* The DMA data phase moved everything: good status. */
void atapi_dma_done(struct ide_drive *d);
/* Medium changes (the monitor, START STOP UNIT). */
void atapi_medium_changed(struct ide_drive *d, bool inserted);

/* --- ide_dma.c: the bus master --------------------------------------- */

uint32_t ide_bm_read(struct ide_channel *ch, unsigned reg, unsigned size);
void ide_bm_write(struct ide_channel *ch, unsigned reg, uint32_t val, unsigned size);
/* A drive is ready for DMA: runs the transfer if the bus master has been
 * started. */
void ide_dma_ready(struct ide_channel *ch);
void ide_bm_reset(struct ide_channel *ch);

#endif
