/* The PIIX3 PCI-to-ISA bridge and its PIRQ routing; see piix3.h. */
#include "dev/piix3.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int piix3_pirq_route(const struct piix3 *p, unsigned pirq)
{
    if (pirq >= PIIX3_NUM_PIRQS)
        return -1;
    uint8_t v = p->fn.config[PIIX3_PIRQRC + pirq];
    unsigned irq = v & 0x0F;
    /* Bit 7: routing disabled.  Reserved IRQ values (data sheet 2.2.8):
     * 0-2 (timer, keyboard, cascade), 8 (RTC) and 13 (FPU). */
    if ((v & 0x80) || irq <= 2 || irq == 8 || irq == 13)
        return -1;
    return (int)irq;
}

/* The ISA levels the PIRQs ask for now, and which IRQs they reach. */
static uint16_t wanted_levels(const struct piix3 *p, uint16_t *routed)
{
    uint16_t level = 0;
    *routed = 0;
    for (unsigned i = 0; i < PIIX3_NUM_PIRQS; i++) {
        int irq = piix3_pirq_route(p, i);
        if (irq < 0)
            continue;
        *routed |= (uint16_t)(1u << irq);
        if (p->pirq_high[i])
            level |= (uint16_t)(1u << irq);
    }
    return level;
}

/* Drives every IRQ whose level changed, and lets go (low) of those no
 * PIRQ reaches any more. */
static void update(struct piix3 *p)
{
    uint16_t routed;
    uint16_t level = wanted_levels(p, &routed);
    uint16_t touch = (uint16_t)((level ^ p->level) | (p->routed & ~routed & p->level));
    p->level = level;
    p->routed = routed;
    for (unsigned irq = 0; irq < PIIX3_ISA_IRQS; irq++)
        if (touch & (1u << irq))
            irq_pin_set(&p->isa[irq], (level >> irq) & 1);
}

static void source_set(void *opaque, unsigned irq, bool level)
{
    struct piix3 *p = opaque;
    unsigned pirq = (irq >> 5) & 3, bit = irq & 31;
    if (level)
        p->pirq_high[pirq] |= 1u << bit;
    else
        p->pirq_high[pirq] &= ~(1u << bit);
    update(p);
}

struct irq_pin piix3_pirq_source(struct piix3 *p, unsigned pirq)
{
    if (pirq >= PIIX3_NUM_PIRQS || p->nsources >= PIIX3_MAX_SOURCES)
        return (struct irq_pin){ 0 };
    return (struct irq_pin){ .set = source_set, .opaque = p,
                             .irq = pirq << 5 | p->nsources++ };
}

static void piix3_written(struct pci_function *f, unsigned offset, unsigned size)
{
    if (pci_range_hits(offset, size, PIIX3_PIRQRC, PIIX3_NUM_PIRQS))
        update(container_of(f, struct piix3, fn));
}

static void piix3_save(const struct device *d, struct state_out *out)
{
    const struct piix3 *p = container_of(d, const struct piix3, dev);
    for (unsigned i = 0; i < PIIX3_NUM_PIRQS; i++)
        state_put_u32(out, p->pirq_high[i]);
}

static int piix3_load(struct device *d, struct state_in *in, bool commit)
{
    struct piix3 *p = container_of(d, struct piix3, dev);
    uint32_t high[PIIX3_NUM_PIRQS];
    for (unsigned i = 0; i < PIIX3_NUM_PIRQS; i++) {
        high[i] = state_get_u32(in);
        /* Only sources that exist can be high. */
        if (p->nsources < 32 && (high[i] >> p->nsources))
            state_in_fail(in);
    }
    if (!state_in_ok(in, true))
        return -1;
    if (commit) {
        memcpy(p->pirq_high, high, sizeof(high));
        /* The bus loaded the routing before us (it is an earlier device);
         * the interrupt controller restores its own inputs, so the levels
         * are recomputed, not driven (QEMU's piix3_post_load). */
        p->level = wanted_levels(p, &p->routed);
    }
    return 0;
}

static void piix3_dump(const struct device *d, char *buf, size_t len)
{
    const struct piix3 *p = container_of(d, const struct piix3, dev);
    int n = snprintf(buf, len, "pirq");
    for (unsigned i = 0; i < PIIX3_NUM_PIRQS && n >= 0 && (size_t)n < len; i++) {
        int irq = piix3_pirq_route(p, i);
        if (irq < 0)
            n += snprintf(buf + n, len - (size_t)n, " %c:off%s", 'A' + i,
                          p->pirq_high[i] ? "(high)" : "");
        else
            n += snprintf(buf + n, len - (size_t)n, " %c:irq%d%s", 'A' + i, irq,
                          p->pirq_high[i] ? "(high)" : "");
    }
}

static const struct device_ops piix3_ops = {
    /* No reset of its own: the bus resets the configuration space (and
     * calls piix3_written); the sources reset and lower their pins. */
    .type = "piix3", .save = piix3_save, .load = piix3_load,
    .dump = piix3_dump, .destroy = device_free,
};
_Static_assert(offsetof(struct piix3, dev) == 0, "device_free frees the state");

/* QEMU's reset values (hw/isa/piix3.c, piix3_reset) and the registers the
 * data sheet lets software write. */
static void config_init(struct pci_function *f)
{
    pci_function_init(f, "piix3", PIIX3_VENDOR, PIIX3_DEVICE, 0x060100, 0);
    uint8_t *c = f->config, *w = f->wmask;
    c[PCI_COMMAND] = 0x07;        /* I/O, memory, bus master */
    c[0x07] = 0x02;               /* status: DEVSEL medium */
    c[PCI_HEADER_TYPE] = PCI_HEADER_MULTI_FUNCTION;
    c[0x4C] = 0x4D;               /* IORT: ISA I/O recovery timer */
    c[0x4E] = 0x03;               /* XBCS: X-bus chip select */
    c[0x69] = 0x02;               /* TOM: top of memory */
    c[0x70] = 0x80;               /* MBIRQ0: disabled */
    c[0x76] = c[0x77] = 0x0C;     /* MBDMA: disabled */
    c[0x78] = 0x02;               /* PCSC */
    c[0xA0] = 0x08;               /* SMICNTL */
    c[0xA8] = 0x0F;               /* SMIEN... */
    for (unsigned i = 0; i < PIIX3_NUM_PIRQS; i++) {
        c[PIIX3_PIRQRC + i] = 0x80;
        w[PIIX3_PIRQRC + i] = 0x8F;   /* bits 6-4 reserved */
    }
    static const uint8_t writable[] = { 0x4C, 0x4E, 0x4F, 0x69, 0x6A, 0x6B, 0x70,
                                        0x76, 0x77, 0x78, 0x79, 0x80, 0x82 };
    for (size_t i = 0; i < sizeof(writable); i++)
        w[writable[i]] = 0xFF;
    memset(&w[0xA0], 0xFF, 0x10);     /* SMI control, enable, request */
    f->config_written = piix3_written;
}

struct piix3 *piix3_create(const struct irq_pin isa[PIIX3_ISA_IRQS])
{
    struct piix3 *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    device_init(&p->dev, &piix3_ops, "piix3");
    memcpy(p->isa, isa, sizeof(p->isa));
    config_init(&p->fn);
    return p;
}
