/* Helpers for the IDE tests: a VM with the PCI bus and the PIIX IDE
 * function, drives on in-memory images (or on a "sparse" backend of any
 * size whose sectors hold a pattern, and one that fails), the firmware's
 * setup done (decode enables, bus master BAR at 0xC000), and port
 * accessors that drive the controller as a guest does. */
#ifndef PLEX86_TESTS_DEV_IDE_UTIL_H
#define PLEX86_TESTS_DEV_IDE_UTIL_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "block/block.h"
#include "dev/board_util.h"
#include "dev/pci.h"
#include "dev/piix_ide.h"
#include "pc/pc.h"

#define BM_BASE 0xC000

/* The byte at `off` of a pattern image: its sector number and offset. */
static inline uint8_t pattern_byte(uint64_t off)
{
    uint64_t s = off / 512;
    return (uint8_t)(s * 7 + (s >> 8) * 13 + (s >> 16) * 31 + (off % 512));
}

/* A backend of any length whose bytes are pattern_byte(); writes are
 * counted and dropped.  `fail` makes every call return -EIO. */
struct sparse {
    bool fail;
    unsigned writes, flushes;
};

static inline int sparse_read(struct block *b, uint64_t offset, void *buf, size_t len)
{
    struct sparse *s = b->priv;
    if (s->fail)
        return -EIO;
    uint8_t *p = buf;
    for (size_t i = 0; i < len; i++)
        p[i] = pattern_byte(offset + i);
    return 0;
}

static inline int sparse_write(struct block *b, uint64_t offset, const void *buf, size_t len)
{
    struct sparse *s = b->priv;
    (void)offset;
    (void)buf;
    (void)len;
    if (s->fail)
        return -EIO;
    s->writes++;
    return 0;
}

static inline int sparse_flush(struct block *b)
{
    struct sparse *s = b->priv;
    s->flushes++;
    return s->fail ? -EIO : 0;
}

static const struct block_driver sparse_driver = {
    .format = "sparse", .read = sparse_read, .write = sparse_write, .flush = sparse_flush,
};

static inline struct block *sparse_open(struct sparse *s, uint64_t length)
{
    return block_new(&sparse_driver, s, "sparse", length, false);
}

/* An in-memory image of `size` bytes holding the pattern. */
static inline uint8_t *pattern_image(size_t size)
{
    uint8_t *p = malloc(size);
    if (!p)
        exit(1);
    for (size_t i = 0; i < size; i++)
        p[i] = pattern_byte(i);
    return p;
}

struct rig {
    struct vm *vm;
    struct pci *pci;
    struct piix_ide *ide;
    struct pin_log irq[2];
};

/* drives[i]: NULL for none; cdrom[i] marks a CD drive (block may be NULL
 * then with cd_empty). */
static inline void rig_init(struct rig *r, struct block *const drives[4], const bool cdrom[4])
{
    memset(r, 0, sizeof(*r));
    r->vm = board_vm(4);
    r->pci = pci_create(pc_pci_space(r->vm), (struct signal_request){ 0 });
    board_add(r->vm, &r->pci->dev);
    r->ide = piix_ide_create(pc_guest_mem(r->vm), log_pin(&r->irq[0]), log_pin(&r->irq[1]));
    if (!r->ide)
        exit(1);
    char err[256];
    for (unsigned i = 0; i < 4; i++) {
        if ((drives[i] || (cdrom && cdrom[i])) &&
            piix_ide_attach(r->ide, i, cdrom && cdrom[i], drives[i], err, sizeof(err)) < 0) {
            fprintf(stderr, "attach: %s\n", err);
            exit(1);
        }
    }
    board_add(r->vm, &r->ide->dev);
    if (pci_register(r->pci, &r->ide->fn, PIIX_IDE_DEV, PIIX_IDE_FN, (struct irq_pin){ 0 }) < 0)
        exit(1);
    vm_reset(r->vm);
}

/* What the firmware does: decode enables, I/O and bus mastering, BAR 4. */
static inline void rig_firmware(struct rig *r)
{
    uint32_t bdf = pci_bdf(0, PIIX_IDE_DEV, PIIX_IDE_FN);
    piix_ide_firmware_init(r->ide, r->pci);
    pci_config_write(r->pci, bdf, PCI_BAR0 + 16, BM_BASE, 4);
    pci_config_write(r->pci, bdf, PCI_COMMAND, PCI_COMMAND_IO | 0x04, 2);
}

static inline void rig_free(struct rig *r)
{
    vm_destroy(r->vm);
}

static inline uint16_t ch_base(unsigned ch)
{
    return ch ? 0x170 : 0x1F0;
}

static inline uint8_t inb(struct rig *r, uint16_t port)
{
    return (uint8_t)iobus_in(&r->vm->io, port, 1);
}

static inline void outb(struct rig *r, uint16_t port, uint8_t v)
{
    iobus_out(&r->vm->io, port, v, 1);
}

static inline uint16_t inw(struct rig *r, uint16_t port)
{
    return (uint16_t)iobus_in(&r->vm->io, port, 2);
}

static inline void outw(struct rig *r, uint16_t port, uint16_t v)
{
    iobus_out(&r->vm->io, port, v, 2);
}

/* Reads `n` bytes from the data port of channel `ch` in words. */
static inline void read_data(struct rig *r, unsigned ch, uint8_t *buf, size_t n)
{
    for (size_t i = 0; i < n; i += 2) {
        uint16_t w = inw(r, ch_base(ch));
        buf[i] = (uint8_t)w;
        if (i + 1 < n)
            buf[i + 1] = (uint8_t)(w >> 8);
    }
}

static inline void write_data(struct rig *r, unsigned ch, const uint8_t *buf, size_t n)
{
    for (size_t i = 0; i < n; i += 2)
        outw(r, ch_base(ch), (uint16_t)(buf[i] | (i + 1 < n ? buf[i + 1] << 8 : 0)));
}

/* Selects `unit` with LBA mode and a 28-bit address, sets the count and
 * issues `cmd`. */
static inline void ata_lba28(struct rig *r, unsigned ch, unsigned unit, uint32_t lba,
                             uint8_t count, uint8_t cmd)
{
    uint16_t b = ch_base(ch);
    outb(r, b + 6, (uint8_t)(0xE0 | unit << 4 | ((lba >> 24) & 15)));
    outb(r, b + 2, count);
    outb(r, b + 3, (uint8_t)lba);
    outb(r, b + 4, (uint8_t)(lba >> 8));
    outb(r, b + 5, (uint8_t)(lba >> 16));
    outb(r, b + 7, cmd);
}

/* The same for a 48-bit command: high bytes first (the HOB copies). */
static inline void ata_lba48(struct rig *r, unsigned ch, unsigned unit, uint64_t lba,
                             uint16_t count, uint8_t cmd)
{
    uint16_t b = ch_base(ch);
    outb(r, b + 6, (uint8_t)(0x40 | unit << 4));
    outb(r, b + 2, (uint8_t)(count >> 8));
    outb(r, b + 3, (uint8_t)(lba >> 24));
    outb(r, b + 4, (uint8_t)(lba >> 32));
    outb(r, b + 5, (uint8_t)(lba >> 40));
    outb(r, b + 2, (uint8_t)count);
    outb(r, b + 3, (uint8_t)lba);
    outb(r, b + 4, (uint8_t)(lba >> 8));
    outb(r, b + 5, (uint8_t)(lba >> 16));
    outb(r, b + 7, cmd);
}

/* The 16-bit word `w` of a 512-byte IDENTIFY block. */
static inline unsigned id_word(const uint8_t *id, unsigned w)
{
    return id[2 * w] | (unsigned)id[2 * w + 1] << 8;
}

/* Guest memory, for PRD tables and DMA buffers. */
static inline void mem_write(struct rig *r, uint32_t pa, const void *p, size_t n)
{
    phys_dma_write(&r->vm->mem, pa, p, n);
}

static inline void mem_read(struct rig *r, uint32_t pa, void *p, size_t n)
{
    phys_dma_read(&r->vm->mem, pa, p, n);
}

/* Writes PRD `i` of the table at `table`. */
static inline void prd_set(struct rig *r, uint32_t table, unsigned i, uint32_t addr,
                           uint32_t count, bool eot)
{
    uint8_t e[8] = { (uint8_t)addr, (uint8_t)(addr >> 8), (uint8_t)(addr >> 16),
                     (uint8_t)(addr >> 24), (uint8_t)count, (uint8_t)(count >> 8), 0,
                     eot ? 0x80 : 0 };
    mem_write(r, table + 8 * i, e, 8);
}

/* Points channel `ch`'s bus master at `table`, direction `to_memory`. */
static inline void bm_setup(struct rig *r, unsigned ch, uint32_t table, bool to_memory)
{
    uint16_t b = (uint16_t)(BM_BASE + 8 * ch);
    iobus_out(&r->vm->io, b + 4, table, 4);
    outb(r, b + 2, 0x06);                         /* clear Interrupt, Error */
    outb(r, b, to_memory ? 0x08 : 0x00);
}

static inline void bm_start(struct rig *r, unsigned ch, bool to_memory)
{
    outb(r, (uint16_t)(BM_BASE + 8 * ch), (uint8_t)(0x01 | (to_memory ? 0x08 : 0)));
}

static inline void bm_stop(struct rig *r, unsigned ch)
{
    outb(r, (uint16_t)(BM_BASE + 8 * ch), 0);
}

static inline uint8_t bm_status(struct rig *r, unsigned ch)
{
    return inb(r, (uint16_t)(BM_BASE + 8 * ch + 2));
}

#endif
