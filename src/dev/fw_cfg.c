/* QEMU's fw_cfg device; see fw_cfg.h. */
#include "dev/fw_cfg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_be(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

static uint64_t get_be(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

static uint32_t bswap32(uint32_t v)
{
    return v >> 24 | (v >> 8 & 0xFF00) | (v << 8 & 0xFF0000) | v << 24;
}

/* The item a selector value reaches, or NULL for none (QEMU's
 * FW_CFG_INVALID, and keys past the last file slot). */
static const struct fw_cfg_item *item_of(const struct fw_cfg *f, uint16_t key)
{
    if (key == FW_CFG_INVALID || (key & FW_CFG_ENTRY_MASK) >= FW_CFG_MAX_KEYS)
        return NULL;
    return &f->items[(key & FW_CFG_ARCH_LOCAL) != 0][key & FW_CFG_ENTRY_MASK];
}

const struct fw_cfg_item *fw_cfg_item(const struct fw_cfg *f, uint16_t key)
{
    return item_of(f, key);
}

static void select_key(struct fw_cfg *f, uint16_t key)
{
    f->offset = 0;
    f->key = item_of(f, key) ? key : FW_CFG_INVALID;
}

/* The traditional interface: one byte of the selected item. */
static uint8_t data_read(struct fw_cfg *f)
{
    const struct fw_cfg_item *it = item_of(f, f->key);
    if (!it || !it->data || f->offset >= it->len)
        return 0;
    return it->data[f->offset++];
}

/* --- DMA ------------------------------------------------------------------ */

static bool dma_in_range(const struct fw_cfg *f, uint64_t addr, uint64_t len)
{
    return addr <= f->dma_limit && len <= f->dma_limit - addr;
}

/* Writes `len` zero bytes at `addr` (a read past an item's end). */
static void dma_zero(struct fw_cfg *f, uint32_t addr, uint32_t len)
{
    static const uint8_t zeros[4096];
    while (len) {
        uint32_t n = len < sizeof(zeros) ? len : (uint32_t)sizeof(zeros);
        guest_mem_write(&f->mem, addr, zeros, n);
        addr += n;
        len -= n;
    }
}

/* Runs the FWCfgDmaAccess at f->dma_addr (QEMU fw_cfg_dma_transfer). */
static void dma_transfer(struct fw_cfg *f)
{
    uint64_t at = f->dma_addr;
    f->dma_addr = 0;      /* QEMU resets it before the next access */
    f->dma_transfers++;
    if (!dma_in_range(f, at, 16))
        return;           /* no memory there to read or to report in */
    uint8_t d[16];
    guest_mem_read(&f->mem, (uint32_t)at, d, sizeof(d));
    uint32_t control = (uint32_t)get_be(d, 4);
    uint32_t length = (uint32_t)get_be(d + 4, 4);
    uint64_t addr = get_be(d + 8, 8);

    if (control & FW_CFG_DMA_CTL_SELECT)
        select_key(f, (uint16_t)(control >> 16));
    bool read = false, write = false;
    if (control & FW_CFG_DMA_CTL_READ)
        read = true;
    else if (control & FW_CFG_DMA_CTL_WRITE)
        write = true;
    else if (!(control & FW_CFG_DMA_CTL_SKIP))
        length = 0;

    uint32_t status = 0;
    /* Data must land in memory: a read or write reaching past it is the
     * error QEMU gives for an address with nothing behind it (a skip
     * touches no memory). */
    if ((read || write) && length && !dma_in_range(f, addr, length))
        status = FW_CFG_DMA_CTL_ERROR;
    const struct fw_cfg_item *it = item_of(f, f->key);
    while (length && !status) {
        uint32_t n;
        if (!it || !it->data || f->offset >= it->len) {
            /* Past the end: reads give zeros, writes fail. */
            n = length;
            if (read)
                dma_zero(f, (uint32_t)addr, n);
            if (write)
                status = FW_CFG_DMA_CTL_ERROR;
        } else {
            uint32_t left = it->len - f->offset;
            n = length < left ? length : left;
            if (read)
                guest_mem_write(&f->mem, (uint32_t)addr, it->data + f->offset, n);
            if (write)
                status = FW_CFG_DMA_CTL_ERROR; /* no item is writable */
            f->offset += n;   /* QEMU moves on even past a refused write */
        }
        addr += n;
        length -= n;
    }
    uint8_t c[4];
    put_be(c, status, 4);
    guest_mem_write(&f->mem, (uint32_t)at, c, sizeof(c));
}

/* --- ports ----------------------------------------------------------------- */

static uint32_t ctl_in(void *opaque, uint16_t port, unsigned size)
{
    /* Byte reads at either port read data; wider ones are not valid
     * accesses and read 0 (QEMU's fw_cfg_comb_valid). */
    return size == 1 ? data_read(opaque) : 0;
}

static void ctl_out(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    /* A 16-bit write selects; a byte write was the data port's write,
     * which QEMU dropped in v2.4. */
    if (size == 2 && port == FW_CFG_PORT)
        select_key(opaque, (uint16_t)value);
}

static const char dma_signature[8] = { 'Q', 'E', 'M', 'U', ' ', 'C', 'F', 'G' };

static uint32_t dma_in(void *opaque, uint16_t port, unsigned size)
{
    /* The big-endian register "QEMU CFG": its bytes in port order. */
    unsigned at = port - FW_CFG_DMA_PORT;
    uint32_t v = 0;
    for (unsigned i = 0; i < size && at + i < 8; i++)
        v |= (uint32_t)(uint8_t)dma_signature[at + i] << (8 * i);
    return v;
}

static void dma_out(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct fw_cfg *f = opaque;
    if (size != 4)
        return;   /* only 32-bit halves are valid writes */
    /* The register is big-endian: the guest wrote cpu_to_be32(half). */
    if (port == FW_CFG_DMA_PORT) {
        f->dma_addr = (uint64_t)bswap32(value) << 32;
    } else if (port == FW_CFG_DMA_PORT + 4) {
        f->dma_addr |= bswap32(value);
        dma_transfer(f);
    }
}

/* --- items ----------------------------------------------------------------- */

static int set_item(struct fw_cfg_item *it, const void *data, size_t len)
{
    if (len > FW_CFG_MAX_ITEM)
        return -1;
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return -1;
    if (len)
        memcpy(copy, data, len);
    free(it->data);
    it->data = copy;
    it->len = (uint32_t)len;
    return 0;
}

int fw_cfg_add_bytes(struct fw_cfg *f, uint16_t key, const void *data, size_t len)
{
    unsigned idx = key & FW_CFG_ENTRY_MASK;
    bool arch = (key & FW_CFG_ARCH_LOCAL) != 0;
    /* Files and the directory are the device's own; no write channel. */
    if ((key & FW_CFG_WRITE_CHANNEL) || idx >= FW_CFG_MAX_KEYS ||
        (!arch && (idx >= FW_CFG_FILE_FIRST || idx == FW_CFG_FILE_DIR)))
        return -1;
    struct fw_cfg_item *it = &f->items[arch][idx];
    if (it->data)
        return -1;
    return set_item(it, data, len);
}

int fw_cfg_add_i16(struct fw_cfg *f, uint16_t key, uint16_t value)
{
    uint8_t b[2] = { (uint8_t)value, (uint8_t)(value >> 8) };
    return fw_cfg_add_bytes(f, key, b, sizeof(b));
}

int fw_cfg_add_i32(struct fw_cfg *f, uint16_t key, uint32_t value)
{
    uint8_t b[4];
    for (unsigned i = 0; i < 4; i++)
        b[i] = (uint8_t)(value >> (8 * i));
    return fw_cfg_add_bytes(f, key, b, sizeof(b));
}

int fw_cfg_add_i64(struct fw_cfg *f, uint16_t key, uint64_t value)
{
    uint8_t b[8];
    for (unsigned i = 0; i < 8; i++)
        b[i] = (uint8_t)(value >> (8 * i));
    return fw_cfg_add_bytes(f, key, b, sizeof(b));
}

/* FW_CFG_FILE_DIR from the sorted names: its size is fixed by the slot
 * count, as in QEMU (unused entries are zero). */
static void build_dir(struct fw_cfg *f)
{
    memset(f->dir, 0, sizeof(f->dir));
    put_be(f->dir, f->nfiles, 4);
    for (uint32_t i = 0; i < f->nfiles; i++) {
        uint8_t *e = f->dir + 4 + 64 * i;
        put_be(e, f->items[0][FW_CFG_FILE_FIRST + i].len, 4);
        put_be(e + 4, FW_CFG_FILE_FIRST + i, 2);
        memcpy(e + 8, f->names[i], FW_CFG_MAX_FILE_PATH);
    }
    struct fw_cfg_item *d = &f->items[0][FW_CFG_FILE_DIR];
    d->data = f->dir;   /* not owned: see fw_cfg_destroy */
    d->len = sizeof(f->dir);
}

int fw_cfg_add_file(struct fw_cfg *f, const char *name, const void *data, size_t len)
{
    size_t nlen = strlen(name);
    if (nlen == 0 || nlen >= FW_CFG_MAX_FILE_PATH || f->nfiles >= FW_CFG_FILE_SLOTS ||
        fw_cfg_file_key(f, name) >= 0)
        return -1;
    struct fw_cfg_item it = { 0 };
    if (set_item(&it, data, len) < 0)
        return -1;
    /* Sorted by name (QEMU's order for machine types after 2.4): the
     * files after the new one move up a key. */
    uint32_t at = f->nfiles;
    while (at > 0 && strcmp(name, f->names[at - 1]) < 0)
        at--;
    for (uint32_t i = f->nfiles; i > at; i--) {
        memcpy(f->names[i], f->names[i - 1], FW_CFG_MAX_FILE_PATH);
        f->items[0][FW_CFG_FILE_FIRST + i] = f->items[0][FW_CFG_FILE_FIRST + i - 1];
    }
    memset(f->names[at], 0, FW_CFG_MAX_FILE_PATH);
    memcpy(f->names[at], name, nlen);
    f->items[0][FW_CFG_FILE_FIRST + at] = it;
    f->nfiles++;
    build_dir(f);
    return 0;
}

int fw_cfg_file_key(const struct fw_cfg *f, const char *name)
{
    for (uint32_t i = 0; i < f->nfiles; i++)
        if (strncmp(f->names[i], name, FW_CFG_MAX_FILE_PATH) == 0)
            return (int)(FW_CFG_FILE_FIRST + i);
    return -1;
}

/* --- the device ------------------------------------------------------------ */

static void fw_cfg_reset(struct device *d)
{
    /* QEMU selects the signature at reset; the DMA address stays. */
    select_key(container_of(d, struct fw_cfg, dev), FW_CFG_SIGNATURE);
}

static void fw_cfg_save(const struct device *d, struct state_out *out)
{
    const struct fw_cfg *f = container_of(d, const struct fw_cfg, dev);
    state_put_u16(out, f->key);
    state_put_u32(out, f->offset);
    state_put_u64(out, f->dma_addr);
}

static int fw_cfg_load(struct device *d, struct state_in *in, bool commit)
{
    struct fw_cfg *f = container_of(d, struct fw_cfg, dev);
    uint16_t key = state_get_u16(in);
    uint32_t offset = state_get_u32(in);
    uint64_t dma_addr = state_get_u64(in);
    /* A selector this device gives, and an offset reads could reach: at
     * most the item's length (0 with nothing selected). */
    const struct fw_cfg_item *it = item_of(f, key);
    if ((key != FW_CFG_INVALID && !it) || offset > (it && it->data ? it->len : 0))
        state_in_fail(in);
    if (!state_in_ok(in, true))
        return -1;
    if (commit) {
        f->key = key;
        f->offset = offset;
        f->dma_addr = dma_addr;
    }
    return 0;
}

static void fw_cfg_dump(const struct device *d, char *buf, size_t len)
{
    const struct fw_cfg *f = container_of(d, const struct fw_cfg, dev);
    snprintf(buf, len, "key %04x offset %u dma %016llx files %u transfers %llu", f->key,
             f->offset, (unsigned long long)f->dma_addr, f->nfiles,
             (unsigned long long)f->dma_transfers);
}

static void fw_cfg_destroy(struct device *d)
{
    struct fw_cfg *f = container_of(d, struct fw_cfg, dev);
    for (unsigned a = 0; a < 2; a++)
        for (unsigned k = 0; k < FW_CFG_MAX_KEYS; k++)
            if (!(a == 0 && k == FW_CFG_FILE_DIR))
                free(f->items[a][k].data);
    free(f);
}

static const struct io_ops ctl_io = { .in = ctl_in, .out = ctl_out };
static const struct io_ops dma_io = { .in = dma_in, .out = dma_out };
static const struct device_ops fw_cfg_ops = {
    .type = "fw_cfg", .reset = fw_cfg_reset, .save = fw_cfg_save, .load = fw_cfg_load,
    .dump = fw_cfg_dump, .destroy = fw_cfg_destroy,
};

struct fw_cfg *fw_cfg_create(struct guest_mem mem, uint32_t dma_limit)
{
    struct fw_cfg *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    device_init(&f->dev, &fw_cfg_ops, "fw_cfg");
    device_add_ports(&f->dev, FW_CFG_PORT, 2, &ctl_io, f);
    device_add_ports(&f->dev, FW_CFG_DMA_PORT, 8, &dma_io, f);
    f->mem = mem;
    f->dma_limit = dma_limit;
    build_dir(f);
    if (fw_cfg_add_bytes(f, FW_CFG_SIGNATURE, "QEMU", 4) < 0 ||
        fw_cfg_add_i32(f, FW_CFG_ID, FW_CFG_VERSION | FW_CFG_VERSION_DMA) < 0) {
        fw_cfg_destroy(&f->dev);
        return NULL;
    }
    select_key(f, FW_CFG_SIGNATURE);
    return f;
}
