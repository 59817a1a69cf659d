/* The 8259A pair; see pic.h.  The logic follows the data sheet: a request
 * is served when its priority is above that of every in-service level
 * (fully nested mode); rotation moves the lowest priority to the line last
 * served. */
#include "dev/pic.h"

#include <stdio.h>
#include <stdlib.h>

/* Priority 0 (highest) .. 7 of the highest set bit of `mask` given the
 * rotation, or 8 when mask is empty. */
static unsigned priority_of(const struct pic_chip *c, uint8_t mask)
{
    if (!mask)
        return 8;
    unsigned p = 0;
    while (!(mask & (1u << ((p + c->priority_add) & 7))))
        p++;
    return p;
}

/* The line this chip would present on INTR, or -1. */
static int chip_pending(const struct pic_chip *c, bool master)
{
    unsigned p = priority_of(c, c->irr & ~c->imr);
    if (p == 8)
        return -1;
    uint8_t in_service = c->isr;
    if (c->special_mask)
        in_service &= ~c->imr;  /* masked levels do not block others */
    if (master && c->sfnm)
        in_service &= ~(1u << PIC_CASCADE_IRQ);  /* slave may nest */
    if (p < priority_of(c, in_service))
        return (int)((p + c->priority_add) & 7);
    return -1;
}

/* An input changes level: edge inputs latch on 0->1 only. */
static void chip_input(struct pic_chip *c, unsigned line, bool level)
{
    uint8_t bit = (uint8_t)(1u << line);
    if (c->elcr & bit) {
        if (level)
            c->irr |= bit;
        else
            c->irr &= (uint8_t)~bit;
    } else if (level && !(c->pins & bit)) {
        c->irr |= bit;
    }
    if (level)
        c->pins |= bit;
    else
        c->pins &= (uint8_t)~bit;
}

/* Recomputes the slave's output into the master's IR2, then INTR. */
static void pic_update(struct pic *pic)
{
    struct pic_chip *m = &pic->chip[0], *s = &pic->chip[1];
    if (!m->single)
        chip_input(m, PIC_CASCADE_IRQ, chip_pending(s, false) >= 0);
    pic->intr = chip_pending(m, true) >= 0;
    signal_set(&pic->intr_out, pic->intr);
}

static void chip_intack(struct pic_chip *c, unsigned line)
{
    uint8_t bit = (uint8_t)(1u << line);
    if (c->auto_eoi) {
        if (c->rotate_on_aeoi)
            c->priority_add = (line + 1) & 7;
    } else {
        c->isr |= bit;
    }
    /* An edge request is consumed; a level one stays while the pin is
     * high. */
    if (!(c->elcr & bit))
        c->irr &= (uint8_t)~bit;
}

int pic_ack(struct pic *pic)
{
    struct pic_chip *m = &pic->chip[0], *s = &pic->chip[1];
    int vector;
    pic->acks++;
    int line = chip_pending(m, true);
    if (line < 0) {
        /* Withdrawn before INTA: spurious IRQ 7, ISR untouched. */
        pic->spurious++;
        vector = m->vector_base + 7;
    } else if (line == PIC_CASCADE_IRQ && !m->single) {
        int sl = chip_pending(s, false);
        if (sl >= 0) {
            chip_intack(s, (unsigned)sl);
            vector = s->vector_base + sl;
        } else {
            /* Spurious IRQ 15: the master's IR2 is in service. */
            pic->spurious++;
            vector = s->vector_base + 7;
        }
        chip_intack(m, (unsigned)line);
    } else {
        chip_intack(m, (unsigned)line);
        vector = m->vector_base + line;
    }
    pic_update(pic);
    return vector & 0xFF;
}

void pic_set_irq(struct pic *pic, unsigned irq, bool level)
{
    /* IRQ 2 is the cascade input, not a device line, unless single. */
    if (irq >= 16 || (irq == PIC_CASCADE_IRQ && !pic->chip[0].single))
        return;
    chip_input(&pic->chip[irq >> 3], irq & 7, level);
    pic_update(pic);
}

static void pic_pin_set(void *opaque, unsigned irq, bool level)
{
    pic_set_irq(opaque, irq, level);
}

struct irq_pin pic_irq_pin(struct pic *pic, unsigned irq)
{
    return (struct irq_pin){ .set = pic_pin_set, .opaque = pic, .irq = irq };
}

/* ICW1's reset of the chip (data sheet: "the interrupt mask register is
 * cleared, IR7 is assigned priority 7, the slave mode address is set to 7,
 * special mask mode is cleared and status read is set to IRR"); edge
 * detection restarts, so an edge line already high needs a new edge. */
static void chip_init(struct pic_chip *c, uint8_t icw1)
{
    c->irr &= c->elcr & c->pins;
    c->isr = 0;
    c->imr = 0;
    c->priority_add = 0;
    c->init_state = 1;
    c->icw4_needed = icw1 & 1;
    c->single = icw1 & 2;
    c->auto_eoi = false;
    c->rotate_on_aeoi = false;
    c->sfnm = false;
    c->special_mask = false;
    c->read_isr = false;
    c->poll = false;
}

static void chip_ocw2(struct pic_chip *c, uint8_t v)
{
    unsigned cmd = v >> 5, line = v & 7;
    switch (cmd) {
    case 0: /* rotate in auto-EOI mode: clear */
    case 4: /* set */
        c->rotate_on_aeoi = cmd == 4;
        break;
    case 1: /* non-specific EOI */
    case 5: { /* rotate on non-specific EOI */
        unsigned p = priority_of(c, c->isr);
        if (p == 8)
            break;
        unsigned l = (p + c->priority_add) & 7;
        c->isr &= (uint8_t)~(1u << l);
        if (cmd == 5)
            c->priority_add = (l + 1) & 7;
        break;
    }
    case 3: /* specific EOI */
        c->isr &= (uint8_t)~(1u << line);
        break;
    case 6: /* set priority: `line` becomes the lowest */
        c->priority_add = (line + 1) & 7;
        break;
    case 7: /* rotate on specific EOI */
        c->isr &= (uint8_t)~(1u << line);
        c->priority_add = (line + 1) & 7;
        break;
    default: /* 2: no operation */
        break;
    }
}

/* The poll command's answer: bit 7 set with the line in bits 2-0 when a
 * request is pending (which is then acknowledged as by INTA), else 0. */
static uint8_t chip_poll(struct pic *pic, unsigned idx)
{
    struct pic_chip *c = &pic->chip[idx];
    int line = chip_pending(c, idx == 0);
    if (line < 0)
        return 0;
    chip_intack(c, (unsigned)line);
    return (uint8_t)(0x80 | line);
}

static void pic_out(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct pic *pic = opaque;
    uint8_t v = (uint8_t)value;
    if (port == PIC_ELCR_BASE || port == PIC_ELCR_BASE + 1) {
        struct pic_chip *c = &pic->chip[port - PIC_ELCR_BASE];
        c->elcr = v & c->elcr_mask;
        /* A line turned edge forgets its level request until a new edge;
         * one turned level requests while high. */
        c->irr = (uint8_t)((c->irr & ~c->elcr) | (c->pins & c->elcr));
        pic_update(pic);
        return;
    }
    struct pic_chip *c = &pic->chip[port >= PIC_SLAVE_BASE];
    if ((port & 1) == 0) {
        if (v & 0x10)
            chip_init(c, v);
        else if (v & 0x08) {
            /* OCW3 */
            if (v & 0x04)
                c->poll = true;
            if (v & 0x02)
                c->read_isr = v & 1;
            if (v & 0x40)
                c->special_mask = (v >> 5) & 1;
        } else {
            chip_ocw2(c, v);
        }
    } else {
        switch (c->init_state) {
        case 1: /* ICW2 */
            c->vector_base = v & 0xF8;
            c->init_state = c->single ? (c->icw4_needed ? 3 : 0) : 2;
            break;
        case 2: /* ICW3 */
            c->icw3 = v;
            c->init_state = c->icw4_needed ? 3 : 0;
            break;
        case 3: /* ICW4 */
            c->auto_eoi = v & 0x02;
            c->sfnm = v & 0x10;
            c->init_state = 0;
            break;
        default: /* OCW1 */
            c->imr = v;
            break;
        }
    }
    pic_update(pic);
}

static uint32_t pic_in(void *opaque, uint16_t port, unsigned size)
{
    struct pic *pic = opaque;
    if (port == PIC_ELCR_BASE || port == PIC_ELCR_BASE + 1)
        return pic->chip[port - PIC_ELCR_BASE].elcr;
    unsigned idx = port >= PIC_SLAVE_BASE;
    struct pic_chip *c = &pic->chip[idx];
    if (c->poll) {
        c->poll = false;
        uint8_t r = chip_poll(pic, idx);
        pic_update(pic);
        return r;
    }
    if ((port & 1) == 0)
        return c->read_isr ? c->isr : c->irr;
    return c->imr;
}

void pic_reset(struct pic *pic)
{
    for (unsigned i = 0; i < 2; i++) {
        struct pic_chip *c = &pic->chip[i];
        /* The input levels are the devices' and survive; a line already
         * high needs a new edge to request. */
        *c = (struct pic_chip){ .imr = 0xFF, .elcr_mask = c->elcr_mask, .pins = c->pins };
    }
    pic_update(pic);
}

static void pic_dev_reset(struct device *d)
{
    pic_reset(container_of(d, struct pic, dev));
}

/* The guest-visible state of one chip, in a fixed order. */
static void chip_save(const struct pic_chip *c, struct state_out *out)
{
    state_put_u8(out, c->irr);
    state_put_u8(out, c->isr);
    state_put_u8(out, c->imr);
    state_put_u8(out, c->pins);
    state_put_u8(out, c->elcr);
    state_put_u8(out, c->vector_base);
    state_put_u8(out, c->priority_add);
    state_put_u8(out, c->init_state);
    state_put_u8(out, c->icw3);
    state_put_bool(out, c->icw4_needed);
    state_put_bool(out, c->single);
    state_put_bool(out, c->auto_eoi);
    state_put_bool(out, c->rotate_on_aeoi);
    state_put_bool(out, c->sfnm);
    state_put_bool(out, c->special_mask);
    state_put_bool(out, c->read_isr);
    state_put_bool(out, c->poll);
}

static void chip_load(struct pic_chip *c, struct state_in *in)
{
    c->irr = state_get_u8(in);
    c->isr = state_get_u8(in);
    c->imr = state_get_u8(in);
    c->pins = state_get_u8(in);
    c->elcr = state_get_u8(in);
    c->vector_base = state_get_u8(in);
    c->priority_add = state_get_u8(in);
    c->init_state = state_get_u8(in);
    c->icw3 = state_get_u8(in);
    c->icw4_needed = state_get_bool(in);
    c->single = state_get_bool(in);
    c->auto_eoi = state_get_bool(in);
    c->rotate_on_aeoi = state_get_bool(in);
    c->sfnm = state_get_bool(in);
    c->special_mask = state_get_bool(in);
    c->read_isr = state_get_bool(in);
    c->poll = state_get_bool(in);
    /* What the registers cannot hold: ELCR bits that do not exist, a
     * rotation or an init step out of range, vector bits 2-0. */
    if ((c->elcr & ~c->elcr_mask) || c->priority_add > 7 || c->init_state > 3 ||
        (c->vector_base & 7))
        state_in_fail(in);
}

static void pic_save(const struct device *d, struct state_out *out)
{
    const struct pic *pic = container_of(d, const struct pic, dev);
    chip_save(&pic->chip[0], out);
    chip_save(&pic->chip[1], out);
}

/* INTR is derived (pic_update); the counters are statistics, not state. */
static int pic_load(struct device *d, struct state_in *in, bool commit)
{
    struct pic *pic = container_of(d, struct pic, dev);
    struct pic_chip c[2] = { pic->chip[0], pic->chip[1] };
    chip_load(&c[0], in);
    chip_load(&c[1], in);
    if (!state_in_ok(in, true))
        return -1;
    if (commit) {
        pic->chip[0] = c[0];
        pic->chip[1] = c[1];
        pic_update(pic);
    }
    return 0;
}

static void pic_dump(const struct device *d, char *buf, size_t len)
{
    const struct pic *pic = container_of(d, const struct pic, dev);
    const struct pic_chip *m = &pic->chip[0], *s = &pic->chip[1];
    snprintf(buf, len,
             "irr %02x/%02x isr %02x/%02x imr %02x/%02x base %02x/%02x elcr %02x/%02x "
             "intr %d",
             m->irr, s->irr, m->isr, s->isr, m->imr, s->imr, m->vector_base,
             s->vector_base, m->elcr, s->elcr, pic->intr);
}

static const struct io_ops pic_io = { .in = pic_in, .out = pic_out };
static const struct device_ops pic_ops = {
    .type = "pic", .reset = pic_dev_reset, .save = pic_save, .load = pic_load,
    .dump = pic_dump, .destroy = device_free,
};
_Static_assert(offsetof(struct pic, dev) == 0, "device_free frees the state");

struct pic *pic_create(struct signal_line intr)
{
    struct pic *pic = calloc(1, sizeof(*pic));
    if (!pic)
        return NULL;
    device_init(&pic->dev, &pic_ops, "pic");
    device_add_ports(&pic->dev, PIC_MASTER_BASE, 2, &pic_io, pic);
    device_add_ports(&pic->dev, PIC_SLAVE_BASE, 2, &pic_io, pic);
    device_add_ports(&pic->dev, PIC_ELCR_BASE, 2, &pic_io, pic);
    pic->intr_out = intr;
    pic->chip[0].elcr_mask = 0xF8;  /* IRQ 0, 1, 2 are always edge */
    pic->chip[1].elcr_mask = 0xDE;  /* IRQ 8 and 13 are always edge */
    pic_reset(pic);
    return pic;
}
