/* The PCI bus, its BARs and the host bridge; see pci.h. */
#include "dev/pci.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t all_ones(unsigned size)
{
    return size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
}

static void put_le(uint8_t *p, uint32_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_le(const uint8_t *p, unsigned n)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint32_t)p[i] << (8 * i);
    return v;
}

void pci_function_init(struct pci_function *f, const char *name, uint16_t vendor,
                       uint16_t device, uint32_t class_code, unsigned int_pin)
{
    memset(f, 0, sizeof(*f));
    f->name = name;
    put_le(&f->config[0x00], vendor, 2);
    put_le(&f->config[0x02], device, 2);
    put_le(&f->config[0x09], class_code, 3);   /* prog-if, subclass, class */
    put_le(&f->config[PCI_SUBSYSTEM_VENDOR], PCI_SUBVENDOR_QEMU, 2);
    put_le(&f->config[PCI_SUBSYSTEM_ID], PCI_SUBDEVICE_QEMU, 2);
    if (int_pin) {
        f->config[PCI_INTERRUPT_PIN] = (uint8_t)int_pin;
        f->wmask[PCI_INTERRUPT_LINE] = 0xFF;
    }
}

void pci_function_add_bar(struct pci_function *f, unsigned i, bool io, uint32_t size,
                          const struct io_ops *io_ops, const struct mmio_ops *mmio_ops,
                          void *opaque)
{
    if (i >= PCI_NUM_BARS || size == 0 || (size & (size - 1)))
        return;
    f->bar[i] = (struct pci_bar){ .size = size, .io = io, .io_ops = io_ops,
                                  .mmio_ops = mmio_ops, .opaque = opaque };
    /* The address bits above the size are writable; the low bits say
     * what the BAR is (bit 0: I/O; memory: 32-bit, not prefetchable). */
    uint32_t flags = io ? PCI_BAR_IO : 0;
    uint32_t mask = ~(size - 1) & (io ? ~3u : ~15u);
    put_le(&f->config[PCI_BAR0 + 4 * i], flags, 4);
    put_le(&f->wmask[PCI_BAR0 + 4 * i], mask, 4);
    f->wmask[PCI_COMMAND] |= io ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY;
}

void pci_function_set_prefetchable(struct pci_function *f, unsigned i)
{
    if (i < PCI_NUM_BARS && f->bar[i].size && !f->bar[i].io)
        f->config[PCI_BAR0 + 4 * i] |= PCI_BAR_PREFETCH;
}

void pci_function_add_rom(struct pci_function *f, uint32_t size, const struct mmio_ops *ops,
                          void *opaque)
{
    if (size < PHYS_PAGE_SIZE || (size & (size - 1)))
        return;
    f->rom = (struct pci_bar){ .size = size, .mmio_ops = ops, .opaque = opaque };
    put_le(&f->config[PCI_ROM_ADDRESS], 0, 4);
    put_le(&f->wmask[PCI_ROM_ADDRESS], ~(size - 1) | PCI_ROM_ENABLE, 4);
    f->wmask[PCI_COMMAND] |= PCI_COMMAND_MEMORY;
}

/* Where the expansion ROM should be mapped now (as bar_target). */
static bool rom_target(const struct pci_function *f, uint32_t *base)
{
    const struct pci_bar *b = &f->rom;
    uint32_t reg = get_le(&f->config[PCI_ROM_ADDRESS], 4);
    if (!b->size || !(f->config[PCI_COMMAND] & PCI_COMMAND_MEMORY) || !(reg & PCI_ROM_ENABLE))
        return false;
    uint32_t addr = reg & ~(b->size - 1) & ~(uint32_t)PCI_ROM_ENABLE;
    if (addr == 0 || (uint64_t)addr + b->size - 1 > 0xFFFFFFFEu)
        return false;
    *base = addr;
    return true;
}

/* Where BAR `b` should be mapped now, or false: decoding off, or an
 * address that is 0, wraps or ends at the all-ones address. */
static bool bar_target(const struct pci_function *f, unsigned i, uint32_t *base)
{
    const struct pci_bar *b = &f->bar[i];
    uint8_t cmd = f->config[PCI_COMMAND];
    if (!b->size || !(cmd & (b->io ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY)))
        return false;
    uint32_t addr = get_le(&f->config[PCI_BAR0 + 4 * i], 4) & ~(b->io ? 3u : 15u);
    uint64_t last = (uint64_t)addr + b->size - 1;
    uint64_t limit = b->io ? 0xFFFF : 0xFFFFFFFEu;
    if (addr == 0 || last > limit)
        return false;
    *base = addr;
    return true;
}

static void bar_unmap(struct pci *pci, struct pci_bar *b)
{
    if (!b->mapped)
        return;
    if (b->io)
        pci->space.unmap_io(pci->space.opaque, (uint16_t)b->mapped_base, b->opaque);
    else
        pci->space.unmap_mem(pci->space.opaque, b->mapped_base, b->opaque);
    b->mapped = false;
}

/* Brings the mappings of `f`'s BARs in line with its config space. */
static void update_bars(struct pci *pci, struct pci_function *f)
{
    for (unsigned i = 0; i <= PCI_NUM_BARS; i++) {
        struct pci_bar *b = i < PCI_NUM_BARS ? &f->bar[i] : &f->rom;
        uint32_t base;
        bool want = i < PCI_NUM_BARS ? bar_target(f, i, &base) : rom_target(f, &base);
        if (b->mapped && want && b->mapped_base == base)
            continue;
        bar_unmap(pci, b);
        if (!want || (b->io ? !pci->space.map_io : !pci->space.map_mem))
            continue;   /* decoding off, or a bus with no space (tests) */
        int rc;
        if (b->io)
            rc = pci->space.map_io(pci->space.opaque, (uint16_t)base, (uint16_t)b->size,
                                   b->io_ops, b->opaque, f->name);
        else if (b->direct && pci->space.map_mem_direct)
            rc = pci->space.map_mem_direct(pci->space.opaque, base, b->size, b->mmio_ops,
                                           b->opaque, b->direct, b->direct_writable,
                                           f->name);
        else
            rc = pci->space.map_mem(pci->space.opaque, base, b->size, b->mmio_ops, b->opaque,
                                    f->name);
        /* A range that is taken stays off, as a decode conflict would
         * leave it unusable on the hardware. */
        if (rc == 0) {
            b->mapped = true;
            b->mapped_base = base;
        }
    }
}

void pci_io_window_set(struct pci *pci, struct pci_io_window *w, bool enable, uint16_t base)
{
    bool usable = enable && base != 0 && (uint32_t)base + w->size - 1 <= 0xFFFF;
    if (w->mapped && usable && w->base == base)
        return;
    if (w->mapped) {
        pci->space.unmap_io(pci->space.opaque, w->base, w->opaque);
        w->mapped = false;
    }
    if (!usable || !pci->space.map_io)
        return;
    if (pci->space.map_io(pci->space.opaque, base, w->size, w->ops, w->opaque, w->name) == 0) {
        w->mapped = true;
        w->base = base;
    }
}

int pci_register(struct pci *pci, struct pci_function *f, unsigned dev, unsigned fn,
                 struct irq_pin irq)
{
    uint8_t devfn = (uint8_t)((dev & 0x1F) << 3 | (fn & 7));
    if (pci->nfns >= PCI_MAX_FUNCTIONS)
        return -1;
    for (unsigned i = 0; i < pci->nfns; i++)
        if (pci->fns[i]->devfn == devfn)
            return -1;
    f->devfn = devfn;
    f->irq = irq;
    memcpy(f->reset_config, f->config, sizeof(f->config));
    pci->fns[pci->nfns++] = f;
    return 0;
}

static struct pci_function *find_fn(struct pci *pci, uint32_t bdf)
{
    if (bdf & 0x00FF0000u)
        return NULL;   /* bus 0 only */
    for (unsigned i = 0; i < pci->nfns; i++)
        if (pci->fns[i]->devfn == ((bdf >> 8) & 0xFF))
            return pci->fns[i];
    return NULL;
}

uint32_t pci_config_read(struct pci *pci, uint32_t bdf, unsigned offset, unsigned size)
{
    offset &= 0xFF;
    if (size != 1 && size != 2 && size != 4)
        size = 1;
    struct pci_function *f = find_fn(pci, bdf);
    if (!f || offset + size > 256)
        return all_ones(size);
    return get_le(&f->config[offset], size);
}

void pci_config_write(struct pci *pci, uint32_t bdf, unsigned offset, uint32_t value,
                      unsigned size)
{
    offset &= 0xFF;
    struct pci_function *f = find_fn(pci, bdf);
    if (!f || offset + size > 256)
        return;
    for (unsigned i = 0; i < size && i < 4; i++) {
        uint8_t m = f->wmask[offset + i];
        uint8_t b = (uint8_t)(value >> (8 * i));
        f->config[offset + i] = (uint8_t)((f->config[offset + i] & ~m) | (b & m));
    }
    /* The command register, a BAR or the ROM BAR: decoding may have
     * changed. */
    if ((offset < PCI_BAR0 + 4 * PCI_NUM_BARS && offset + size > PCI_COMMAND) ||
        pci_range_hits(offset, size, PCI_ROM_ADDRESS, 4))
        update_bars(pci, f);
    if (f->config_written)
        f->config_written(f, offset, size < 4 ? size : 4);
}

static uint32_t pci_in(void *opaque, uint16_t port, unsigned size)
{
    struct pci *pci = opaque;
    if (port < PCI_CONFIG_DATA) {
        if (port == PCI_CONFIG_ADDRESS && size == 4)
            return pci->address;
        if (port == PCI_CONFIG_ADDRESS + 1 && size == 1)
            return pci->rcr;
        return all_ones(size);
    }
    unsigned off = port & 3;
    if (!(pci->address & 0x80000000u) || off + size > 4)
        return all_ones(size);
    return pci_config_read(pci, pci->address & 0x00FFFF00u, (pci->address & 0xFC) + off, size);
}

static void pci_out(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct pci *pci = opaque;
    if (port < PCI_CONFIG_DATA) {
        if (port == PCI_CONFIG_ADDRESS && size == 4) {
            pci->address = value & 0x80FFFFFCu;
        } else if (port == PCI_CONFIG_ADDRESS + 1 && size == 1) {
            pci->rcr = value & 0x0E;
            if (value & 0x04) {
                pci->resets++;
                pci->rcr &= (uint8_t)~0x04;
                signal_fire(&pci->reset, 0);
            }
        }
        return;
    }
    unsigned off = port & 3;
    if (!(pci->address & 0x80000000u) || off + size > 4)
        return;
    pci_config_write(pci, pci->address & 0x00FFFF00u, (pci->address & 0xFC) + off, value, size);
}

/* The PAM registers (82441FX datasheet 3.2.18): PAM0 (0x59) bits 5-4 are
 * the 64 KiB BIOS segment at 0xF0000; PAM1-PAM6 (0x5A-0x5F) hold two 16
 * KiB segments each, from 0xC0000 up, low nibble first.  In each nibble
 * bit 0 is RE (reads from DRAM) and bit 1 WE (writes to DRAM). */
enum { PAM0 = 0x59, PAM_SEGMENTS = 13 };

static void pam_segment(unsigned i, uint32_t *base, uint32_t *size, unsigned *reg,
                        unsigned *shift)
{
    if (i == 0) {
        *base = 0xF0000;
        *size = 0x10000;
        *reg = PAM0;
        *shift = 4;
    } else {
        *base = 0xC0000 + (i - 1) * 0x4000;
        *size = 0x4000;
        *reg = PAM0 + 1 + (i - 1) / 2;
        *shift = (i - 1) % 2 ? 4 : 0;
    }
}

/* Hands every segment's mode to the board, which acts only on changes. */
static void pam_apply(struct pci *pci)
{
    if (!pci->space.set_shadow)
        return;
    for (unsigned i = 0; i < PAM_SEGMENTS; i++) {
        uint32_t base, size;
        unsigned reg, shift;
        pam_segment(i, &base, &size, &reg, &shift);
        unsigned bits = (pci->host.config[reg] >> shift) & 3;
        unsigned mode = PHYS_SHADOW_ON | (bits & 1 ? PHYS_SHADOW_READ_RAM : 0) |
                        (bits & 2 ? PHYS_SHADOW_WRITE_RAM : 0);
        pci->space.set_shadow(pci->space.opaque, base, size, mode);
    }
}

static void host_written(struct pci_function *f, unsigned offset, unsigned size)
{
    if (pci_range_hits(offset, size, PAM0, 7))
        pam_apply(container_of(f, struct pci, host));
}

/* The i440FX's configuration space and its writable bits. */
static void host_init(struct pci_function *h)
{
    pci_function_init(h, "pci", PCI_HOST_VENDOR, PCI_HOST_DEVICE, 0x060000, 0);
    h->config_written = host_written;
    h->config[0x04] = 0x06;   /* command: memory space, bus master */
    h->config[0x07] = 0x02;   /* status: DEVSEL medium */
    h->config[0x08] = 0x02;   /* revision */
    h->config[0x0E] = 0x00;   /* header type 0, single function */
    h->config[0x72] = 0x02;   /* SMRAM: C_BASE_SEG = 010 (A0000) */
    h->wmask[0x0D] = 0xF8;    /* latency timer */
    memset(&h->wmask[0x50], 0xFF, 16);  /* PMCCFG, DRAM control, PAM0-6 */
    h->wmask[0x72] = 0x78;    /* SMRAM: D_OPEN, D_CLS, D_LCK, G_SMRAME */
}

static void pci_reset(struct device *d)
{
    struct pci *pci = container_of(d, struct pci, dev);
    pci->address = 0;
    pci->rcr = 0;
    for (unsigned i = 0; i < pci->nfns; i++) {
        struct pci_function *f = pci->fns[i];
        memcpy(f->config, f->reset_config, sizeof(f->config));
        update_bars(pci, f);
        if (f->config_written)
            f->config_written(f, 0, 256);
    }
}

/* Every function's configuration space is saved here, by the bus, in
 * registration order; the BAR mappings follow from it on load. */
static void pci_save(const struct device *d, struct state_out *out)
{
    const struct pci *pci = container_of(d, const struct pci, dev);
    state_put_u32(out, pci->address);
    state_put_u8(out, pci->rcr);
    state_put_u8(out, (uint8_t)pci->nfns);
    for (unsigned i = 0; i < pci->nfns; i++) {
        state_put_u8(out, pci->fns[i]->devfn);
        state_put_bytes(out, pci->fns[i]->config, 256);
    }
}

static int pci_load(struct device *d, struct state_in *in, bool commit)
{
    struct pci *pci = container_of(d, struct pci, dev);
    uint32_t address = state_get_u32(in);
    uint8_t rcr = state_get_u8(in);
    unsigned n = state_get_u8(in);
    /* The same functions in the same slots, and no read-only bit that
     * differs from what the function has. */
    if ((address & ~0x80FFFFFCu) || (rcr & ~0x0Eu) || n != pci->nfns) {
        state_in_fail(in);
        return -1;
    }
    uint8_t (*cfg)[256] = malloc(n ? n * 256u : 1);
    if (!cfg)
        return -1;
    for (unsigned i = 0; i < n; i++) {
        const struct pci_function *f = pci->fns[i];
        if (state_get_u8(in) != f->devfn)
            state_in_fail(in);
        state_get_bytes(in, cfg[i], 256);
        for (unsigned k = 0; k < 256; k++)
            if ((cfg[i][k] ^ f->config[k]) & ~f->wmask[k])
                state_in_fail(in);
    }
    int rc = state_in_ok(in, true) ? 0 : -1;
    if (rc == 0 && commit) {
        pci->address = address;
        pci->rcr = rcr;
        for (unsigned i = 0; i < n; i++) {
            memcpy(pci->fns[i]->config, cfg[i], 256);
            update_bars(pci, pci->fns[i]);
        }
        /* The host bridge's own derived state; other functions' devices
         * load after the bus and bring theirs in line themselves. */
        pam_apply(pci);
    }
    free(cfg);
    return rc;
}

static void pci_dump(const struct device *d, char *buf, size_t len)
{
    const struct pci *pci = container_of(d, const struct pci, dev);
    int n = snprintf(buf, len, "address %08x functions", pci->address);
    for (unsigned i = 0; i < pci->nfns && n >= 0 && (size_t)n < len; i++)
        n += snprintf(buf + n, len - (size_t)n, " %02x.%u:%s", pci->fns[i]->devfn >> 3,
                      pci->fns[i]->devfn & 7, pci->fns[i]->name);
}

static const struct io_ops pci_io = { .in = pci_in, .out = pci_out };
static const struct device_ops pci_ops = {
    .type = "pci", .reset = pci_reset, .save = pci_save, .load = pci_load,
    .dump = pci_dump, .destroy = device_free,
};
_Static_assert(offsetof(struct pci, dev) == 0, "device_free frees the state");

struct pci *pci_create(struct pci_space space, struct signal_request reset)
{
    struct pci *pci = calloc(1, sizeof(*pci));
    if (!pci)
        return NULL;
    device_init(&pci->dev, &pci_ops, "pci");
    device_add_ports(&pci->dev, PCI_CONFIG_ADDRESS, 8, &pci_io, pci);
    pci->space = space;
    pci->reset = reset;
    host_init(&pci->host);
    pci_register(pci, &pci->host, 0, 0, (struct irq_pin){ 0 });
    return pci;
}
