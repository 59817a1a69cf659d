/* The 8254 PIT and port 0x61 at chosen guest times (a hand-stepped clock),
 * driven through the ports as a guest does. */
#include "check.h"
#include "dev/board_util.h"
#include "dev/pit.h"

static struct vm *vm;
static struct pit *pit;
static uint64_t now;
static struct pin_log irq0;

static void out(uint16_t port, uint8_t v) { iobus_out(&vm->io, port, v, 1); }
static uint8_t in(uint16_t port) { return (uint8_t)iobus_in(&vm->io, port, 1); }

static uint16_t latch_read(unsigned ch)
{
    out(0x43, (uint8_t)(ch << 6));
    uint8_t lo = in((uint16_t)(0x40 + ch));
    return (uint16_t)(lo | in((uint16_t)(0x40 + ch)) << 8);
}

/* LSB then MSB, in that order (C leaves `a() | b()` unordered). */
static uint16_t rd16(uint16_t port)
{
    uint8_t lo = in(port);
    return (uint16_t)(lo | in(port) << 8);
}

static uint64_t at_tick(uint64_t t) { return pit_ticks_to_ns(t); }

static void test_reset_idle(void)
{
    CHECK_EQ(pit_next_event(pit, 0), UINT64_MAX);
    now = 1000000000;
    pit_advance(pit, now);
    CHECK_EQ(irq0.rises, 0);
    CHECK(!irq0.level);
    CHECK_EQ(in(0x61) & 0x20, 0);
}

static void test_mode2(void)
{
    now = at_tick(1000) + 2000000000ull;   /* time only runs forward */
    uint64_t b = pit_ns_to_ticks(now) - 1000;
    out(0x43, 0x34);                /* ch 0, LSB then MSB, mode 2, binary */
    out(0x40, 11932 & 0xFF);
    out(0x40, 11932 >> 8);
    CHECK(irq0.level);              /* OUT high while counting (an edge
                                       from the idle low: counted) */
    unsigned r0 = irq0.rises;
    now = at_tick(b + 1000 + 1193);
    CHECK_EQ(latch_read(0), 11932 - 1193);
    now = at_tick(b + 1000 + 11931);    /* the one clock low */
    CHECK_EQ(latch_read(0), 1);
    CHECK(!pit_out(pit, 0, now));
    CHECK_EQ(pit_next_event(pit, at_tick(b + 1000)), at_tick(b + 1000 + 11932));
    pit_advance(pit, now);
    CHECK(!irq0.level);
    now = at_tick(b + 1000 + 11932);
    pit_advance(pit, now);
    CHECK_EQ(irq0.rises, r0 + 1);
    CHECK(irq0.level);
    CHECK_EQ(latch_read(0), 11932);  /* reloaded */
    /* Many periods at once give one request (the PIC latches one). */
    now = at_tick(b + 1000 + 11932 * 10 + 5);
    pit_advance(pit, now);
    CHECK_EQ(irq0.rises, r0 + 2);
    CHECK_EQ(pit_next_event(pit, now), at_tick(b + 1000 + 11932 * 11));
    /* Live reads alternate LSB and MSB. */
    uint8_t lo = in(0x40), hi = in(0x40);
    CHECK_EQ(lo | hi << 8, 11932 - 5);
    /* Latch holds its value while time runs. */
    out(0x43, 0x00);
    now += at_tick(100);
    lo = in(0x40);
    hi = in(0x40);
    CHECK_EQ(lo | hi << 8, 11932 - 5);
}

static void test_mode3_gate_speaker(void)
{
    now = 5000000000ull;
    uint64_t t0 = pit_ns_to_ticks(now);
    out(0x43, 0xB6);                /* ch 2, LSB then MSB, mode 3 */
    out(0x42, 1000 & 0xFF);
    out(0x42, 1000 >> 8);
    CHECK_EQ(in(0x61) & 0x21, 0x20);   /* gate low: held, OUT high */
    out(0x61, 0x03);                /* gate on, speaker on */
    CHECK_EQ(in(0x61) & 0x0F, 0x03);
    now = at_tick(t0 + 100);
    CHECK_EQ(latch_read(2), 1000 - 200);
    CHECK(in(0x61) & 0x20);
    now = at_tick(t0 + 600);        /* second half: low */
    CHECK_EQ(latch_read(2), 1000 - 200);
    CHECK_EQ(in(0x61) & 0x20, 0);
    now = at_tick(t0 + 1000 + 499);
    CHECK(in(0x61) & 0x20);
    /* Gate low holds the counter and forces OUT high. */
    now = at_tick(t0 + 1700);
    out(0x61, 0x00);
    uint16_t held = latch_read(2);
    now = at_tick(t0 + 1900);
    CHECK_EQ(latch_read(2), held);
    CHECK(in(0x61) & 0x20);
    /* Rising gate reloads. */
    out(0x61, 0x01);
    CHECK_EQ(latch_read(2), 1000);
    /* The refresh bit toggles every 15.085 us. */
    uint8_t r1 = in(0x61) & 0x10;
    now += 15085;
    CHECK((in(0x61) & 0x10) != r1);
    out(0x61, 0x00);
}

static void test_mode0_bcd_readback(void)
{
    now = 10000000000ull;
    uint64_t t0 = pit_ns_to_ticks(now);
    out(0x43, 0x30);                /* ch 0, mode 0, binary */
    CHECK(!pit_out(pit, 0, now));
    out(0x40, 0x00);
    out(0x40, 0x10);                /* 0x1000 */
    out(0x43, 0xE2);                /* read-back count and status of ch 0 */
    uint8_t st = in(0x40);
    CHECK_EQ(st & 0x3F, 0x30);      /* LSB/MSB, mode 0, binary */
    CHECK_EQ(st & 0x80, 0);         /* OUT low */
    CHECK_EQ(rd16(0x40), 0x1000);
    unsigned before = irq0.rises;
    now = at_tick(t0 + 0x1000);
    pit_advance(pit, now);
    CHECK_EQ(irq0.rises, before + 1);
    out(0x43, 0xE2);
    CHECK(in(0x40) & 0x80);         /* OUT high at terminal count */
    CHECK_EQ(rd16(0x40), 0);
    now = at_tick(t0 + 0x1001);
    CHECK_EQ(latch_read(0), 0xFFFF);   /* wraps on */
    CHECK_EQ(pit_next_event(pit, now), UINT64_MAX);

    /* BCD, LSB only: 99 counts down in decimal. */
    out(0x43, 0x51);                /* ch 1, LSB, mode 0, BCD */
    t0 = pit_ns_to_ticks(now);
    out(0x41, 0x99);
    now = at_tick(t0 + 10);
    out(0x43, 0x40);
    CHECK_EQ(in(0x41), 0x89);
    /* MSB only, BCD 0x10 -> 1000. */
    out(0x43, 0x61);
    t0 = pit_ns_to_ticks(now);
    out(0x41, 0x10);
    now = at_tick(t0 + 1);
    out(0x43, 0xD4);                /* read-back count of ch 1 */
    CHECK_EQ(in(0x41), 0x09);       /* 0999: MSB only */
    /* Status of a channel with a count waiting (null count). */
    out(0x43, 0x72);                /* ch 1, LSB/MSB, mode 1 */
    out(0x41, 0x10);
    out(0x41, 0x00);
    out(0x43, 0xE4);                /* read-back status of ch 1 */
    CHECK_EQ(in(0x41), 0xC0 | 0x32);   /* OUT high, null count, mode 1 */
}

static void test_mode1_4_5(void)
{
    /* Mode 1 on channel 2: the gate triggers a one-shot. */
    now = 20000000000ull;
    out(0x43, 0xB2);                /* ch 2, mode 1 */
    out(0x42, 100);
    out(0x42, 0);
    CHECK(in(0x61) & 0x20);         /* high until triggered */
    uint64_t t0 = pit_ns_to_ticks(now);
    out(0x61, 0x01);
    CHECK_EQ(in(0x61) & 0x20, 0);
    now = at_tick(t0 + 50);
    CHECK_EQ(latch_read(2), 50);
    now = at_tick(t0 + 100);
    CHECK(in(0x61) & 0x20);
    out(0x61, 0x00);
    /* Mode 5: strobe after the trigger. */
    out(0x43, 0xBA);
    out(0x42, 10);
    out(0x42, 0);
    t0 = pit_ns_to_ticks(now);
    out(0x61, 0x01);
    now = at_tick(t0 + 10);
    CHECK_EQ(in(0x61) & 0x20, 0);
    now = at_tick(t0 + 11);
    CHECK(in(0x61) & 0x20);
    out(0x61, 0x00);
    /* Mode 4 on channel 0: one strobe, one IRQ edge. */
    out(0x43, 0x38);
    t0 = pit_ns_to_ticks(now);
    unsigned before = irq0.rises;
    out(0x40, 20);
    out(0x40, 0);
    CHECK_EQ(pit_next_event(pit, now), at_tick(t0 + 21));
    now = at_tick(t0 + 100);
    pit_advance(pit, now);
    CHECK_EQ(irq0.rises, before + 1);
    CHECK_EQ(pit_next_event(pit, now), UINT64_MAX);
}

/* Count 1 in modes 2 and 3 (issue 21, item 7): the 8254 data sheet calls
 * it illegal; QEMU keeps OUT high, so the IRQ rises once when the count is
 * loaded and stays high.  Ours does the same (it used to stay low and
 * never fire).  Each mode starts from OUT low (mode 0, count not reached). */
static void test_count1(void)
{
    static const uint8_t modes[] = { 0x34, 0x36 };   /* mode 2, mode 3 */
    for (unsigned k = 0; k < 2; k++) {
        now += at_tick(100);
        pit_advance(pit, now);
        out(0x43, 0x30);                /* mode 0, count 0x1000: OUT low */
        out(0x40, 0x00);
        out(0x40, 0x10);
        pit_advance(pit, now);
        CHECK(!irq0.level);
        unsigned r0 = irq0.rises;
        out(0x43, modes[k]);
        out(0x40, 1);
        out(0x40, 0);
        now += at_tick(1);
        pit_advance(pit, now);
        CHECK(irq0.level);
        CHECK_EQ(irq0.rises, r0 + 1);
        now += at_tick(100000);
        pit_advance(pit, now);
        CHECK(irq0.level);
        CHECK_EQ(irq0.rises, r0 + 1);   /* once: no storm */
        CHECK_EQ(pit_next_event(pit, now), UINT64_MAX);
    }
}

static void test_random_writes(void)
{
    static const uint16_t ports[] = { 0x40, 0x41, 0x42, 0x43, 0x61 };
    uint32_t x = 777;
    for (unsigned i = 0; i < 200000; i++) {
        x = x * 1103515245u + 12345u;
        uint16_t port = ports[(x >> 8) % 5];
        if (x & 0x10000)
            iobus_out(&vm->io, port, x >> 24, 1 << ((x >> 17) % 3));
        else
            (void)iobus_in(&vm->io, port, 1 << ((x >> 17) % 3));
        now += (x >> 20) & 0xFFF;
        if ((x & 0xF000) == 0) {
            uint64_t e = pit_next_event(pit, now);
            CHECK(e > now);
            pit_advance(pit, now);
        }
    }
    vm_reset(vm);
    CHECK_EQ(pit_next_event(pit, now), UINT64_MAX);
}

int main(void)
{
    vm = board_vm(1);
    pit = pit_create(fake_clock(&now), NULL, log_pin(&irq0));
    CHECK(pit != NULL);
    board_add(vm, &pit->dev);
    test_reset_idle();
    test_mode2();
    test_mode3_gate_speaker();
    test_mode0_bcd_readback();
    test_mode1_4_5();
    test_count1();
    test_random_writes();
    vm_destroy(vm);
    return check_report();
}
