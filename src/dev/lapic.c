/* The local APIC; see lapic.h.  Section numbers are the SDM's, vol. 3A. */
#include "dev/lapic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Writable bits of each LVT entry (figure 10-8): vector, delivery mode,
 * polarity, trigger mode, mask; the timer has its mode instead. */
static const uint32_t lvt_writable[LAPIC_NUM_LVT] = {
    [LVT_TIMER] = 0x000700FFu,
    [LVT_THERMAL] = 0x000107FFu,
    [LVT_PERF] = 0x000107FFu,
    [LVT_LINT0] = 0x0001A7FFu,
    [LVT_LINT1] = 0x0001A7FFu,
    [LVT_ERROR] = 0x000100FFu,
};

/* --- the 256-bit registers ------------------------------------------- */

static bool bit_get(const uint32_t *r, unsigned v)
{
    return r[v >> 5] & (1u << (v & 31));
}

static void bit_set(uint32_t *r, unsigned v)
{
    r[v >> 5] |= 1u << (v & 31);
}

static void bit_clear(uint32_t *r, unsigned v)
{
    r[v >> 5] &= ~(1u << (v & 31));
}

/* The highest set vector, or -1. */
static int bit_highest(const uint32_t *r)
{
    for (int i = 7; i >= 0; i--)
        if (r[i])
            return i * 32 + 31 - __builtin_clz(r[i]);
    return -1;
}

/* --- priorities (10.8.3) --------------------------------------------- */

static unsigned isrv(const struct lapic *l)
{
    int v = bit_highest(l->isr);
    return v < 0 ? 0 : (unsigned)v;
}

static uint8_t ppr(const struct lapic *l)
{
    unsigned s = isrv(l);
    return (l->tpr & 0xF0) >= (s & 0xF0) ? (uint8_t)l->tpr : (uint8_t)(s & 0xF0);
}

/* Arbitration priority (10.6.2.4, figure 10-15). */
uint8_t lapic_apr(const struct lapic *l)
{
    int i = bit_highest(l->irr);
    unsigned irrv = i < 0 ? 0 : (unsigned)i, s = isrv(l), t = l->tpr & 0xFF;
    if ((t & 0xF0) >= (irrv & 0xF0) && (t & 0xF0) > (s & 0xF0))
        return (uint8_t)t;
    unsigned m = t & 0xF0;
    if ((s & 0xF0) > m)
        m = s & 0xF0;
    if ((irrv & 0xF0) > m)
        m = irrv & 0xF0;
    return (uint8_t)m;
}

bool lapic_enabled(const struct lapic *l)
{
    return l->apic_base & LAPIC_BASE_ENABLE;
}

static bool sw_enabled(const struct lapic *l)
{
    return l->svr & LAPIC_SVR_ENABLE;
}

/* The 8259's request reaches the CPU directly: APIC disabled, or LINT0 in
 * ExtINT mode and unmasked (virtual wire, MP spec 3.6.2.2). */
static bool pic_passthrough(const struct lapic *l)
{
    uint32_t lint0 = l->lvt[LVT_LINT0];
    return !lapic_enabled(l) ||
           (!(lint0 & LVT_MASKED) && ((lint0 >> 8) & 7) == APIC_DM_EXTINT);
}

/* The vector the APIC would hand the CPU now, or -1 (10.8.3.1: the IRR's
 * highest class must be above the PPR's). */
static int pending_vector(const struct lapic *l)
{
    if (!lapic_enabled(l) || !sw_enabled(l))
        return -1;
    int v = bit_highest(l->irr);
    if (v < 0 || (unsigned)(v & 0xF0) <= (ppr(l) & 0xF0u))
        return -1;
    return v;
}

static void update_intr(struct lapic *l)
{
    bool level = pending_vector(l) >= 0 || (pic_passthrough(l) && l->lint0);
    l->intr = level;
    signal_set(&l->w.intr, level);
}

/* --- errors (10.5.3) ------------------------------------------------- */

static void deliver_local(struct lapic *l, enum lapic_lvt which);

static void raise_error(struct lapic *l, uint32_t bits)
{
    bool fresh = bits & ~l->esr_pending;
    l->esr_pending |= bits;
    /* The error LVT entry is raised when an error is detected; the
     * receive-illegal-vector error of its own vector does not loop. */
    if (fresh)
        deliver_local(l, LVT_ERROR);
}

/* --- accepting interrupts -------------------------------------------- */

/* A fixed interrupt into the IRR (10.8.1); vectors 0-15 are illegal. */
static void accept_fixed(struct lapic *l, uint8_t vector, bool level)
{
    if (vector < 16) {
        raise_error(l, ESR_RECV_ILLEGAL_VECTOR);
        return;
    }
    bit_set(l->irr, vector);
    if (level)
        bit_set(l->tmr, vector);
    else
        bit_clear(l->tmr, vector);
    update_intr(l);
}

/* An LVT entry fires (10.5.1): masked entries do nothing; fixed ones go
 * to the IRR, NMI to the CPU; ExtINT is the passthrough (update_intr). */
static void deliver_local(struct lapic *l, enum lapic_lvt which)
{
    uint32_t e = l->lvt[which];
    if (e & LVT_MASKED)
        return;
    unsigned mode = which == LVT_TIMER || which == LVT_ERROR ? APIC_DM_FIXED : (e >> 8) & 7;
    switch (mode) {
    case APIC_DM_FIXED: {
        bool level = (which == LVT_LINT0 || which == LVT_LINT1) && (e & LVT_LEVEL);
        if (level && (e & 0xFF) >= 16)
            l->lvt[which] |= LVT_REMOTE_IRR;
        accept_fixed(l, (uint8_t)e, level);
        break;
    }
    case APIC_DM_NMI:
        signal_fire(&l->w.nmi, 0);
        break;
    case APIC_DM_EXTINT:
        update_intr(l);
        break;
    default:
        break;  /* SMI (no SMM) and the reserved modes */
    }
}

void lapic_accept(struct lapic *l, const struct apic_msg *m)
{
    switch (m->mode) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST:
        accept_fixed(l, m->vector, m->level);
        break;
    case APIC_DM_NMI:
        signal_fire(&l->w.nmi, 0);
        break;
    case APIC_DM_INIT:
        /* An INIT de-assert (level 0, trigger level) only synchronises
         * the arbitration IDs (10.6.1). */
        if (m->assert || !m->level)
            signal_fire(&l->w.init, 0);
        break;
    case APIC_DM_SIPI:
        signal_fire(&l->w.sipi, m->vector);
        break;
    case APIC_DM_EXTINT:
        /* From an IOAPIC's ExtINT entry, with the vector its INTA cycle
         * took from the 8259: into the IRR as an edge-triggered
         * interrupt, as QEMU does (the P6 hands it to the core past the
         * IRR, so a vector below 16 is refused here as illegal).  The
         * ICR's mode 111b is reserved (10.6.1): a CPU's is dropped. */
        if (m->source < 0)
            accept_fixed(l, m->vector, false);
        break;
    default:
        break;
    }
}

/* Flat or cluster model (10.6.2.2). */
bool lapic_match(const struct lapic *l, bool logical, uint8_t dest)
{
    if (!lapic_enabled(l))
        return false;
    if (!logical)
        return dest == 0xFF || dest == (uint8_t)(l->id >> 24);
    if (dest == 0xFF)
        return true;
    uint8_t ld = (uint8_t)(l->ldr >> 24);
    if ((l->dfr >> 28) == 0xF)
        return (ld & dest) != 0;
    return (ld >> 4) == (dest >> 4) && (ld & dest & 0x0F) != 0;
}

void lapic_set_lint0(struct lapic *l, bool level)
{
    bool old = l->lint0;
    l->lint0 = level;
    if (!lapic_enabled(l)) {
        update_intr(l);
        return;
    }
    uint32_t e = l->lvt[LVT_LINT0];
    unsigned mode = (e >> 8) & 7;
    if (mode == APIC_DM_EXTINT) {
        update_intr(l);
    } else if (level && !old) {
        deliver_local(l, LVT_LINT0);
    } else if (!level && old && mode == APIC_DM_FIXED && (e & LVT_LEVEL) &&
               !bit_get(l->isr, e & 0xFF)) {
        /* A level-triggered request withdrawn before it was taken. */
        bit_clear(l->irr, e & 0xFF);
        update_intr(l);
    }
}

void lapic_set_lint1(struct lapic *l, bool level)
{
    if (!lapic_enabled(l)) {
        if (level)
            signal_fire(&l->w.nmi, 0);   /* LINT1 is the NMI pin */
        return;
    }
    if (level)
        deliver_local(l, LVT_LINT1);
}

int lapic_ack(struct lapic *l)
{
    int v = pending_vector(l);
    if (v >= 0) {
        bit_clear(l->irr, (unsigned)v);
        bit_set(l->isr, (unsigned)v);
        l->stats.delivered++;
        update_intr(l);
        return v;
    }
    if (pic_passthrough(l) && l->lint0 && l->w.extint_ack) {
        l->stats.extint++;
        v = l->w.extint_ack(l->w.extint_opaque);
        update_intr(l);
        return v;
    }
    if (!lapic_enabled(l))
        return -1;
    /* The request went away between INTR and INTA (a TPR raise): the
     * spurious vector, with nothing put in service (10.9). */
    l->stats.spurious++;
    update_intr(l);
    return (int)(l->svr & 0xFF);
}

static void eoi(struct lapic *l)
{
    int v = bit_highest(l->isr);
    if (v < 0)
        return;
    bit_clear(l->isr, (unsigned)v);
    l->stats.eoi++;
    uint32_t *lint0 = &l->lvt[LVT_LINT0];
    if ((*lint0 & 0xFF) == (unsigned)v)
        *lint0 &= ~LVT_REMOTE_IRR;
    /* Level-triggered: the EOI message to the IOAPICs (10.8.5). */
    if (bit_get(l->tmr, (unsigned)v))
        apic_eoi_send(&l->w.eoi, (uint8_t)v);
    update_intr(l);
}

/* --- the timer (10.5.4) ---------------------------------------------- */

static unsigned divisor_shift(uint32_t dcr)
{
    unsigned v = (dcr & 3) | ((dcr >> 1) & 4);   /* bits 0, 1, 3 */
    return (v + 1) & 7;                           /* 0 = /2 ... 7 = /1 */
}

static unsigned timer_mode(const struct lapic *l)
{
    return LVT_TIMER_MODE(l->lvt[LVT_TIMER]);
}

static uint64_t ticks_since(const struct lapic *l, uint64_t now)
{
    return now > l->load_ns ? (now - l->load_ns) >> divisor_shift(l->dcr) : 0;
}

static uint32_t current_count(const struct lapic *l, uint64_t now)
{
    if (!l->running || timer_mode(l) == LAPIC_TIMER_TSC_DEADLINE)
        return 0;
    uint64_t t = ticks_since(l, now);
    if (t < l->load_count)
        return (uint32_t)(l->load_count - t);
    if (timer_mode(l) != LAPIC_TIMER_PERIODIC || !l->initial)
        return 0;
    return (uint32_t)(l->initial - (t - l->load_count) % l->initial);
}

/* The next expiry after `now` that the host must act on, or SCHED_NEVER.
 * A masked timer in one-shot or periodic mode raises nothing, and its
 * count follows from the time when read: it is not scheduled (a masked
 * 1 ns period would otherwise keep the host busy while the guest
 * sleeps). */
static uint64_t next_expiry(const struct lapic *l, uint64_t now)
{
    if (timer_mode(l) == LAPIC_TIMER_TSC_DEADLINE)
        return l->tsc_deadline ? l->deadline_ns : SCHED_NEVER;
    if (!l->running || (l->lvt[LVT_TIMER] & LVT_MASKED))
        return SCHED_NEVER;
    unsigned sh = divisor_shift(l->dcr);
    uint64_t t = ticks_since(l, now), at = l->load_count;
    if (t >= at) {
        if (timer_mode(l) != LAPIC_TIMER_PERIODIC || !l->initial)
            return l->load_ns + (at << sh);  /* past: fires at once */
        at += ((t - at) / l->initial + 1) * l->initial;
    }
    return l->load_ns + (at << sh);
}

static void timer_rearm(struct lapic *l, uint64_t now)
{
    timer_arm(l->w.sched, &l->timer, next_expiry(l, now));
}

static void timer_fire(void *opaque, uint64_t now)
{
    struct lapic *l = opaque;
    l->stats.timer++;
    if (timer_mode(l) == LAPIC_TIMER_TSC_DEADLINE) {
        l->tsc_deadline = 0;    /* 10.5.4.1: the MSR clears when it fires */
    } else if (timer_mode(l) != LAPIC_TIMER_PERIODIC || !l->initial) {
        l->running = false;     /* one-shot: stays at zero */
    }
    deliver_local(l, LVT_TIMER);
    timer_rearm(l, now);
}

/* Restarts the count from `count` now (initial-count writes; a divider
 * change keeps the count where it is). */
static void timer_load(struct lapic *l, uint32_t count, uint64_t now)
{
    l->load_ns = now;
    l->load_count = count;
    l->running = count != 0;
    timer_rearm(l, now);
}

/* --- the registers (table 10-1) -------------------------------------- */

static void set_svr(struct lapic *l, uint32_t v)
{
    l->svr = v & 0x1FF;   /* vector, APIC software enable (QEMU's mask) */
    if (!sw_enabled(l))
        for (unsigned i = 0; i < LAPIC_NUM_LVT; i++)
            l->lvt[i] |= LVT_MASKED;   /* 10.4.7.2 */
    update_intr(l);
}

static void set_lvt(struct lapic *l, unsigned i, uint32_t v, uint64_t now)
{
    uint32_t old = l->lvt[i];
    uint32_t keep = old & (LVT_REMOTE_IRR | (1u << 12));
    v &= lvt_writable[i];
    if (i == LVT_TIMER && LVT_TIMER_MODE(v) == 3)
        v &= ~(3u << 17);    /* reserved mode */
    if (!sw_enabled(l))
        v |= LVT_MASKED;
    l->lvt[i] = v | keep;
    if (i == LVT_TIMER) {
        /* Into or out of TSC-deadline mode the timer disarms
         * (10.5.4.1); between one-shot and periodic it keeps counting. */
        if (LVT_TIMER_MODE(v) != LVT_TIMER_MODE(old) &&
            (LVT_TIMER_MODE(v) == LAPIC_TIMER_TSC_DEADLINE ||
             LVT_TIMER_MODE(old) == LAPIC_TIMER_TSC_DEADLINE)) {
            l->running = false;
            l->initial = l->load_count = 0;
            l->tsc_deadline = 0;
        }
        timer_rearm(l, now);   /* the mode or the mask changed */
    }
    update_intr(l);
}

/* ICR low written: send the IPI (10.6.1). */
static void send_ipi(struct lapic *l)
{
    uint32_t lo = l->icr_lo;
    struct apic_msg m = {
        .vector = (uint8_t)lo,
        .mode = (lo >> 8) & 7,
        .logical = lo & (1u << 11),
        .assert = lo & (1u << 14),
        .level = lo & (1u << 15),
        .shorthand = (lo >> 18) & 3,
        .dest = (uint8_t)(l->icr_hi >> 24),
        .source = (int)(l->id >> 24),
    };
    l->stats.ipi++;
    if ((m.mode == APIC_DM_FIXED || m.mode == APIC_DM_LOWEST) && m.vector < 16) {
        raise_error(l, ESR_SEND_ILLEGAL_VECTOR);
        return;
    }
    /* Only INIT takes a trigger mode; the others are edge (10.6.1). */
    if (m.mode != APIC_DM_INIT)
        m.level = false;
    if (m.shorthand == APIC_SH_SELF) {
        lapic_accept(l, &m);
        return;
    }
    if (m.shorthand == APIC_SH_ALL || m.shorthand == APIC_SH_OTHERS)
        m.logical = false, m.dest = 0xFF;
    apic_bus_send(&l->w.bus, &m);
}

static uint64_t now_ns(const struct lapic *l)
{
    return dev_clock_now(&l->w.clock);
}

uint32_t lapic_read(struct lapic *l, uint32_t offset)
{
    unsigned reg = offset & 0xFF0;
    if (reg >= LAPIC_ISR && reg < LAPIC_ISR + 0x80)
        return l->isr[(reg - LAPIC_ISR) >> 4];
    if (reg >= LAPIC_TMR && reg < LAPIC_TMR + 0x80)
        return l->tmr[(reg - LAPIC_TMR) >> 4];
    if (reg >= LAPIC_IRR && reg < LAPIC_IRR + 0x80)
        return l->irr[(reg - LAPIC_IRR) >> 4];
    if (reg >= LAPIC_LVT_TIMER && reg < LAPIC_LVT_TIMER + 0x10 * LAPIC_NUM_LVT)
        return l->lvt[(reg - LAPIC_LVT_TIMER) >> 4];
    switch (reg) {
    case LAPIC_ID: return l->id;
    case LAPIC_VER: return LAPIC_VERSION;
    case LAPIC_TPR: return l->tpr;
    case LAPIC_APR: return lapic_apr(l);
    case LAPIC_PPR: return ppr(l);
    case LAPIC_EOI: return 0;
    case LAPIC_RRD: return 0;
    case LAPIC_LDR: return l->ldr;
    case LAPIC_DFR: return l->dfr;
    case LAPIC_SVR: return l->svr;
    case LAPIC_ESR: return l->esr;
    case LAPIC_ICR_LO: return l->icr_lo;   /* delivery status: idle */
    case LAPIC_ICR_HI: return l->icr_hi;
    case LAPIC_TIMER_ICR: return l->initial;
    case LAPIC_TIMER_CCR: return current_count(l, now_ns(l));
    case LAPIC_TIMER_DCR: return l->dcr;
    default:
        raise_error(l, ESR_ILLEGAL_REGISTER);
        return 0;
    }
}

void lapic_write(struct lapic *l, uint32_t offset, uint32_t v)
{
    unsigned reg = offset & 0xFF0;
    uint64_t now = now_ns(l);
    if (reg >= LAPIC_LVT_TIMER && reg < LAPIC_LVT_TIMER + 0x10 * LAPIC_NUM_LVT) {
        set_lvt(l, (reg - LAPIC_LVT_TIMER) >> 4, v, now);
        return;
    }
    switch (reg) {
    case LAPIC_ID:
        l->id = v & 0xFF000000u;
        break;
    case LAPIC_TPR:
        l->tpr = v & 0xFF;
        update_intr(l);
        break;
    case LAPIC_EOI:
        eoi(l);
        break;
    case LAPIC_LDR:
        l->ldr = v & 0xFF000000u;
        break;
    case LAPIC_DFR:
        l->dfr = v | 0x0FFFFFFFu;
        break;
    case LAPIC_SVR:
        set_svr(l, v);
        break;
    case LAPIC_ESR:
        /* A write latches the errors since the last one and clears them
         * (10.5.3). */
        l->esr = l->esr_pending;
        l->esr_pending = 0;
        break;
    case LAPIC_ICR_LO:
        l->icr_lo = v & 0x000CDFFFu;
        send_ipi(l);
        break;
    case LAPIC_ICR_HI:
        l->icr_hi = v & 0xFF000000u;
        break;
    case LAPIC_TIMER_ICR:
        if (timer_mode(l) == LAPIC_TIMER_TSC_DEADLINE)
            break;   /* ignored in TSC-deadline mode (10.5.4.1) */
        l->initial = v;
        timer_load(l, v, now);
        break;
    case LAPIC_TIMER_DCR: {
        uint32_t count = current_count(l, now);
        bool running = l->running;
        l->dcr = v & 0xB;
        if (running && timer_mode(l) != LAPIC_TIMER_TSC_DEADLINE)
            timer_load(l, count, now);
        break;
    }
    case LAPIC_VER: case LAPIC_APR: case LAPIC_PPR: case LAPIC_RRD:
    case LAPIC_TIMER_CCR:
        break;  /* read-only */
    default:
        if ((reg >= LAPIC_ISR && reg < LAPIC_IRR + 0x80))
            break;  /* ISR, TMR, IRR: read-only */
        raise_error(l, ESR_ILLEGAL_REGISTER);
        break;
    }
}

/* Accesses narrower than 32 bits read part of the register; writes other
 * than an aligned 32-bit store are dropped (10.4.1: the registers must be
 * accessed with aligned 32-bit loads and stores). */
static uint32_t mmio_read(void *opaque, uint32_t offset, unsigned size)
{
    struct lapic *l = opaque;
    if ((offset & 0xF) + size > 4)
        return 0;
    uint32_t v = lapic_read(l, offset);
    v >>= (offset & 3) * 8;
    return size >= 4 ? v : v & ((1u << (size * 8)) - 1);
}

static void mmio_write(void *opaque, uint32_t offset, uint32_t value, unsigned size)
{
    if (size == 4 && (offset & 0xF) == 0)
        lapic_write(opaque, offset, value);
}

static const struct mmio_ops lapic_mmio = { .read = mmio_read, .write = mmio_write };

/* The register page follows IA32_APIC_BASE while the APIC is enabled. */
static void remap(struct lapic *l)
{
    uint32_t want = lapic_enabled(l) ? (uint32_t)(l->apic_base & LAPIC_BASE_ADDR) : 0;
    if (want == l->mapped)
        return;
    if (l->mapped && l->w.space.unmap_mem)
        l->w.space.unmap_mem(l->w.space.opaque, l->mapped, l);
    l->mapped = 0;
    /* A page that clashes with another region (RAM below 4 GiB, a ROM)
     * stays unmapped: the other region wins, as the registers would be
     * unreachable there on most chipsets anyway. */
    if (want && l->w.space.map_mem &&
        l->w.space.map_mem(l->w.space.opaque, want, 0x1000, &lapic_mmio, l, l->dev.name) == 0)
        l->mapped = want;
}

/* The state after RESET or after the APIC is re-enabled (10.4.7.1). */
static void regs_reset(struct lapic *l)
{
    l->tpr = l->ldr = 0;
    l->dfr = 0xFFFFFFFFu;
    l->svr = 0xFF;
    memset(l->isr, 0, sizeof(l->isr));
    memset(l->tmr, 0, sizeof(l->tmr));
    memset(l->irr, 0, sizeof(l->irr));
    l->esr = l->esr_pending = 0;
    l->icr_lo = l->icr_hi = 0;
    for (unsigned i = 0; i < LAPIC_NUM_LVT; i++)
        l->lvt[i] = LVT_MASKED;
    l->dcr = 0;
    l->initial = l->load_count = 0;
    l->running = false;
    l->tsc_deadline = 0;
    timer_disarm(l->w.sched, &l->timer);
}

void lapic_init_reset(struct lapic *l)
{
    regs_reset(l);
    update_intr(l);
}

static void set_apic_base(struct lapic *l, uint64_t v)
{
    bool was = lapic_enabled(l);
    l->apic_base = v;
    if (was && !lapic_enabled(l))
        regs_reset(l);
    remap(l);
    update_intr(l);
}

bool lapic_msr_read(struct lapic *l, uint32_t index, uint64_t *value)
{
    if (index == 0x1B) {
        *value = l->apic_base;
        return true;
    }
    if (index == LAPIC_MSR_TSC_DEADLINE && lapic_enabled(l)) {
        *value = timer_mode(l) == LAPIC_TIMER_TSC_DEADLINE ? l->tsc_deadline : 0;
        return true;
    }
    return false;
}

bool lapic_msr_write(struct lapic *l, uint32_t index, uint64_t v)
{
    if (index == 0x1B) {
        /* Bits 7:0, 9, 10 and 63:36 (36-bit physical addresses) are
         * reserved; BSP is read-only (10.4.4). */
        if (v & (0xFFFFFFF000000000ull | 0x6FFull))
            return false;
        set_apic_base(l, (v & ~(uint64_t)LAPIC_BASE_BSP) | (l->bsp ? LAPIC_BASE_BSP : 0));
        return true;
    }
    if (index == LAPIC_MSR_TSC_DEADLINE && lapic_enabled(l)) {
        /* Writes in another timer mode are ignored (10.5.4.1). */
        if (timer_mode(l) != LAPIC_TIMER_TSC_DEADLINE)
            return true;
        l->tsc_deadline = v;
        if (v) {
            l->deadline_ns = l->w.tsc_to_ns ? l->w.tsc_to_ns(l->w.tsc_opaque, v) : now_ns(l);
            timer_arm(l->w.sched, &l->timer, l->deadline_ns);
        } else {
            timer_disarm(l->w.sched, &l->timer);
        }
        return true;
    }
    return false;
}

/* --- the device ------------------------------------------------------ */

static void lapic_reset_dev(struct device *d)
{
    struct lapic *l = container_of(d, struct lapic, dev);
    l->id = (uint32_t)l->initial_id << 24;
    regs_reset(l);   /* lint0 is the 8259's level: it keeps it */
    set_apic_base(l, LAPIC_DEFAULT_BASE | LAPIC_BASE_ENABLE | (l->bsp ? LAPIC_BASE_BSP : 0));
}

static void put_regs(struct state_out *out, const uint32_t *r, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        state_put_u32(out, r[i]);
}

static void get_regs(struct state_in *in, uint32_t *r, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        r[i] = state_get_u32(in);
}

static void lapic_save(const struct device *d, struct state_out *out)
{
    const struct lapic *l = container_of(d, const struct lapic, dev);
    state_put_u64(out, l->apic_base);
    state_put_u32(out, l->id);
    state_put_u32(out, l->tpr);
    state_put_u32(out, l->ldr);
    state_put_u32(out, l->dfr);
    state_put_u32(out, l->svr);
    put_regs(out, l->isr, 8);
    put_regs(out, l->tmr, 8);
    put_regs(out, l->irr, 8);
    state_put_u32(out, l->esr);
    state_put_u32(out, l->esr_pending);
    state_put_u32(out, l->icr_lo);
    state_put_u32(out, l->icr_hi);
    put_regs(out, l->lvt, LAPIC_NUM_LVT);
    state_put_u32(out, l->dcr);
    state_put_bool(out, l->lint0);
    state_put_u32(out, l->initial);
    state_put_u32(out, l->load_count);
    state_put_u64(out, l->load_ns);
    state_put_bool(out, l->running);
    state_put_u64(out, l->tsc_deadline);
    state_put_u64(out, l->deadline_ns);
    /* The scheduled expiry itself: it cannot be recomputed without the
     * time of the save (a periodic timer's past expiries must not fire
     * again after a load). */
    state_put_u64(out, l->timer.armed ? l->timer.deadline : SCHED_NEVER);
}

static int lapic_load(struct device *d, struct state_in *in, bool commit)
{
    struct lapic *l = container_of(d, struct lapic, dev);
    struct lapic n = *l;
    n.apic_base = state_get_u64(in);
    n.id = state_get_u32(in);
    n.tpr = state_get_u32(in);
    n.ldr = state_get_u32(in);
    n.dfr = state_get_u32(in);
    n.svr = state_get_u32(in);
    get_regs(in, n.isr, 8);
    get_regs(in, n.tmr, 8);
    get_regs(in, n.irr, 8);
    n.esr = state_get_u32(in);
    n.esr_pending = state_get_u32(in);
    n.icr_lo = state_get_u32(in);
    n.icr_hi = state_get_u32(in);
    get_regs(in, n.lvt, LAPIC_NUM_LVT);
    n.dcr = state_get_u32(in);
    n.lint0 = state_get_bool(in);
    n.initial = state_get_u32(in);
    n.load_count = state_get_u32(in);
    n.load_ns = state_get_u64(in);
    n.running = state_get_bool(in);
    n.tsc_deadline = state_get_u64(in);
    n.deadline_ns = state_get_u64(in);
    uint64_t armed_at = state_get_u64(in);
    bool ok = !(n.apic_base & 0xFFFFFFF0000006FFull) && !(n.id & 0x00FFFFFFu) &&
              n.tpr <= 0xFF && !(n.ldr & 0x00FFFFFFu) && (n.dfr | 0xF0000000u) == 0xFFFFFFFFu &&
              n.svr <= 0x1FF && !(n.esr & ~0xFFu) && !(n.esr_pending & ~0xFFu) &&
              !(n.icr_lo & ~0x000CDFFFu) && !(n.icr_hi & 0x00FFFFFFu) && !(n.dcr & ~0xBu) &&
              n.load_count <= n.initial;
    for (unsigned i = 0; i < LAPIC_NUM_LVT; i++)
        ok = ok && !(n.lvt[i] & ~(lvt_writable[i] | LVT_REMOTE_IRR | (1u << 12)));
    if (!ok)
        state_in_fail(in);
    if (!state_in_ok(in, true))
        return -1;
    if (commit) {
        struct timer t = l->timer;   /* the queue's links stay */
        uint32_t mapped = l->mapped;
        *l = n;
        l->timer = t;
        l->mapped = mapped;
        l->apic_base = (l->apic_base & ~(uint64_t)LAPIC_BASE_BSP) |
                       (l->bsp ? LAPIC_BASE_BSP : 0);
        remap(l);
        /* Where it was (a snapshot may restore the clock after the
         * devices, so the clock is not asked). */
        timer_arm(l->w.sched, &l->timer, armed_at);
        update_intr(l);
    }
    return 0;
}

static void lapic_dump(const struct device *d, char *buf, size_t len)
{
    const struct lapic *l = container_of(d, const struct lapic, dev);
    snprintf(buf, len,
             "base %08llx%s id %u svr %03x tpr %02x ppr %02x irr %d isr %d timer %05x "
             "init %u%s lint0 %05x%s delivered %llu extint %llu timer-fires %llu "
             "eoi %llu ipi %llu",
             (unsigned long long)l->apic_base, lapic_enabled(l) ? "" : " (disabled)",
             l->id >> 24, l->svr, l->tpr, ppr(l), bit_highest(l->irr), bit_highest(l->isr),
             l->lvt[LVT_TIMER], l->initial, l->running ? " running" : "", l->lvt[LVT_LINT0],
             l->lint0 ? " (high)" : "", (unsigned long long)l->stats.delivered,
             (unsigned long long)l->stats.extint, (unsigned long long)l->stats.timer,
             (unsigned long long)l->stats.eoi, (unsigned long long)l->stats.ipi);
}

static const struct device_ops lapic_ops = {
    .type = "lapic", .reset = lapic_reset_dev, .save = lapic_save, .load = lapic_load,
    .dump = lapic_dump, .destroy = device_free,
};
_Static_assert(offsetof(struct lapic, dev) == 0, "device_free frees the state");

struct lapic *lapic_create(const char *name, uint8_t apic_id, bool bsp,
                           const struct lapic_wiring *w)
{
    struct lapic *l = calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    device_init(&l->dev, &lapic_ops, name);
    l->w = *w;
    l->initial_id = apic_id;
    l->bsp = bsp;
    timer_init(&l->timer, timer_fire, l, false);
    return l;
}
