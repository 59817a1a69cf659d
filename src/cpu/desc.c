/* Segment descriptors and descriptor tables; see desc.h. */
#include "cpu/desc.h"

#include "cpu/exec.h"

void desc_decode(struct desc *d, uint32_t lo, uint32_t hi)
{
    d->lo = lo;
    d->hi = hi;
    d->base = (lo >> 16) | ((hi & 0xFF) << 16) | (hi & 0xFF000000u);
    uint32_t limit = (lo & 0xFFFF) | (hi & 0x000F0000u);
    d->attr = (uint16_t)((hi >> 8) & 0xF0FF);
    if (d->attr & SEG_ATTR_G)
        limit = (limit << 12) | 0xFFF;
    d->limit = limit;
    d->type = (hi >> 8) & 0xF;
    d->s = (hi >> 12) & 1;
    d->dpl = (hi >> 13) & 3;
    d->present = (hi >> 15) & 1;
}

uint32_t sys_read(struct cpu *c, uint32_t la, unsigned size)
{
    bool old = c->sys_access;
    c->sys_access = true;
    uint32_t v = lin_read(c, la, size);
    c->sys_access = old;
    return v;
}

void sys_write(struct cpu *c, uint32_t la, uint32_t v, unsigned size)
{
    bool old = c->sys_access;
    c->sys_access = true;
    lin_write(c, la, v, size);
    c->sys_access = old;
}

/* Linear address of a selector's descriptor, or false if outside its table. */
static bool desc_addr(const struct cpu *c, uint16_t sel, uint32_t *la)
{
    uint32_t base, limit;
    if (sel & 4) {
        /* A null LDTR has P=0 in its cache: any LDT reference is out. */
        if (!(c->ldtr.attr & SEG_ATTR_P) || (c->ldtr.sel & ~3) == 0)
            return false;
        base = c->ldtr.base;
        limit = c->ldtr.limit;
    } else {
        base = c->gdtr.base;
        limit = c->gdtr.limit;
    }
    uint32_t off = sel & ~7u;
    if (off + 7 > limit)
        return false;
    *la = base + off;
    return true;
}

bool desc_fetch(struct cpu *c, uint16_t sel, struct desc *d)
{
    uint32_t la;
    if (!desc_addr(c, sel, &la))
        return false;
    uint32_t lo = sys_read(c, la, 4);
    uint32_t hi = sys_read(c, la + 4, 4);
    desc_decode(d, lo, hi);
    return true;
}

void desc_set_accessed(struct cpu *c, uint16_t sel, struct desc *d)
{
    if (!d->s || (d->type & 1))
        return;
    uint32_t la;
    if (!desc_addr(c, sel, &la))
        return;
    d->hi |= 1u << 8;
    d->type |= 1;
    d->attr |= SEG_TYPE_ACCESSED;
    sys_write(c, la + 5, (d->hi >> 8) & 0xFF, 1);
}

void desc_write_hi(struct cpu *c, uint16_t sel, uint32_t hi)
{
    uint32_t la;
    if (desc_addr(c, sel, &la))
        sys_write(c, la + 4, hi, 4);
}

void seg_load_cache(struct cpu *c, int sreg, uint16_t sel, const struct desc *d)
{
    struct seg *s = &c->seg[sreg];
    s->sel = sel;
    s->base = d->base;
    s->limit = d->limit;
    s->attr = d->attr;
    if (sreg == S_CS) {
        c->code32 = (d->attr & SEG_ATTR_DB) != 0;
        unsigned old_cpl = c->cpl;
        c->cpl = sel & 3;
        if (old_cpl != c->cpl && (c->cr0 & CR0_AM))
            cpu_mode_changed(c); /* CPL 3 decides alignment checking */
    } else if (sreg == S_SS) {
        c->stack32 = (d->attr & SEG_ATTR_DB) != 0;
    }
}
