/* The deadline queue (vm/sched.h) and a device driven by it: order, ties,
 * moving and disarming, re-arming from a callback, housekeeping timers
 * left out of the guest's next event; the PIT's IRQ 0 and the RTC's IRQ 8
 * from timers alone, with nobody calling pit_advance or cmos_advance. */
#include "check.h"
#include "dev/board_util.h"
#include "dev/cmos.h"
#include "dev/pit.h"
#include "vm/sched.h"

struct fired {
    char log[32];
    unsigned n;
};

struct probe {
    struct timer t;
    struct fired *f;
    char id;
    uint64_t period;     /* re-arm this much later; 0: once */
    struct sched *s;
};

static void probe_fire(void *opaque, uint64_t now)
{
    struct probe *p = opaque;
    if (p->f->n < sizeof(p->f->log) - 1)
        p->f->log[p->f->n++] = p->id;
    if (p->period)
        timer_arm(p->s, &p->t, p->t.deadline + p->period);
}

static void test_queue(void)
{
    struct sched s;
    sched_init(&s);
    struct fired f = { 0 };
    struct probe a = { .f = &f, .id = 'a', .s = &s }, b = { .f = &f, .id = 'b', .s = &s },
                 c = { .f = &f, .id = 'c', .s = &s }, h = { .f = &f, .id = 'h', .s = &s };
    timer_init(&a.t, probe_fire, &a, false);
    timer_init(&b.t, probe_fire, &b, false);
    timer_init(&c.t, probe_fire, &c, false);
    timer_init(&h.t, probe_fire, &h, true);
    CHECK_EQ(sched_next(&s), SCHED_NEVER);
    timer_arm(&s, &a.t, 300);
    timer_arm(&s, &b.t, 100);
    timer_arm(&s, &c.t, 300);    /* ties fire in arming order: a, c */
    timer_arm(&s, &h.t, 50);
    CHECK_EQ(sched_next(&s), 50);
    CHECK_EQ(sched_next_guest(&s), 100);   /* h is housekeeping */
    /* Every timer but one (the halted guest's sleep leaves out the input
     * poll): the next in line, whatever its kind. */
    CHECK_EQ(sched_next_except(&s, &h.t), 100);
    CHECK_EQ(sched_next_except(&s, &b.t), 50);
    CHECK_EQ(sched_next_except(&s, NULL), 50);
    CHECK_EQ(sched_run_due(&s, 49), 0);
    CHECK_EQ(sched_run_due(&s, 100), 2);
    CHECK_STR(f.log, "hb");
    timer_arm(&s, &b.t, 200);    /* re-armed after firing */
    timer_arm(&s, &a.t, 250);    /* moved earlier */
    timer_disarm(&s, &c.t);
    timer_disarm(&s, &c.t);      /* twice is harmless */
    CHECK(!c.t.armed);
    CHECK_EQ(sched_run_due(&s, 1000), 2);
    CHECK_STR(f.log, "hbba");
    CHECK_EQ(sched_next(&s), SCHED_NEVER);
    timer_arm(&s, &a.t, SCHED_NEVER);      /* never: stays off */
    CHECK(!a.t.armed);
    /* A periodic timer re-armed from its callback fires once per period
     * due, and a late run catches up in order. */
    a.period = 10;
    timer_arm(&s, &a.t, 1010);
    timer_arm(&s, &b.t, 1025);
    f.n = 0;
    f.log[0] = 0;
    CHECK_EQ(sched_run_due(&s, 1040), 5);
    f.log[f.n] = 0;
    CHECK_STR(f.log, "aabaa");
    CHECK_EQ(sched_next(&s), 1050);
    /* A NULL scheduler (a device driven by hand) does nothing. */
    timer_arm(NULL, &c.t, 5);
    CHECK(!c.t.armed);
}

/* IRQ 0 at 1 kHz and IRQ 8 at 1024 Hz for 100 ms, fired by the queue. */
static void test_devices_on_timers(void)
{
    struct vm *vm = board_vm(1);
    struct sched s;
    sched_init(&s);
    uint64_t now = 0;
    struct pin_log irq0 = { 0 }, irq8 = { 0 };
    struct pit *pit = pit_create(fake_clock(&now), &s, log_pin(&irq0));
    struct cmos *rtc = cmos_create(fake_clock(&now), &s, log_pin(&irq8), 0);
    board_add(vm, &pit->dev);
    board_add(vm, &rtc->dev);
    CHECK_EQ(sched_next(&s), SCHED_NEVER);   /* nothing programmed */
    iobus_out(&vm->io, 0x43, 0x34, 1);       /* ch0 mode 2, 1193 clocks */
    iobus_out(&vm->io, 0x40, 1193 & 0xFF, 1);
    iobus_out(&vm->io, 0x40, 1193 >> 8, 1);
    iobus_out(&vm->io, 0x70, 0x0B, 1);       /* RTC: PIE */
    iobus_out(&vm->io, 0x71, 0x42, 1);
    CHECK(sched_next(&s) < 1000000);
    unsigned rtc_irqs = 0;
    while (sched_next(&s) <= 100000000u) {
        now = sched_next(&s);
        sched_run_due(&s, now);
        if (irq8.level) {                    /* the guest reads C */
            rtc_irqs++;
            iobus_out(&vm->io, 0x70, 0x0C, 1);
            (void)iobus_in(&vm->io, 0x71, 1);
        }
    }
    /* OUT 0 goes high at the mode 2 control word, then rises every 1193
     * clocks (1000.15 Hz): 1 + 100 rises by 100 ms. */
    CHECK_EQ(irq0.rises, 101);
    CHECK(rtc_irqs >= 102 && rtc_irqs <= 103);
    vm_destroy(vm);   /* the queue `s` is forgotten with the devices */
}

/* A loaded PIT arms its timer from its own state, not from its clock (a
 * snapshot may restore the clock after the devices): the same deadline
 * as the saved one's, whatever the clock reads at the load. */
static void test_load_rearms(void)
{
    struct vm *vm = board_vm(1);
    struct sched s1, s2;
    sched_init(&s1);
    sched_init(&s2);
    uint64_t now1 = 0, now2 = 0;
    struct pit *a = pit_create(fake_clock(&now1), &s1, (struct irq_pin){ 0 });
    board_add(vm, &a->dev);
    iobus_out(&vm->io, 0x43, 0x34, 1);
    iobus_out(&vm->io, 0x40, 0xA9, 1);
    iobus_out(&vm->io, 0x40, 0x04, 1);   /* 1193 clocks */
    while (sched_next(&s1) <= 50000000u) {
        now1 = sched_next(&s1);
        sched_run_due(&s1, now1);
    }
    struct state_out o;
    state_out_init(&o);
    a->dev.ops->save(&a->dev, &o);
    struct pit *b = pit_create(fake_clock(&now2), &s2, (struct irq_pin){ 0 });
    struct state_in in = state_in_of(o.buf, o.len);
    CHECK_EQ(b->dev.ops->load(&b->dev, &in, true), 0);
    CHECK_EQ(sched_next(&s2), sched_next(&s1));
    CHECK(sched_next(&s2) > now1);
    state_out_free(&o);
    b->dev.ops->destroy(&b->dev);
    vm_destroy(vm);
}

int main(void)
{
    test_queue();
    test_devices_on_timers();
    test_load_rearms();
    return check_report();
}
