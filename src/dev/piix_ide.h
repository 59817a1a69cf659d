/* The PIIX3 IDE function (Intel 82371SB, PCI 00:01.1, 8086:7010, class
 * 01 01 80): two IDE channels in legacy mode, primary at ports 1F0h-1F7h
 * and 3F6h on IRQ 14, secondary at 170h-177h and 376h on IRQ 15, and a
 * bus master for DMA in a 16-byte I/O BAR (BAR 4).  Up to four drives:
 * ATA disks and ATAPI CD/DVD-ROMs (dev/ide.h has the model).
 *
 * Configuration space (82371SB datasheet, PCI configuration registers): the command register's I/O
 * enable (bit 0) and bus master enable (bit 2), the latency timer, BMIBA
 * (BAR 4), and the PIIX timing registers IDETIM (40h primary, 42h
 * secondary) and SIDETIM (44h).  The legacy ports of a channel answer only
 * while I/O is enabled and the channel's IDETIM bit 15 (IDE decode enable)
 * is set, as on the chip; both are 0 at reset, and firmware sets them
 * (SeaBIOS: piix_ide_setup and pci_bios_init_device).  Otherwise the ports
 * read all ones and ignore writes, like an empty ISA bus.  Without
 * firmware (-kernel) the board does the same job: piix_ide_firmware_init.
 *
 * The drives are given before the VM starts (piix_ide_attach); the block
 * images stay the caller's.  A CD drive's medium can change while the VM
 * runs (the monitor's `change` and `eject`). */
#ifndef PLEX86_DEV_PIIX_IDE_H
#define PLEX86_DEV_PIIX_IDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dev/guest_mem.h"
#include "dev/ide.h"
#include "dev/irq.h"
#include "dev/pci.h"
#include "vm/device.h"

struct block;

#define PIIX_IDE_VENDOR 0x8086
#define PIIX_IDE_DEVICE 0x7010
#define PIIX_IDE_CLASS 0x010180
#define PIIX_IDE_DEV 1        /* PCI device 1 (the PIIX3), function 1 */
#define PIIX_IDE_FN 1
#define PIIX_IDE_IRQ0 14
#define PIIX_IDE_IRQ1 15
#define PIIX_IDETIM 0x40      /* 16 bits per channel: 40h, 42h */
#define PIIX_SIDETIM 0x44
#define PIIX_IDETIM_IDE 0x8000 /* IDE decode enable */

/* The BIOS translation a disk's CHS geometry suggests (QEMU's
 * hd_geometry_guess: BIOS_ATA_TRANSLATION_NONE, _LBA, _LARGE), for the
 * firmware tables (CMOS 12h/19h-1Ah/39h, fw_cfg). */
enum ide_translation { IDE_TRANS_NONE = 0, IDE_TRANS_LBA = 1, IDE_TRANS_LARGE = 2 };

struct ide_geometry {
    uint16_t cyls, heads, secs;
    enum ide_translation trans;
    uint64_t sectors;         /* 512-byte sectors */
};

struct piix_ide {
    struct device dev;        /* first: device_free */
    struct pci_function fn;
    struct guest_mem mem;
    struct ide_channel ch[2];
    uint8_t trans[4];         /* enum ide_translation per drive */
    struct ide_stats stats;
    uint8_t dma_buf[IDE_DMA_CHUNK];
};

/* Creates the function ("ide") with no drives, doing DMA through `mem`,
 * its channels' interrupts on `irq14` and `irq15` (the PIC's).  Its legacy
 * ports are declared on the device; the board registers the PCI function
 * with pci_register(pci, &ide->fn, PIIX_IDE_DEV, PIIX_IDE_FN, no pin).
 * NULL when out of memory. */
struct piix_ide *piix_ide_create(struct guest_mem mem, struct irq_pin irq14,
                                 struct irq_pin irq15);

/* Puts a drive at `index` (0 primary master, 1 primary slave, 2 secondary
 * master, 3 secondary slave: QEMU's -drive index=): a disk needs an image;
 * a CD-ROM may start empty (NULL).  Before the VM runs.  Returns 0, or -1
 * with a message (bad index, taken, a disk without an image). */
int piix_ide_attach(struct piix_ide *ide, unsigned index, bool cdrom, struct block *blk,
                    char *err, size_t errlen);

/* What the firmware does before an OS runs (SeaBIOS piix_ide_setup):
 * IDE decode enable on both channels, and I/O decoding.  For a board that
 * boots a kernel without firmware. */
void piix_ide_firmware_init(struct piix_ide *ide, struct pci *pci);

/* The drive at `index`: its kind (IDE_NONE when there is none), medium,
 * and for a disk its geometry (false otherwise). */
enum ide_kind piix_ide_kind(const struct piix_ide *ide, unsigned index);
struct block *piix_ide_medium(const struct piix_ide *ide, unsigned index);
bool piix_ide_geometry(const struct piix_ide *ide, unsigned index, struct ide_geometry *g);

/* QEMU's name for the drive at `index` ("ide1-cd0", "ide0-hd1"), for the
 * monitor; -1 when there is none.  And back: the index of a name, or -1. */
int piix_ide_drive_name(const struct piix_ide *ide, unsigned index, char *buf, size_t len);
int piix_ide_find_drive(const struct piix_ide *ide, const char *name);

/* The monitor's `change DRIVE FILE`: opens the tray, swaps the medium for
 * `blk` and closes the tray; the guest then sees a new medium (GET EVENT
 * STATUS NOTIFICATION, then NOT READY and UNIT ATTENTION, as under QEMU).
 * The old medium (or NULL) goes to *old, for the caller to close.
 * Returns 0; -ENODEV when the drive is not a CD-ROM; -EBUSY when the
 * guest locked the tray (PREVENT MEDIUM REMOVAL): the guest is asked to
 * eject (an eject request event) and nothing changes. */
int ide_change_media(struct piix_ide *ide, unsigned index, struct block *blk,
                     struct block **old);

/* The monitor's `eject [-f] DRIVE`: opens the tray and takes the medium
 * out (to *old).  A locked tray gives -EBUSY and an eject request, unless
 * `force`.  -ENODEV when the drive is not a CD-ROM. */
int ide_eject(struct piix_ide *ide, unsigned index, bool force, struct block **old);

/* The device's snapshot state (ide_state.c). */
void ide_state_save(const struct device *dev, struct state_out *out);
int ide_state_load(struct device *dev, struct state_in *in, bool commit);

#endif
