/* The HPET alone (dev/hpet.h): capabilities, the main counter on a
 * hand-stepped clock, one-shot, periodic and 32-bit comparators, edge
 * and level interrupts with the status register, the legacy route. */
#include "check.h"
#include "dev/board_util.h"
#include "dev/hpet.h"

#include <string.h>

static uint64_t now;
static struct sched sched;
static unsigned rises[26];
static bool level[26];
static bool legacy;

static void out_set(void *o, unsigned irq, bool l)
{
    if (irq >= 26)
        return;
    if (l && !level[irq])
        rises[irq]++;
    level[irq] = l;
}

static void legacy_set(void *o, bool on) { legacy = on; }

static void run_to(uint64_t t)
{
    now = t;
    sched_run_due(&sched, now);
}

static uint64_t rd(struct hpet *h, uint32_t r) { return hpet_read(h, r, 8); }
static void wr(struct hpet *h, uint32_t r, uint64_t v) { hpet_write(h, r, v, 8); }
static uint32_t tconf(unsigned n) { return HPET_TIMER0 + 0x20 * n; }
static uint32_t tcmp(unsigned n) { return HPET_TIMER0 + 0x20 * n + 8; }

static void test_caps(struct hpet *h)
{
    uint64_t cap = rd(h, HPET_CAP);
    CHECK_EQ(cap >> 32, 10000000u);          /* 10 ns */
    CHECK_EQ((cap >> 8) & 0x1F, 2);          /* three timers */
    CHECK(cap & (1u << 15));                 /* legacy route */
    CHECK(cap & (1u << 13));                 /* 64-bit counter */
    CHECK_EQ((cap >> 16) & 0xFFFF, 0x8086);
    CHECK_EQ(hpet_read(h, HPET_CAP + 4, 4), 10000000u);
    for (unsigned n = 0; n < 3; n++) {
        uint64_t c = rd(h, tconf(n));
        CHECK_EQ(c >> 32, 0x00000004u);       /* pin 2, as QEMU's pc */
        CHECK(c & HPET_TN_PERIODIC_CAP);
        CHECK(!(c & (1u << 15)));            /* no FSB delivery */
        CHECK_EQ(rd(h, tcmp(n)), ~0ull);
    }
    CHECK_EQ(rd(h, HPET_CONF), 0);
}

static void test_counter(struct hpet *h)
{
    run_to(1000);
    CHECK_EQ(rd(h, HPET_COUNTER), 0);        /* halted */
    wr(h, HPET_COUNTER, 500);
    wr(h, HPET_CONF, HPET_CONF_ENABLE);
    run_to(1000 + 10 * 77);
    CHECK_EQ(rd(h, HPET_COUNTER), 577);
    wr(h, HPET_COUNTER, 0);                  /* ignored while running */
    CHECK_EQ(rd(h, HPET_COUNTER), 577);
    wr(h, HPET_CONF, 0);
    run_to(now + 10000);
    CHECK_EQ(rd(h, HPET_COUNTER), 577);
    CHECK_EQ(hpet_read(h, HPET_COUNTER, 4), 577);
    CHECK_EQ(hpet_read(h, HPET_COUNTER + 4, 4), 0);
    wr(h, HPET_COUNTER, 0);
}

static void test_oneshot_edge(struct hpet *h)
{
    /* Timer 2 to pin 2, edge, one-shot at count 1000. */
    wr(h, tconf(2), HPET_TN_ENABLE | 2u << HPET_TN_ROUTE_SHIFT);
    wr(h, tcmp(2), 1000);
    uint64_t t0 = now;
    wr(h, HPET_CONF, HPET_CONF_ENABLE);
    run_to(t0 + 10 * 999);
    CHECK_EQ(rises[2], 0);
    run_to(t0 + 10 * 1000);
    CHECK_EQ(rises[2], 1);
    CHECK(!level[2]);                        /* an edge: a pulse */
    CHECK_EQ(rd(h, HPET_STATUS), 0);         /* status is for level mode */
    run_to(t0 + 10 * 100000);
    CHECK_EQ(rises[2], 1);                   /* once */
    rises[2] = 0;
    /* A route the capability does not allow: no interrupt. */
    wr(h, tconf(2), HPET_TN_ENABLE | 8u << HPET_TN_ROUTE_SHIFT);
    wr(h, tcmp(2), rd(h, HPET_COUNTER) + 10);
    run_to(now + 1000);
    CHECK_EQ(rises[8], 0);
    wr(h, tconf(2), 0);
    wr(h, HPET_CONF, 0);
}

static void test_periodic_level(struct hpet *h)
{
    /* Timer 0, periodic, level, pin 2: every 100 counts. */
    uint64_t c0 = rd(h, HPET_COUNTER);
    wr(h, tconf(0), HPET_TN_ENABLE | HPET_TN_PERIODIC | HPET_TN_SETVAL | HPET_TN_LEVEL |
                    2u << HPET_TN_ROUTE_SHIFT);
    wr(h, tcmp(0), c0 + 100);                /* comparator and period */
    wr(h, tcmp(0), 100);                     /* the period alone */
    CHECK_EQ(rd(h, tcmp(0)), c0 + 100);
    uint64_t t0 = now;
    wr(h, HPET_CONF, HPET_CONF_ENABLE);
    run_to(t0 + 10 * 100);
    CHECK(level[2]);
    CHECK_EQ(rd(h, HPET_STATUS), 1);
    CHECK_EQ(rd(h, tcmp(0)), c0 + 200);
    wr(h, HPET_STATUS, 1);                   /* write 1 to clear */
    CHECK(!level[2]);
    for (unsigned k = 2; k <= 5; k++) {
        run_to(t0 + 10 * 100 * k);
        CHECK(level[2]);
        wr(h, HPET_STATUS, 1);
    }
    CHECK_EQ(rises[2], 5);
    /* Missed periods are skipped, not queued. */
    run_to(t0 + 10 * 100 * 9 + 50);
    CHECK_EQ(rises[2], 6);
    CHECK_EQ(rd(h, tcmp(0)), c0 + 1000);
    wr(h, HPET_STATUS, 1);
    wr(h, HPET_CONF, 0);
    wr(h, tconf(0), 0);
}

static void test_32bit(struct hpet *h)
{
    /* A 32-bit timer matches the counter's low half: 0x100 counts after
     * the wrap. */
    wr(h, HPET_COUNTER, 0xFFFFFF00ull);
    rises[2] = 0;
    wr(h, tconf(1), HPET_TN_ENABLE | HPET_TN_32BIT | 2u << HPET_TN_ROUTE_SHIFT);
    wr(h, tcmp(1), 0x1FFFFFFFFull);          /* the high half is dropped */
    CHECK_EQ(rd(h, tcmp(1)), 0xFFFFFFFFu);
    wr(h, tcmp(1), 0x10);
    uint64_t t0 = now;
    wr(h, HPET_CONF, HPET_CONF_ENABLE);
    run_to(t0 + 10 * 0x10F);
    CHECK_EQ(rises[2], 0);
    run_to(t0 + 10 * 0x110);
    CHECK_EQ(rises[2], 1);
    CHECK_EQ(rd(h, HPET_COUNTER), 0x100000010ull);
    wr(h, HPET_CONF, 0);
    wr(h, tconf(1), 0);
    wr(h, HPET_COUNTER, 0);
}

static void test_legacy(struct hpet *h)
{
    wr(h, HPET_CONF, HPET_CONF_LEGACY);
    CHECK(legacy);
    wr(h, tconf(0), HPET_TN_ENABLE);
    wr(h, tcmp(0), 10);
    wr(h, tconf(1), HPET_TN_ENABLE);
    wr(h, tcmp(1), 20);
    uint64_t t0 = now;
    wr(h, HPET_CONF, HPET_CONF_LEGACY | HPET_CONF_ENABLE);
    run_to(t0 + 10 * 20);
    CHECK_EQ(rises[HPET_LEGACY_IRQ0], 1);
    CHECK_EQ(rises[HPET_LEGACY_IRQ8], 1);
    wr(h, HPET_CONF, 0);
    CHECK(!legacy);
}

static void test_snapshot(struct hpet *h)
{
    wr(h, tconf(0), HPET_TN_ENABLE | HPET_TN_PERIODIC | HPET_TN_SETVAL |
                    2u << HPET_TN_ROUTE_SHIFT);
    wr(h, tcmp(0), rd(h, HPET_COUNTER) + 1000);
    wr(h, HPET_CONF, HPET_CONF_ENABLE);
    run_to(now + 1234);
    struct state_out a, b;
    state_out_init(&a);
    h->dev.ops->save(&h->dev, &a);
    struct hpet *m = hpet_create(0xFED00000u, fake_clock(&now), &sched,
                                 (struct irq_pin){ 0 }, (struct signal_line){ 0 });
    m->dev.ops->reset(&m->dev);
    struct state_in in = state_in_of(a.buf, a.len);
    CHECK_EQ(m->dev.ops->load(&m->dev, &in, false), 0);
    in = state_in_of(a.buf, a.len);
    CHECK_EQ(m->dev.ops->load(&m->dev, &in, true), 0);
    CHECK(m->t[0].timer.armed);
    CHECK_EQ(m->t[0].timer.deadline, h->t[0].timer.deadline);
    state_out_init(&b);
    m->dev.ops->save(&m->dev, &b);
    CHECK(a.len == b.len && !memcmp(a.buf, b.buf, a.len));
    in = state_in_of(a.buf, a.len - 1);
    CHECK_EQ(m->dev.ops->load(&m->dev, &in, false), -1);
    ((uint8_t *)a.buf)[0] = 0xFF;            /* conf bits that do not exist */
    in = state_in_of(a.buf, a.len);
    CHECK_EQ(m->dev.ops->load(&m->dev, &in, false), -1);
    state_out_free(&a);
    state_out_free(&b);
    m->dev.ops->reset(&m->dev);
    free(m);
}

static void test_random(struct hpet *h)
{
    uint32_t x = 99;
    for (unsigned i = 0; i < 100000; i++) {
        x = x * 1103515245u + 12345u;
        uint32_t off = (x >> 4) & 0x3FC;
        if (x & 1)
            hpet_write(h, off, (uint64_t)x * 0x9E3779B97F4A7C15ull >> (x & 31), 4);
        else
            (void)hpet_read(h, off, 4);
        run_to(now + ((x >> 20) & 0x3FF));
    }
    h->dev.ops->reset(&h->dev);
    CHECK(!h->t[0].timer.armed && !h->t[1].timer.armed && !h->t[2].timer.armed);
}

int main(void)
{
    sched_init(&sched);
    struct hpet *h = hpet_create(0xFED00000u, fake_clock(&now), &sched,
                                 (struct irq_pin){ .set = out_set },
                                 (struct signal_line){ .set = legacy_set });
    h->dev.ops->reset(&h->dev);
    test_caps(h);
    test_counter(h);
    test_oneshot_edge(h);
    test_periodic_level(h);
    test_32bit(h);
    test_legacy(h);
    test_snapshot(h);
    test_random(h);
    free(h);
    return check_report();
}
