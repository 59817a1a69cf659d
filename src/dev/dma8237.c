/* The PC/AT's two 8237A DMA controllers and page registers; see dma8237.h. */
#include "dev/dma8237.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DMA1_BASE 0x00
#define DMA2_BASE 0xC0
#define PAGE_BASE 0x80

/* Page register (port - 0x80) of each channel. */
static const uint8_t page_index[DMA8237_CHANNELS] = { 0x7, 0x3, 0x1, 0x2, 0xF, 0xB, 0x9, 0xA };

static struct dma8237_ctrl *ctrl_of(struct dma8237 *d, unsigned ch)
{
    return &d->c[ch >> 2];
}

static struct dma8237_chan *chan_of(struct dma8237 *d, unsigned ch)
{
    return &d->c[ch >> 2].ch[ch & 3];
}

static bool ctrl_enabled(const struct dma8237_ctrl *c)
{
    return !(c->command & DMA_CMD_DISABLE);
}

/* Whether channel `ch` can make transfer cycles now (DREQ aside). */
static bool chan_ready(const struct dma8237 *d, unsigned ch)
{
    const struct dma8237_ctrl *c = &d->c[ch >> 2];
    unsigned i = ch & 3;
    if (ch == DMA8237_CASCADE || !ctrl_enabled(c) || (c->mask & (1u << i)) ||
        (c->ch[i].mode & DMA_MODE_TYPE) == DMA_TYPE_CASCADE)
        return false;
    if (ch >= 4)
        return true;
    /* Controller 1 reaches the bus through channel 4 of controller 2. */
    const struct dma8237_ctrl *m = &d->c[1];
    return ctrl_enabled(m) && !(m->mask & 1) &&
           (m->ch[0].mode & DMA_MODE_TYPE) == DMA_TYPE_CASCADE;
}

/* Calls the service of every channel that has DREQ high and can transfer,
 * in priority order, once each.  A service that raises another DREQ (or
 * its own again) is served by the same pass when its channel comes later,
 * otherwise at the next change: a device cannot keep the controller
 * looping. */
static void dma_run(struct dma8237 *d)
{
    if (d->running)
        return;
    d->running = true;
    static const uint8_t order[] = { 0, 1, 2, 3, 5, 6, 7 };
    for (unsigned k = 0; k < sizeof(order); k++) {
        unsigned ch = order[k];
        const struct dma8237_client *cl = &d->client[ch];
        if ((d->dreq & (1u << ch)) && cl->service && chan_ready(d, ch))
            cl->service(cl->opaque, ch);
    }
    d->running = false;
}

int dma8237_connect(struct dma8237 *d, unsigned ch, struct dma8237_client client)
{
    if (ch >= DMA8237_CHANNELS || ch == DMA8237_CASCADE || d->client[ch].service)
        return -1;
    d->client[ch] = client;
    return 0;
}

void dma8237_set_dreq(struct dma8237 *d, unsigned ch, bool level)
{
    if (ch >= DMA8237_CHANNELS)
        return;
    uint8_t bit = (uint8_t)(1u << ch);
    bool was = d->dreq & bit;
    if (level)
        d->dreq |= bit;
    else
        d->dreq &= (uint8_t)~bit;
    if (level && !was)
        dma_run(d);
}

enum dma8237_dir dma8237_direction(const struct dma8237 *d, unsigned ch)
{
    if (ch >= DMA8237_CHANNELS)
        return DMA8237_VERIFY;
    return (enum dma8237_dir)((d->c[ch >> 2].ch[ch & 3].mode & DMA_MODE_DIR) >> 2);
}

/* Terminal count on channel `ch`: the status bit, the software request
 * cleared, and the reload or the mask (8237A data sheet, "Autoinitialize"
 * and "Mask register"). */
static void reach_tc(struct dma8237 *d, unsigned ch)
{
    struct dma8237_ctrl *c = ctrl_of(d, ch);
    struct dma8237_chan *cn = chan_of(d, ch);
    unsigned i = ch & 3;
    c->tc |= (uint8_t)(1u << i);
    c->request &= (uint8_t)~(1u << i);
    if (cn->mode & DMA_MODE_AUTOINIT) {
        cn->cur_addr = cn->base_addr;
        cn->cur_count = cn->base_count;
    } else {
        c->mask |= (uint8_t)(1u << i);
    }
}

/* Copies `n` units (bytes, or words on channels 5-7) at the channel's
 * current address, which counts within its page. */
static void move_units(struct dma8237 *d, unsigned ch, uint8_t *buf, uint32_t n,
                       enum dma8237_dir dir)
{
    struct dma8237_chan *cn = chan_of(d, ch);
    unsigned shift = ch >= 4;
    uint32_t page = ch >= 4 ? (uint32_t)(d->page[page_index[ch]] & 0xFE) << 16
                            : (uint32_t)d->page[page_index[ch]] << 16;
    bool down = cn->mode & DMA_MODE_DECREMENT;
    uint32_t done = 0;
    while (done < n) {
        /* A run of units at increasing addresses, short of the wrap; going
         * down, one unit at a time. */
        uint32_t run = down ? 1 : 0x10000u - cn->cur_addr;
        if (run > n - done)
            run = n - done;
        uint32_t pa = page | (uint32_t)cn->cur_addr << shift;
        size_t bytes = (size_t)run << shift;
        uint8_t *p = buf + ((size_t)done << shift);
        if (dir == DMA8237_TO_MEMORY)
            guest_mem_write(&d->mem, pa, p, bytes);
        else if (dir == DMA8237_FROM_MEMORY)
            guest_mem_read(&d->mem, pa, p, bytes);
        if (dir == DMA8237_TO_MEMORY || dir == DMA8237_FROM_MEMORY)
            d->bytes += bytes;
        cn->cur_addr = (uint16_t)(down ? cn->cur_addr - run : cn->cur_addr + run);
        done += run;
    }
}

size_t dma8237_transfer(struct dma8237 *d, unsigned ch, void *buf, size_t len, bool *tc)
{
    if (tc)
        *tc = false;
    if (ch >= DMA8237_CHANNELS || !chan_ready(d, ch))
        return 0;
    unsigned shift = ch >= 4;
    uint8_t *p = buf;
    size_t moved = 0;
    size_t units = len >> shift;
    enum dma8237_dir dir = dma8237_direction(d, ch);
    while (units) {
        struct dma8237_chan *cn = chan_of(d, ch);
        /* cur_count + 1 units remain before TC. */
        uint32_t left = (uint32_t)cn->cur_count + 1;
        uint32_t n = units < left ? (uint32_t)units : left;
        move_units(d, ch, p + moved, n, dir);
        moved += (size_t)n << shift;
        units -= n;
        cn->cur_count = (uint16_t)(cn->cur_count - n);
        if (n == left) {
            reach_tc(d, ch);
            if (tc)
                *tc = true;
            break;
        }
    }
    return moved;
}

/* Master clear (8237A data sheet): command, status, request and temporary
 * registers and the flip-flop cleared, all four masks set. */
static void master_clear(struct dma8237_ctrl *c)
{
    c->command = 0;
    c->tc = 0;
    c->request = 0;
    c->mask = 0x0F;
    c->flipflop = false;
}

void dma8237_reset(struct dma8237 *d)
{
    master_clear(&d->c[0]);
    master_clear(&d->c[1]);
}

void dma8237_bios_setup(struct dma8237 *d)
{
    d->c[1].ch[0].mode = DMA_TYPE_CASCADE;
    d->c[1].mask &= (uint8_t)~1u;
    dma_run(d);
}

/* Reads or writes one byte of a 16-bit register through the flip-flop. */
static uint8_t reg16_read(struct dma8237_ctrl *c, uint16_t v)
{
    uint8_t b = c->flipflop ? (uint8_t)(v >> 8) : (uint8_t)v;
    c->flipflop = !c->flipflop;
    return b;
}

/* Each byte goes to both the base and the current register. */
static void reg16_write(struct dma8237_ctrl *c, uint16_t *base, uint16_t *cur, uint8_t v)
{
    if (c->flipflop) {
        *base = (uint16_t)((*base & 0x00FF) | v << 8);
        *cur = (uint16_t)((*cur & 0x00FF) | v << 8);
    } else {
        *base = (uint16_t)((*base & 0xFF00) | v);
        *cur = (uint16_t)((*cur & 0xFF00) | v);
    }
    c->flipflop = !c->flipflop;
}

static uint8_t ctrl_read(struct dma8237 *d, unsigned n, unsigned reg)
{
    struct dma8237_ctrl *c = &d->c[n];
    if (reg < 8) {
        struct dma8237_chan *cn = &c->ch[reg >> 1];
        return reg16_read(c, reg & 1 ? cn->cur_count : cn->cur_addr);
    }
    switch (reg) {
    case 8: {
        /* Request bits show the DREQ inputs and the software requests. */
        uint8_t dreq = (uint8_t)((d->dreq >> (4 * n)) & 0x0F);
        uint8_t v = (uint8_t)(c->tc | (dreq | c->request) << 4);
        c->tc = 0;
        return v;
    }
    case 15:
        return (uint8_t)(0xF0 | c->mask);
    default:
        return 0;  /* 13: the temporary register; the others write only */
    }
}

static void ctrl_write(struct dma8237 *d, unsigned n, unsigned reg, uint8_t v)
{
    struct dma8237_ctrl *c = &d->c[n];
    if (reg < 8) {
        struct dma8237_chan *cn = &c->ch[reg >> 1];
        if (reg & 1)
            reg16_write(c, &cn->base_count, &cn->cur_count, v);
        else
            reg16_write(c, &cn->base_addr, &cn->cur_addr, v);
        return;
    }
    unsigned i = v & 3;
    switch (reg) {
    case 8:
        c->command = v;
        break;
    case 9:
        if (v & 4)
            c->request |= (uint8_t)(1u << i);
        else
            c->request &= (uint8_t)~(1u << i);
        break;
    case 10:
        if (v & 4)
            c->mask |= (uint8_t)(1u << i);
        else
            c->mask &= (uint8_t)~(1u << i);
        break;
    case 11:
        c->ch[i].mode = v & 0xFC;
        break;
    case 12:
        c->flipflop = false;
        break;
    case 13:
        master_clear(c);
        break;
    case 14:
        c->mask = 0;
        break;
    case 15:
        c->mask = v & 0x0F;
        break;
    }
    /* A channel may have become able to serve a DREQ that is waiting. */
    if (reg == 8 || reg == 10 || reg == 11 || reg == 14 || reg == 15)
        dma_run(d);
}

/* One byte port access; wider ones are split as the ISA bus splits them
 * for 8-bit devices. */
static uint8_t port_read(struct dma8237 *d, uint16_t port)
{
    if (port < DMA1_BASE + 16)
        return ctrl_read(d, 0, port - DMA1_BASE);
    if (port >= DMA2_BASE && port < DMA2_BASE + 32)
        return ctrl_read(d, 1, (unsigned)(port - DMA2_BASE) >> 1);
    return d->page[port & 0x0F];
}

static void port_write(struct dma8237 *d, uint16_t port, uint8_t v)
{
    if (port < DMA1_BASE + 16)
        ctrl_write(d, 0, port - DMA1_BASE, v);
    else if (port >= DMA2_BASE && port < DMA2_BASE + 32)
        ctrl_write(d, 1, (unsigned)(port - DMA2_BASE) >> 1, v);
    else
        d->page[port & 0x0F] = v;
}

static uint32_t dma_in(void *opaque, uint16_t port, unsigned size)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)port_read(opaque, (uint16_t)(port + i)) << (8 * i);
    return v;
}

static void dma_out(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        port_write(opaque, (uint16_t)(port + i), (uint8_t)(value >> (8 * i)));
}

static void dma_dev_reset(struct device *dev)
{
    dma8237_reset(container_of(dev, struct dma8237, dev));
}

/* The guest-visible state: both controllers, the page registers and the
 * DREQ inputs (which the devices also keep; saved here so that the status
 * register reads the same after a load). */
static void dma_save(const struct device *dev, struct state_out *out)
{
    const struct dma8237 *d = container_of(dev, const struct dma8237, dev);
    for (unsigned n = 0; n < 2; n++) {
        const struct dma8237_ctrl *c = &d->c[n];
        for (unsigned i = 0; i < 4; i++) {
            const struct dma8237_chan *cn = &c->ch[i];
            state_put_u16(out, cn->base_addr);
            state_put_u16(out, cn->base_count);
            state_put_u16(out, cn->cur_addr);
            state_put_u16(out, cn->cur_count);
            state_put_u8(out, cn->mode);
        }
        state_put_u8(out, c->command);
        state_put_u8(out, c->tc);
        state_put_u8(out, c->request);
        state_put_u8(out, c->mask);
        state_put_bool(out, c->flipflop);
    }
    state_put_bytes(out, d->page, sizeof(d->page));
    state_put_u8(out, d->dreq);
}

static int dma_load(struct device *dev, struct state_in *in, bool commit)
{
    struct dma8237 *d = container_of(dev, struct dma8237, dev);
    struct dma8237_ctrl c[2];
    uint8_t page[16];
    for (unsigned n = 0; n < 2; n++) {
        for (unsigned i = 0; i < 4; i++) {
            struct dma8237_chan *cn = &c[n].ch[i];
            cn->base_addr = state_get_u16(in);
            cn->base_count = state_get_u16(in);
            cn->cur_addr = state_get_u16(in);
            cn->cur_count = state_get_u16(in);
            cn->mode = state_get_u8(in);
            if (cn->mode & 3)
                state_in_fail(in);
        }
        c[n].command = state_get_u8(in);
        c[n].tc = state_get_u8(in);
        c[n].request = state_get_u8(in);
        c[n].mask = state_get_u8(in);
        c[n].flipflop = state_get_bool(in);
        if ((c[n].tc | c[n].request | c[n].mask) & 0xF0)
            state_in_fail(in);
    }
    state_get_bytes(in, page, sizeof(page));
    uint8_t dreq = state_get_u8(in);
    if (!state_in_ok(in, true))
        return -1;
    if (commit) {
        d->c[0] = c[0];
        d->c[1] = c[1];
        memcpy(d->page, page, sizeof(page));
        d->dreq = dreq;
    }
    return 0;
}

static void dma_dump(const struct device *dev, char *buf, size_t len)
{
    const struct dma8237 *d = container_of(dev, const struct dma8237, dev);
    size_t at = 0;
    int w = snprintf(buf, len, "mask %x/%x dreq %02x", d->c[0].mask, d->c[1].mask, d->dreq);
    for (unsigned ch = 0; ch < DMA8237_CHANNELS && w >= 0 && (size_t)w < len - at; ch++) {
        at += (size_t)w;
        w = 0;
        if (ch == DMA8237_CASCADE)
            continue;
        const struct dma8237_chan *cn = &d->c[ch >> 2].ch[ch & 3];
        w = snprintf(buf + at, len - at, " ch%u %02x:%04x+%04x m%02x", ch,
                     d->page[page_index[ch]], cn->cur_addr, cn->cur_count, cn->mode);
    }
}

static const struct io_ops dma_io = { .in = dma_in, .out = dma_out };
static const struct device_ops dma_ops = {
    .type = "dma8237", .reset = dma_dev_reset, .save = dma_save, .load = dma_load,
    .dump = dma_dump, .destroy = device_free,
};
_Static_assert(offsetof(struct dma8237, dev) == 0, "device_free frees the state");

struct dma8237 *dma8237_create(struct guest_mem mem)
{
    struct dma8237 *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    device_init(&d->dev, &dma_ops, "dma");
    device_add_ports(&d->dev, DMA1_BASE, 16, &dma_io, d);
    device_add_ports(&d->dev, DMA2_BASE, 32, &dma_io, d);
    device_add_ports(&d->dev, PAGE_BASE + 1, 15, &dma_io, d);
    d->mem = mem;
    dma8237_reset(d);
    return d;
}
