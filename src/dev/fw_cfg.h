/* QEMU's firmware configuration device, fw_cfg (QEMU docs/specs/fw_cfg.rst),
 * as on QEMU's x86 machines: how the board tells the firmware (SeaBIOS) the
 * RAM size, the CPU count, the boot order and the files it should load.
 *
 * Ports (x86 "I/O" flavour):
 *  - 0x510, 16-bit write: the selector.  The item is key & 0x3FFF (bit 15
 *    picks the architecture's own items, bit 14 the write channel, which
 *    no item has); a key at or past FW_CFG_MAX_KEYS selects nothing.
 *    Selecting resets the data offset to 0.
 *  - 0x510 or 0x511, byte read: the item's next byte; past its end, or
 *    with nothing selected, 0.  Byte writes do nothing (QEMU removed
 *    writes through the data port in v2.4); wider reads read 0.
 *  - 0x514-0x51B, the DMA interface: a read gives the signature "QEMU CFG"
 *    byte by byte; a 32-bit write to 0x514 sets the high half of the
 *    address of a FWCfgDmaAccess, one to 0x518 the low half and starts
 *    the transfer (both big-endian, as the guest's outl(cpu_to_be32(x))
 *    writes them).
 *
 * A DMA transfer reads the 16-byte FWCfgDmaAccess (control, length, address:
 * big-endian) from guest memory; control bit 3 (SELECT) first selects the
 * item in bits 31-16; then bit 1 (READ) copies `length` bytes of the item
 * from the current offset to `address` (past the item's end, zeros), bit 2
 * (SKIP) moves the offset, bit 4 (WRITE) is refused (no item is writable:
 * the ERROR bit).  The device then writes the control word back: 0, or
 * bit 0 (ERROR).  DMA may only reach guest memory below `dma_limit` (the
 * board's RAM below 4 GiB): a descriptor outside it is ignored (QEMU cannot
 * write its error bit either), data outside it is the ERROR bit, as QEMU
 * reports an access to an address with no memory behind it.
 *
 * Items: the numbered ones (fw_cfg_add_bytes; FW_CFG_SIGNATURE "QEMU" and
 * FW_CFG_ID come with the device) and named files (fw_cfg_add_file), kept
 * sorted by name from key FW_CFG_FILE_FIRST on as QEMU does for current
 * machine types, and listed in the file directory (key FW_CFG_FILE_DIR:
 * a big-endian count, then per file a big-endian size, key, reserved
 * word and a 56-byte NUL-padded name).  The board adds everything before
 * the guest runs; a snapshot keeps only the guest's position (selector,
 * offset, DMA address), and a load checks it against the items. */
#ifndef PLEX86_DEV_FW_CFG_H
#define PLEX86_DEV_FW_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dev/guest_mem.h"
#include "vm/device.h"

#define FW_CFG_PORT 0x510
#define FW_CFG_DMA_PORT 0x514

/* Numbered items (QEMU include/standard-headers/linux/qemu_fw_cfg.h). */
enum {
    FW_CFG_SIGNATURE = 0x00, FW_CFG_ID = 0x01, FW_CFG_UUID = 0x02,
    FW_CFG_RAM_SIZE = 0x03, FW_CFG_NOGRAPHIC = 0x04, FW_CFG_NB_CPUS = 0x05,
    FW_CFG_MACHINE_ID = 0x06, FW_CFG_KERNEL_ADDR = 0x07, FW_CFG_KERNEL_SIZE = 0x08,
    FW_CFG_KERNEL_CMDLINE = 0x09, FW_CFG_INITRD_ADDR = 0x0a, FW_CFG_INITRD_SIZE = 0x0b,
    FW_CFG_BOOT_DEVICE = 0x0c, FW_CFG_NUMA = 0x0d, FW_CFG_BOOT_MENU = 0x0e,
    FW_CFG_MAX_CPUS = 0x0f, FW_CFG_KERNEL_ENTRY = 0x10, FW_CFG_KERNEL_DATA = 0x11,
    FW_CFG_INITRD_DATA = 0x12, FW_CFG_CMDLINE_ADDR = 0x13, FW_CFG_CMDLINE_SIZE = 0x14,
    FW_CFG_CMDLINE_DATA = 0x15, FW_CFG_SETUP_ADDR = 0x16, FW_CFG_SETUP_SIZE = 0x17,
    FW_CFG_SETUP_DATA = 0x18, FW_CFG_FILE_DIR = 0x19,
    FW_CFG_FILE_FIRST = 0x20,
    FW_CFG_WRITE_CHANNEL = 0x4000,
    FW_CFG_ARCH_LOCAL = 0x8000,
    FW_CFG_ENTRY_MASK = 0x3fff,
    /* x86's own (QEMU hw/i386/fw_cfg.h). */
    FW_CFG_ACPI_TABLES = FW_CFG_ARCH_LOCAL + 0, FW_CFG_SMBIOS_ENTRIES = FW_CFG_ARCH_LOCAL + 1,
    FW_CFG_IRQ0_OVERRIDE = FW_CFG_ARCH_LOCAL + 2, FW_CFG_E820_TABLE = FW_CFG_ARCH_LOCAL + 3,
    FW_CFG_HPET = FW_CFG_ARCH_LOCAL + 4,
};

/* FW_CFG_ID bits, and the DMA control bits. */
enum {
    FW_CFG_VERSION = 0x01, FW_CFG_VERSION_DMA = 0x02,
    FW_CFG_DMA_CTL_ERROR = 0x01, FW_CFG_DMA_CTL_READ = 0x02, FW_CFG_DMA_CTL_SKIP = 0x04,
    FW_CFG_DMA_CTL_SELECT = 0x08, FW_CFG_DMA_CTL_WRITE = 0x10,
};

/* QEMU's default number of file slots (x-file-slots) and name length. */
#define FW_CFG_FILE_SLOTS 0x20
#define FW_CFG_MAX_KEYS (FW_CFG_FILE_FIRST + FW_CFG_FILE_SLOTS)
#define FW_CFG_MAX_FILE_PATH 56
#define FW_CFG_DIR_SIZE (4 + 64 * FW_CFG_FILE_SLOTS)
/* No item is larger (option ROMs, kernels): a bound on what the board
 * copies in. */
#define FW_CFG_MAX_ITEM (64u << 20)

struct fw_cfg_item {
    uint8_t *data;           /* owned; NULL: the item reads as empty */
    uint32_t len;
};

struct fw_cfg {
    struct device dev;       /* first: destroy frees the items too */
    struct guest_mem mem;
    uint32_t dma_limit;      /* DMA reaches [0, dma_limit) */
    /* [0] the generic keys, [1] the architecture's (FW_CFG_ARCH_LOCAL). */
    struct fw_cfg_item items[2][FW_CFG_MAX_KEYS];
    uint32_t nfiles;
    char names[FW_CFG_FILE_SLOTS][FW_CFG_MAX_FILE_PATH]; /* sorted */
    uint8_t dir[FW_CFG_DIR_SIZE]; /* FW_CFG_FILE_DIR's bytes */

    /* The guest's position, what a snapshot keeps. */
    uint16_t key;            /* the selector as written (FW_CFG_INVALID: none) */
    uint32_t offset;         /* within the item */
    uint64_t dma_addr;       /* the FWCfgDmaAccess address being written */
    uint64_t dma_transfers;  /* for the monitor */
};

#define FW_CFG_INVALID 0xFFFFu

/* Declares ports 0x510-0x511 and 0x514-0x51B, with the signature and ID
 * items (traditional and DMA interfaces).  `mem` is where DMA goes,
 * limited to [0, dma_limit).  NULL when out of memory. */
struct fw_cfg *fw_cfg_create(struct guest_mem mem, uint32_t dma_limit);

/* Adds the numbered item `key` (a generic key below FW_CFG_FILE_FIRST, or
 * FW_CFG_ARCH_LOCAL plus one below FW_CFG_MAX_KEYS), copying `len` bytes.
 * Returns 0, or -1: a bad key, one already set, too large, or no memory. */
int fw_cfg_add_bytes(struct fw_cfg *f, uint16_t key, const void *data, size_t len);
int fw_cfg_add_i16(struct fw_cfg *f, uint16_t key, uint16_t value);  /* little-endian */
int fw_cfg_add_i32(struct fw_cfg *f, uint16_t key, uint32_t value);
int fw_cfg_add_i64(struct fw_cfg *f, uint16_t key, uint64_t value);

/* Adds the file `name` (1 to 55 characters) with a copy of `len` bytes,
 * in name order: the files after it move up a key.  Returns 0, or -1: a
 * bad or duplicate name, all slots used, too large, or no memory. */
int fw_cfg_add_file(struct fw_cfg *f, const char *name, const void *data, size_t len);

/* The key of file `name`, or -1. */
int fw_cfg_file_key(const struct fw_cfg *f, const char *name);

/* The item `key` selects (the key as the selector takes it), or NULL. */
const struct fw_cfg_item *fw_cfg_item(const struct fw_cfg *f, uint16_t key);

#endif
