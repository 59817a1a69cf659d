/* The local APIC alone (dev/lapic.h): registers, priorities, self-IPIs,
 * the timer's three modes and the 8259 behind LINT0, on a hand-stepped
 * clock with the board's lines replaced by recorders. */
#include "check.h"
#include "dev/board_util.h"
#include "dev/lapic.h"

#include <string.h>

static uint64_t now;
static struct sched sched;
static bool intr;
static unsigned nmis, inits, sipis, sipi_vector, pic_acks, sent;
static int eoi_vector = -1;
static struct apic_msg last_sent;

static void set_intr(void *o, bool level) { intr = level; }
static void fire_nmi(void *o, uint32_t v) { nmis++; }
static void fire_init(void *o, uint32_t v) { inits++; }
static void fire_sipi(void *o, uint32_t v) { sipis++; sipi_vector = v; }
static int pic_ack(void *o) { pic_acks++; return 0x08; }
static void bus_send(void *o, const struct apic_msg *m) { sent++; last_sent = *m; }
static void bus_eoi(void *o, uint8_t v) { eoi_vector = v; }
static uint64_t tsc_ns(void *o, uint64_t tsc) { return tsc; }   /* TSC = ns */

static struct lapic *make(void)
{
    struct lapic_wiring w = {
        .clock = fake_clock(&now), .sched = &sched,
        .intr = { .set = set_intr }, .nmi = { .fire = fire_nmi },
        .init = { .fire = fire_init }, .sipi = { .fire = fire_sipi },
        .extint_ack = pic_ack, .bus = { .send = bus_send }, .eoi = { .eoi = bus_eoi },
        .tsc_to_ns = tsc_ns,
    };
    struct lapic *l = lapic_create("lapic0", 0, true, &w);
    l->dev.ops->reset(&l->dev);
    return l;
}

static void run_to(uint64_t t)
{
    now = t;
    sched_run_due(&sched, now);
}

static uint32_t rd(struct lapic *l, uint32_t r) { return lapic_read(l, r); }
static void wr(struct lapic *l, uint32_t r, uint32_t v) { lapic_write(l, r, v); }
static uint32_t lvt(unsigned i) { return LAPIC_LVT_TIMER + 0x10 * i; }
static bool irr(struct lapic *l, unsigned v) { return l->irr[v >> 5] & (1u << (v & 31)); }

static void self_ipi(struct lapic *l, uint8_t v)
{
    wr(l, LAPIC_ICR_LO, 0x40000u | v);   /* fixed, self */
}

static void test_reset(struct lapic *l)
{
    CHECK_EQ(rd(l, LAPIC_ID), 0);
    CHECK_EQ(rd(l, LAPIC_VER), 0x50014);
    CHECK_EQ(rd(l, LAPIC_SVR), 0xFF);
    CHECK_EQ(rd(l, LAPIC_DFR), 0xFFFFFFFFu);
    for (unsigned i = 0; i < LAPIC_NUM_LVT; i++)
        CHECK_EQ(rd(l, lvt(i)), LVT_MASKED);
    uint64_t base;
    CHECK(lapic_msr_read(l, 0x1B, &base));
    CHECK_EQ(base, 0xFEE00900u);
    /* Software-disabled: an LVT entry cannot be unmasked (10.4.7.2). */
    wr(l, lvt(LVT_TIMER), 0x30);
    CHECK_EQ(rd(l, lvt(LVT_TIMER)), 0x10030);
    CHECK(!intr);
}

static void test_priorities(struct lapic *l)
{
    wr(l, LAPIC_SVR, 0x1FF);
    self_ipi(l, 0x40);
    CHECK(intr);
    CHECK_EQ(lapic_ack(l), 0x40);
    CHECK_EQ(rd(l, LAPIC_PPR), 0x40);
    CHECK_EQ(rd(l, LAPIC_ISR + 0x20), 1u);   /* vector 0x40: ISR word 2 bit 0 */
    self_ipi(l, 0x45);               /* same class: waits */
    CHECK(!intr);
    self_ipi(l, 0x30);               /* lower class: waits */
    CHECK(!intr);
    self_ipi(l, 0x51);               /* higher: nests */
    CHECK(intr);
    CHECK_EQ(lapic_ack(l), 0x51);
    CHECK(!intr);
    wr(l, LAPIC_EOI, 0);             /* ends 0x51, the highest in service */
    CHECK(!intr);
    CHECK_EQ(rd(l, LAPIC_PPR), 0x40);
    wr(l, LAPIC_EOI, 0);             /* ends 0x40: 0x45 next, then 0x30 */
    CHECK(intr);
    CHECK_EQ(lapic_ack(l), 0x45);
    wr(l, LAPIC_EOI, 0);
    CHECK_EQ(lapic_ack(l), 0x30);
    wr(l, LAPIC_EOI, 0);
    CHECK(!intr);
    CHECK_EQ(rd(l, LAPIC_PPR), 0);
    CHECK_EQ(l->stats.eoi, 4);

    /* TPR: a class at or below TPR[7:4] waits. */
    wr(l, LAPIC_TPR, 0x60);
    self_ipi(l, 0x65);
    CHECK(!intr);
    CHECK_EQ(rd(l, LAPIC_PPR), 0x60);
    wr(l, LAPIC_TPR, 0x5F);
    CHECK(intr);
    /* The TPR raised between INTR and INTA: the spurious vector. */
    wr(l, LAPIC_TPR, 0x70);
    CHECK_EQ(lapic_ack(l), 0xFF);
    CHECK(irr(l, 0x65));
    wr(l, LAPIC_TPR, 0);
    CHECK_EQ(lapic_ack(l), 0x65);
    wr(l, LAPIC_EOI, 0);
    CHECK_EQ(eoi_vector, -1);        /* edge: no EOI message */

    /* Level-triggered from the bus: the EOI message names the vector. */
    struct apic_msg m = { .vector = 0x71, .mode = APIC_DM_FIXED, .level = true, .assert = true };
    lapic_accept(l, &m);
    CHECK_EQ(rd(l, LAPIC_TMR + 0x30), 1u << 17);
    CHECK_EQ(lapic_ack(l), 0x71);
    wr(l, LAPIC_EOI, 0);
    CHECK_EQ(eoi_vector, 0x71);

    /* ExtINT from an IOAPIC, with the 8259's vector its INTA took: an
     * edge-triggered request in the IRR (QEMU's model); no INTA reaches
     * the 8259 here.  A CPU's ICR mode 111b is reserved: dropped. */
    unsigned acks = pic_acks;
    eoi_vector = -1;
    m = (struct apic_msg){ .vector = 0x38, .mode = APIC_DM_EXTINT, .assert = true, .source = -1 };
    lapic_accept(l, &m);
    CHECK(irr(l, 0x38));
    CHECK_EQ(rd(l, LAPIC_TMR + 0x10), 0);
    CHECK(intr);
    CHECK_EQ(lapic_ack(l), 0x38);
    CHECK_EQ(pic_acks, acks);
    wr(l, LAPIC_EOI, 0);
    CHECK_EQ(eoi_vector, -1);
    CHECK(!intr);
    m.source = 0;
    lapic_accept(l, &m);
    CHECK(!irr(l, 0x38));
    CHECK(!intr);
}

static void test_esr_and_ipis(struct lapic *l)
{
    self_ipi(l, 5);                  /* illegal vector: not sent */
    CHECK(!intr);
    CHECK_EQ(rd(l, LAPIC_ESR), 0);   /* nothing latched before a write */
    wr(l, LAPIC_ESR, 0);
    CHECK_EQ(rd(l, LAPIC_ESR), ESR_SEND_ILLEGAL_VECTOR);
    wr(l, LAPIC_ESR, 0);
    CHECK_EQ(rd(l, LAPIC_ESR), 0);
    /* The error LVT entry fires on a new error. */
    wr(l, lvt(LVT_ERROR), 0xE3);
    rd(l, 0x3F0);                    /* no register: illegal address */
    CHECK(irr(l, 0xE3));
    CHECK_EQ(lapic_ack(l), 0xE3);
    wr(l, LAPIC_EOI, 0);
    wr(l, LAPIC_ESR, 0);
    CHECK_EQ(rd(l, LAPIC_ESR), ESR_ILLEGAL_REGISTER);
    wr(l, lvt(LVT_ERROR), LVT_MASKED);

    /* Shorthands: all-including-self goes on the bus as a broadcast;
     * all-but-self too; a destination goes out as given. */
    unsigned s0 = sent;
    wr(l, LAPIC_ICR_HI, 0x03000000u);
    wr(l, LAPIC_ICR_LO, 0x00000842u);        /* fixed, logical, dest 3 */
    CHECK_EQ(sent, s0 + 1);
    CHECK(last_sent.logical);
    CHECK_EQ(last_sent.dest, 3);
    CHECK_EQ(last_sent.vector, 0x42);
    wr(l, LAPIC_ICR_LO, 0x000C4500u);        /* INIT to all but self */
    CHECK_EQ(sent, s0 + 2);
    CHECK_EQ(last_sent.shorthand, APIC_SH_OTHERS);
    CHECK_EQ(last_sent.dest, 0xFF);
    CHECK_EQ(last_sent.mode, APIC_DM_INIT);
    CHECK_EQ(rd(l, LAPIC_ICR_LO) & (1u << 12), 0);   /* delivery status idle */
    wr(l, LAPIC_ICR_LO, 0x00040400u);        /* NMI to self */
    CHECK_EQ(nmis, 1);
    wr(l, LAPIC_ICR_LO, 0x00040609u);        /* SIPI to self */
    CHECK_EQ(sipis, 1);
    CHECK_EQ(sipi_vector, 9);

    /* Destinations: physical ID, flat and cluster logical. */
    CHECK(lapic_match(l, false, 0));
    CHECK(!lapic_match(l, false, 1));
    CHECK(lapic_match(l, false, 0xFF));
    wr(l, LAPIC_LDR, 0x04000000u);
    CHECK(lapic_match(l, true, 0x06));
    CHECK(!lapic_match(l, true, 0x03));
    wr(l, LAPIC_DFR, 0x0FFFFFFFu);           /* cluster: cluster 0, member bit 2 */
    CHECK_EQ(rd(l, LAPIC_DFR), 0x0FFFFFFFu);
    CHECK(lapic_match(l, true, 0x04));
    wr(l, LAPIC_LDR, 0x21000000u);           /* cluster 2, member bit 0 */
    CHECK(lapic_match(l, true, 0x23));
    CHECK(!lapic_match(l, true, 0x13));
    wr(l, LAPIC_DFR, 0xFFFFFFFFu);
}

static void test_timer(struct lapic *l)
{
    run_to(1000000);
    wr(l, LAPIC_TIMER_DCR, 0xB);             /* divide by 1 */
    wr(l, lvt(LVT_TIMER), 0x61);             /* one-shot */
    wr(l, LAPIC_TIMER_ICR, 1000);
    run_to(1000000 + 400);
    CHECK_EQ(rd(l, LAPIC_TIMER_CCR), 600);
    run_to(1000000 + 999);
    CHECK(!irr(l, 0x61));
    run_to(1000000 + 1000);
    CHECK(irr(l, 0x61));
    CHECK_EQ(rd(l, LAPIC_TIMER_CCR), 0);
    CHECK_EQ(lapic_ack(l), 0x61);
    wr(l, LAPIC_EOI, 0);
    run_to(1000000 + 5000);
    CHECK(!irr(l, 0x61));                    /* once */
    CHECK_EQ(l->stats.timer, 1);

    /* Periodic, divide by 2: every 200 ns, the count reloading. */
    uint64_t t0 = 2000000;
    run_to(t0);
    wr(l, LAPIC_TIMER_DCR, 0x0);
    wr(l, lvt(LVT_TIMER), 0x20062);
    wr(l, LAPIC_TIMER_ICR, 100);
    run_to(t0 + 50);
    CHECK_EQ(rd(l, LAPIC_TIMER_CCR), 75);
    unsigned fires = 0;
    for (unsigned k = 1; k <= 5; k++) {
        run_to(t0 + 200 * k);
        if (irr(l, 0x62)) {
            fires++;
            CHECK_EQ(lapic_ack(l), 0x62);
            wr(l, LAPIC_EOI, 0);
        }
    }
    CHECK_EQ(fires, 5);
    run_to(t0 + 1050);
    CHECK_EQ(rd(l, LAPIC_TIMER_CCR), 75);
    /* A divider change keeps the count: /8 makes it last four times as
     * long from here. */
    wr(l, LAPIC_TIMER_DCR, 0x2);
    run_to(t0 + 1050 + 8 * 10);
    CHECK_EQ(rd(l, LAPIC_TIMER_CCR), 65);
    /* Masked: counts, does not interrupt. */
    wr(l, lvt(LVT_TIMER), 0x30062);
    run_to(t0 + 100000);
    CHECK(!irr(l, 0x62));
    wr(l, LAPIC_TIMER_ICR, 0);               /* stops */
    CHECK_EQ(rd(l, LAPIC_TIMER_CCR), 0);

    /* TSC deadline (this test's TSC counts nanoseconds). */
    uint64_t v;
    CHECK(lapic_msr_write(l, LAPIC_MSR_TSC_DEADLINE, now + 10));  /* ignored */
    CHECK(lapic_msr_read(l, LAPIC_MSR_TSC_DEADLINE, &v));
    CHECK_EQ(v, 0);
    wr(l, lvt(LVT_TIMER), 0x40063);
    wr(l, LAPIC_TIMER_ICR, 5);               /* ignored in this mode */
    CHECK_EQ(rd(l, LAPIC_TIMER_ICR), 0);
    uint64_t d = now + 300;
    CHECK(lapic_msr_write(l, LAPIC_MSR_TSC_DEADLINE, d));
    CHECK(lapic_msr_read(l, LAPIC_MSR_TSC_DEADLINE, &v));
    CHECK_EQ(v, d);
    run_to(d - 1);
    CHECK(!irr(l, 0x63));
    run_to(d);
    CHECK(irr(l, 0x63));
    CHECK(lapic_msr_read(l, LAPIC_MSR_TSC_DEADLINE, &v));
    CHECK_EQ(v, 0);                          /* cleared when it fires */
    CHECK_EQ(lapic_ack(l), 0x63);
    wr(l, LAPIC_EOI, 0);
    /* Disarmed by writing 0, and by leaving the mode. */
    CHECK(lapic_msr_write(l, LAPIC_MSR_TSC_DEADLINE, now + 100));
    CHECK(lapic_msr_write(l, LAPIC_MSR_TSC_DEADLINE, 0));
    run_to(now + 1000);
    CHECK(!irr(l, 0x63));
    CHECK(lapic_msr_write(l, LAPIC_MSR_TSC_DEADLINE, now + 100));
    wr(l, lvt(LVT_TIMER), 0x63);
    run_to(now + 1000);
    CHECK(!irr(l, 0x63));
    wr(l, lvt(LVT_TIMER), LVT_MASKED);
}

static void test_lint0_and_disable(struct lapic *l)
{
    /* Masked LINT0: the 8259 does not get through. */
    lapic_set_lint0(l, true);
    CHECK(!intr);
    wr(l, lvt(LVT_LINT0), 0x8700);           /* ExtINT: virtual wire */
    CHECK(intr);
    CHECK_EQ(lapic_ack(l), 0x08);
    CHECK_EQ(pic_acks, 1);
    lapic_set_lint0(l, false);
    CHECK(!intr);
    /* The APIC's own interrupts come first. */
    self_ipi(l, 0x80);
    lapic_set_lint0(l, true);
    CHECK_EQ(lapic_ack(l), 0x80);
    CHECK_EQ(lapic_ack(l), 0x08);
    wr(l, LAPIC_EOI, 0);
    lapic_set_lint0(l, false);
    /* Fixed, edge: a rising edge sets the IRR. */
    wr(l, lvt(LVT_LINT0), 0x0091);
    lapic_set_lint0(l, true);
    CHECK(irr(l, 0x91));
    CHECK_EQ(lapic_ack(l), 0x91);
    wr(l, LAPIC_EOI, 0);
    lapic_set_lint0(l, false);
    /* NMI mode. */
    wr(l, lvt(LVT_LINT1), 0x0400);
    lapic_set_lint1(l, true);
    CHECK_EQ(nmis, 2);

    /* Reserved IA32_APIC_BASE bits: #GP. */
    CHECK(!lapic_msr_write(l, 0x1B, 0xFEE00900u | 0x400));
    CHECK(!lapic_msr_write(l, 0x1B, 0x1000000000ull | 0x900));
    /* Globally disabled: LINT0 is INTR, the registers reset. */
    wr(l, LAPIC_TPR, 0x20);
    CHECK(lapic_msr_write(l, 0x1B, 0xFEE00000u));
    CHECK(!lapic_enabled(l));
    uint64_t v;
    CHECK(lapic_msr_read(l, 0x1B, &v));
    CHECK_EQ(v, 0xFEE00100u);                /* BSP stays */
    CHECK(!lapic_msr_read(l, LAPIC_MSR_TSC_DEADLINE, &v));
    lapic_set_lint0(l, true);
    CHECK(intr);
    CHECK_EQ(lapic_ack(l), 0x08);
    lapic_set_lint0(l, false);
    CHECK(lapic_msr_write(l, 0x1B, 0xFED00900u));   /* back, moved */
    CHECK_EQ(rd(l, LAPIC_TPR), 0);
    CHECK_EQ(rd(l, LAPIC_SVR), 0xFF);
}

/* The state survives save and load, and bad state is refused. */
static void test_snapshot(struct lapic *l)
{
    wr(l, LAPIC_SVR, 0x1F0);
    wr(l, LAPIC_TPR, 0x31);
    wr(l, LAPIC_TIMER_DCR, 0x3);
    wr(l, lvt(LVT_TIMER), 0x20050);
    wr(l, LAPIC_TIMER_ICR, 1234);
    self_ipi(l, 0x90);
    run_to(now + 5 * 1234 * 16 + 7);   /* five periods on */
    struct state_out a, b;
    state_out_init(&a);
    l->dev.ops->save(&l->dev, &a);
    struct lapic *m = make();
    struct state_in in = state_in_of(a.buf, a.len);
    CHECK_EQ(m->dev.ops->load(&m->dev, &in, false), 0);
    in = state_in_of(a.buf, a.len);
    CHECK_EQ(m->dev.ops->load(&m->dev, &in, true), 0);
    state_out_init(&b);
    m->dev.ops->save(&m->dev, &b);
    CHECK_EQ(a.len, b.len);
    CHECK(a.len == b.len && !memcmp(a.buf, b.buf, a.len));
    CHECK_EQ(rd(m, LAPIC_TIMER_CCR), rd(l, LAPIC_TIMER_CCR));
    CHECK(m->timer.armed);
    /* The next expiry, not the first of the count: periods already past
     * do not fire again. */
    CHECK_EQ(m->timer.deadline, l->timer.deadline);
    /* Every single-byte corruption is refused or gives a state that
     * saves again: never a crash. */
    for (size_t i = 0; i < a.len; i++) {
        uint8_t *p = (uint8_t *)a.buf;
        uint8_t o = p[i];
        p[i] ^= 0xA5;
        in = state_in_of(a.buf, a.len);
        (void)m->dev.ops->load(&m->dev, &in, false);
        p[i] = o;
    }
    in = state_in_of(a.buf, a.len - 1);
    CHECK_EQ(m->dev.ops->load(&m->dev, &in, false), -1);
    state_out_free(&a);
    state_out_free(&b);
    char buf[512];
    m->dev.ops->dump(&m->dev, buf, sizeof(buf));
    CHECK(strstr(buf, "tpr 31") != NULL);
    timer_disarm(&sched, &m->timer);
    free(m);
}

/* Random register traffic: nothing breaks, the timer stays sane. */
static void test_random(struct lapic *l)
{
    uint32_t x = 12345;
    for (unsigned i = 0; i < 200000; i++) {
        x = x * 1103515245u + 12345u;
        uint32_t off = (x >> 8) & 0x3F0;
        if (off == LAPIC_ICR_LO && ((x >> 3) & 3))
            continue;    /* keep NMIs and IPIs rare */
        if (x & 1)
            wr(l, off, x ^ (x << 7));
        else
            (void)rd(l, off);
        if ((x & 0xF0) == 0)
            (void)lapic_ack(l);
        run_to(now + ((x >> 20) & 0xFF));
    }
    l->dev.ops->reset(&l->dev);
    CHECK(!l->timer.armed);
}

int main(void)
{
    sched_init(&sched);
    struct lapic *l = make();
    test_reset(l);
    test_priorities(l);
    test_esr_and_ipis(l);
    test_timer(l);
    test_lint0_and_disable(l);
    test_snapshot(l);
    test_random(l);
    timer_disarm(&sched, &l->timer);
    free(l);
    return check_report();
}
