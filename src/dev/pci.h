/* The PCI bus: configuration mechanism #1 (PCI Local Bus Specification 3.0,
 * 3.2.2.3.2) at ports 0xCF8 (CONFIG_ADDRESS, 32-bit accesses only) and
 * 0xCFC-0xCFF (CONFIG_DATA, any width and offset), and the functions on
 * bus 0 that devices register.  Byte and word accesses to 0xCF8-0xCFB are
 * not CONFIG_ADDRESS; 0xCF9 is the PIIX reset control register (a write
 * with bit 2 set fires the RESET request), the others read all ones.
 *
 * A function (`struct pci_function`, embedded in its device's state)
 * brings its 256-byte configuration space and which bits of it a guest may
 * write (wmask); everything else is read only.  Absent functions read all
 * ones and drop writes; so do CONFIG_DATA accesses while CONFIG_ADDRESS
 * bit 31 (enable) is clear.
 *
 * BARs (spec 6.2.5.1): a function declares up to six, each I/O or 32-bit
 * memory with a power-of-two size; the bus makes the BAR's address bits
 * writable, so the sizing protocol (write all ones, read back the size
 * mask) works by itself, and maps the BAR's range (through the board's
 * `struct pci_space`) while the command register enables its decoding
 * (bit 0 I/O, bit 1 memory) and its address is usable: not 0, and the
 * range ends below 4 GiB (64 KiB for I/O) without touching the all-ones
 * address a sizing guest leaves behind (QEMU's pci_bar_address rule).
 * A move or a disable unmaps it first.
 *
 * Interrupts: a function's INTx pin (config 0x3D) reaches the interrupt
 * controller through the irq_pin the board routed it to at registration.
 *
 * A function may ask to hear of configuration writes (config_written):
 * after the bytes changed, and after a reset restored the whole space, so
 * that what it derives from its registers (I/O windows, interrupt
 * routing) follows them.  A load restores the spaces without calling it:
 * each function's device is added after the bus, so its own load runs
 * after the bus's and brings its derived state in line without touching
 * other devices (whose state the load restores too).
 *
 * Windows a function decodes at an address held in a chipset register
 * rather than a BAR (the PIIX4's PMBA and SMBBA) are `struct
 * pci_io_window`s, placed with pci_io_window_set.
 *
 * The first function is the i440FX host bridge at 00:00.0 (vendor 8086,
 * device 1237, revision 02, class 06 00 00, subsystem 1af4:1100 as QEMU's,
 * which is how SeaBIOS recognises the board): writable latency timer
 * (0x0D), chipset registers 0x50-0x5F and SMRAM (0x72, stored: there is
 * no SMM).  The PAM registers 0x59-0x5F (82441FX datasheet 3.2.18) are
 * acted on: each of the 16 KiB segments 0xC0000-0xEFFFF and the 64 KiB
 * segment 0xF0000-0xFFFFF reads from RAM while its RE bit is set and from
 * the bus below otherwise (the BIOS image's alias, or nothing), and writes
 * to RAM while its WE bit is set (else the write goes to the bus and is
 * lost): the bus hands each segment's mode to the board (pci_space's
 * set_shadow) on every change, on reset and on load. */
#ifndef PLEX86_DEV_PCI_H
#define PLEX86_DEV_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/irq.h"
#include "dev/signals.h"
#include "vm/device.h"

#define PCI_CONFIG_ADDRESS 0xCF8
#define PCI_CONFIG_DATA 0xCFC
#define PCI_HOST_VENDOR 0x8086
#define PCI_HOST_DEVICE 0x1237
/* The subsystem IDs QEMU gives its PCI functions (Red Hat, "QEMU virtual
 * machine"); SeaBIOS's qemu_detect looks for them on the host bridge. */
#define PCI_SUBVENDOR_QEMU 0x1af4
#define PCI_SUBDEVICE_QEMU 0x1100
#define PCI_MAX_FUNCTIONS 32
#define PCI_NUM_BARS 6

enum {
    PCI_COMMAND = 0x04, PCI_COMMAND_IO = 0x01, PCI_COMMAND_MEMORY = 0x02,
    PCI_BAR0 = 0x10, PCI_SUBSYSTEM_VENDOR = 0x2C, PCI_SUBSYSTEM_ID = 0x2E,
    PCI_HEADER_TYPE = 0x0E, PCI_HEADER_MULTI_FUNCTION = 0x80,
    PCI_INTERRUPT_LINE = 0x3C, PCI_INTERRUPT_PIN = 0x3D,
    PCI_BAR_IO = 0x01, PCI_BAR_PREFETCH = 0x08,
    PCI_ROM_ADDRESS = 0x30, PCI_ROM_ENABLE = 0x01,
};

/* Where BARs are mapped: the board's port bus and memory map.  map
 * returns 0, or -1 when the range is taken (the BAR then stays off). */
struct pci_space {
    int (*map_io)(void *opaque, uint16_t base, uint16_t count, const struct io_ops *ops,
                  void *dev, const char *name);
    void (*unmap_io)(void *opaque, uint16_t base, void *dev);
    int (*map_mem)(void *opaque, uint32_t base, uint32_t size, const struct mmio_ops *ops,
                   void *dev, const char *name);
    void (*unmap_mem)(void *opaque, uint32_t base, void *dev);
    /* map_mem for a BAR with a `direct` buffer (reads at RAM speed, and
     * writes to the pages `writable` marks, vm/physmem.h's
     * phys_region.direct); NULL: such BARs go through map_mem. */
    int (*map_mem_direct)(void *opaque, uint32_t base, uint32_t size,
                          const struct mmio_ops *ops, void *dev, uint8_t *direct,
                          const uint64_t *writable, const char *name);
    /* Shadow RAM: [base, base+size) below 1 MiB gets `mode`
     * (physmem_set_shadow's PHYS_SHADOW_* bits).  NULL: no memory map
     * behind the bus (tests). */
    void (*set_shadow)(void *opaque, uint32_t base, uint32_t size, unsigned mode);
    void *opaque;
};

struct pci_bar {
    uint32_t size;               /* power of two; 0: no BAR */
    bool io;                     /* I/O space, else memory */
    const struct io_ops *io_ops; /* io */
    const struct mmio_ops *mmio_ops; /* memory */
    void *opaque;
    uint8_t *direct;             /* memory: reads straight from here (size
                                    bytes), writes through mmio_ops */
    const uint64_t *direct_writable; /* ...or straight here too, for the
                                    pages with a bit (phys_region) */
    bool mapped;                 /* where the bus mapped it: */
    uint32_t mapped_base;
};

struct pci_function {
    const char *name;            /* the owning device's name */
    uint8_t devfn;               /* device << 3 | function */
    uint8_t config[256];
    uint8_t wmask[256];          /* 1: the guest may write the bit */
    uint8_t reset_config[256];   /* config at registration: reset state */
    struct pci_bar bar[PCI_NUM_BARS];
    /* The expansion ROM BAR (config 0x30, spec 6.2.5.2): mapped while
     * memory decoding and its enable bit 0 are on. */
    struct pci_bar rom;
    struct irq_pin irq;          /* INTx as routed by the board */
    /* Called after a configuration write changed registers in [offset,
     * offset+size) (as written, masked or not), and with (0, 256) after
     * a reset; NULL: nothing derives from the registers. */
    void (*config_written)(struct pci_function *f, unsigned offset, unsigned size);
};

/* An I/O window at an address a chipset register holds. */
struct pci_io_window {
    uint16_t size;               /* ports */
    const struct io_ops *ops;
    void *opaque;
    const char *name;
    bool mapped;                 /* where the bus mapped it: */
    uint16_t base;
};

struct pci {
    struct device dev;     /* first: device_free */
    struct pci_space space;
    struct signal_request reset;
    uint32_t address;      /* CONFIG_ADDRESS: bit 31 enable, 23-16 bus,
                              15-11 device, 10-8 function, 7-2 register */
    uint8_t rcr;           /* 0xCF9 reset control */
    unsigned nfns;
    struct pci_function *fns[PCI_MAX_FUNCTIONS];
    struct pci_function host; /* 00:00.0 */
    uint64_t resets;
};

/* Creates the bus with its host bridge, declaring ports 0xCF8-0xCFF.
 * NULL when out of memory. */
struct pci *pci_create(struct pci_space space, struct signal_request reset);

/* Prepares a function: config all zero but the IDs, the subsystem IDs
 * (QEMU's, PCI_SUBVENDOR_QEMU:PCI_SUBDEVICE_QEMU) and class (the caller
 * fills the rest and wmask), interrupt pin `int_pin` (0 none, 1-4 INTA-D)
 * with a writable interrupt line, and writable command bits for the BARs
 * it will declare. */
void pci_function_init(struct pci_function *f, const char *name, uint16_t vendor,
                       uint16_t device, uint32_t class_code, unsigned int_pin);

/* Declares BAR `i` (0-5): I/O (ops) or memory (mmio_ops), `size` a power
 * of two (I/O at least 4, memory at least 4 KiB: the map's pages). */
void pci_function_add_bar(struct pci_function *f, unsigned i, bool io, uint32_t size,
                          const struct io_ops *io_ops, const struct mmio_ops *mmio_ops,
                          void *opaque);

/* Makes BAR `i` (declared memory) prefetchable (bit 3, read only). */
void pci_function_set_prefetchable(struct pci_function *f, unsigned i);

/* Declares the expansion ROM BAR: `size` a power of two, at least 2 KiB
 * (4 KiB: the map's pages), read through `ops` (a ROM: writes are
 * dropped by the function's ops). */
void pci_function_add_rom(struct pci_function *f, uint32_t size, const struct mmio_ops *ops,
                          void *opaque);

/* Puts `f` at 00:dev.fn with its interrupt routed to `irq`.  Returns 0,
 * or -1 when the slot is taken or the bus full. */
int pci_register(struct pci *pci, struct pci_function *f, unsigned dev, unsigned fn,
                 struct irq_pin irq);

/* Little-endian register access to a function's own configuration space
 * (for the function's code; the guest goes through pci_config_*). */
static inline uint32_t pci_get_le(const struct pci_function *f, unsigned offset, unsigned n)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < n && offset + i < 256; i++)
        v |= (uint32_t)f->config[offset + i] << (8 * i);
    return v;
}

/* Whether [offset, offset+size) and [reg, reg+len) overlap. */
static inline bool pci_range_hits(unsigned offset, unsigned size, unsigned reg, unsigned len)
{
    return offset < reg + len && reg < offset + size;
}

/* Maps `w` at `base` while `enable` and the range is usable (not 0, not
 * past 0xFFFF), moving or unmapping it as needed; a range another device
 * holds leaves it off, as a decode conflict would. */
void pci_io_window_set(struct pci *pci, struct pci_io_window *w, bool enable, uint16_t base);

/* The function drives its INTx pin. */
static inline void pci_set_irq(struct pci_function *f, bool level)
{
    irq_pin_set(&f->irq, level);
}

/* A configuration read/write of `size` bytes (1, 2 or 4) at register
 * `offset` (0-255) of the function `bdf` (pci_bdf()).  For the board and
 * tests; absent functions read all ones. */
uint32_t pci_config_read(struct pci *pci, uint32_t bdf, unsigned offset, unsigned size);
void pci_config_write(struct pci *pci, uint32_t bdf, unsigned offset, uint32_t value,
                      unsigned size);

/* bus/device/function as pci_config_read/write take it. */
static inline uint32_t pci_bdf(unsigned bus, unsigned dev, unsigned fn)
{
    return (bus & 0xFF) << 16 | (dev & 0x1F) << 11 | (fn & 7) << 8;
}

#endif
