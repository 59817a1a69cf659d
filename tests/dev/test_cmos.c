/* The MC146818 RTC and CMOS RAM through ports 0x70/0x71, at chosen guest
 * times from a fixed base (2024-02-29 23:59:58 UTC, a Thursday). */
#include "check.h"
#include "dev/board_util.h"
#include "dev/cmos.h"

#define BASE 1709251198LL
#define MS 1000000ull

static struct vm *vm;
static struct cmos *cmos;
static uint64_t now;
static struct pin_log irq8;

static uint8_t rd(uint8_t reg)
{
    iobus_out(&vm->io, 0x70, reg, 1);
    return (uint8_t)iobus_in(&vm->io, 0x71, 1);
}

static void wr(uint8_t reg, uint8_t v)
{
    iobus_out(&vm->io, 0x70, reg, 1);
    iobus_out(&vm->io, 0x71, v, 1);
}

static void test_bcd_binary_12h(void)
{
    CHECK_EQ(rd(RTC_REG_A), 0x26);
    CHECK_EQ(rd(RTC_REG_B), 0x02);
    CHECK_EQ(rd(RTC_REG_D), 0x80);
    CHECK_EQ(rd(RTC_SECONDS), 0x58);
    CHECK_EQ(rd(RTC_MINUTES), 0x59);
    CHECK_EQ(rd(RTC_HOURS), 0x23);
    CHECK_EQ(rd(RTC_DAY_OF_WEEK), 5);
    CHECK_EQ(rd(RTC_DAY_OF_MONTH), 0x29);
    CHECK_EQ(rd(RTC_MONTH), 0x02);
    CHECK_EQ(rd(RTC_YEAR), 0x24);
    CHECK_EQ(rd(RTC_CENTURY), 0x20);
    now = 2500 * MS;                /* across midnight into March */
    CHECK_EQ(rd(RTC_SECONDS), 0x00);
    CHECK_EQ(rd(RTC_HOURS), 0x00);
    CHECK_EQ(rd(RTC_DAY_OF_MONTH), 0x01);
    CHECK_EQ(rd(RTC_MONTH), 0x03);
    CHECK_EQ(rd(RTC_DAY_OF_WEEK), 6);
    wr(RTC_REG_B, RTC_B_24H | RTC_B_DM_BINARY);
    CHECK_EQ(rd(RTC_DAY_OF_MONTH), 1);
    CHECK_EQ(rd(RTC_YEAR), 24);
    CHECK_EQ(rd(RTC_CENTURY), 20);
    now = 2500 * MS + 13 * 3600 * 1000 * MS;   /* 13:00:00 */
    CHECK_EQ(rd(RTC_HOURS), 13);
    wr(RTC_REG_B, RTC_B_DM_BINARY);           /* 12-hour */
    CHECK_EQ(rd(RTC_HOURS), 0x81);            /* 1 PM */
    wr(RTC_REG_B, 0);
    CHECK_EQ(rd(RTC_HOURS), 0x81);            /* BCD 01 | PM */
    wr(RTC_REG_B, RTC_B_24H);
    CHECK_EQ(rd(RTC_HOURS), 0x13);
    CHECK_EQ(cmos_time(cmos, now), BASE + 2 + 13 * 3600);
}

static void test_uip_and_set(void)
{
    /* The clock's seconds start at guest time 0 (BASE is whole). */
    const uint64_t t = 50000000 * MS;  /* later than test 1; whole seconds */
    now = t + 10000 * MS + 500 * MS;
    CHECK_EQ(rd(RTC_REG_A) & 0x80, 0);
    now = t + 11000 * MS - 100000;      /* 100 us before the update */
    CHECK_EQ(rd(RTC_REG_A) & 0x80, 0x80);
    now = t + 11000 * MS;
    CHECK_EQ(rd(RTC_REG_A) & 0x80, 0);
    /* Set the time as a guest does: SET, write, clear SET. */
    wr(RTC_REG_B, RTC_B_SET | RTC_B_24H);
    wr(RTC_SECONDS, 0x30);
    wr(RTC_MINUTES, 0x15);
    wr(RTC_HOURS, 0x08);
    wr(RTC_DAY_OF_MONTH, 0x31);
    wr(RTC_MONTH, 0x12);
    wr(RTC_YEAR, 0x99);
    wr(RTC_CENTURY, 0x19);
    now += 5000 * MS;               /* held while SET */
    CHECK_EQ(rd(RTC_SECONDS), 0x30);
    CHECK_EQ(rd(RTC_REG_A) & 0x80, 0);
    wr(RTC_REG_B, RTC_B_24H);
    CHECK_EQ(cmos_time(cmos, now), 946628130LL);   /* 1999-12-31 08:15:30 */
    now += 30000 * MS;
    CHECK_EQ(rd(RTC_SECONDS), 0x00);
    CHECK_EQ(rd(RTC_MINUTES), 0x16);
    CHECK_EQ(rd(RTC_DAY_OF_WEEK), 6);              /* a Friday */
}

static void test_interrupts(void)
{
    /* Periodic at 1024 Hz (RS 6: 32 clocks of 32.768 kHz). */
    (void)rd(RTC_REG_C);
    CHECK_EQ(cmos_next_event(cmos, now), UINT64_MAX);
    wr(RTC_REG_B, RTC_B_24H | RTC_B_PIE);
    uint64_t next = cmos_next_event(cmos, now);
    CHECK(next > now && next - now <= 976563);
    cmos_advance(cmos, next - 1);
    CHECK(!irq8.level);
    unsigned r = irq8.rises;
    cmos_advance(cmos, next);
    CHECK(irq8.level);
    CHECK_EQ(irq8.rises, r + 1);
    now = next;
    CHECK_EQ(rd(RTC_REG_C) & 0xC0, 0xC0);
    CHECK(!irq8.level);
    CHECK_EQ(rd(RTC_REG_C), 0);
    wr(RTC_REG_A, 0x2F);            /* RS 15: 2 Hz */
    next = cmos_next_event(cmos, now);
    CHECK(next - now <= 500 * MS);
    /* Update-ended: at the next second. */
    wr(RTC_REG_B, RTC_B_24H | RTC_B_UIE);
    next = cmos_next_event(cmos, now);
    CHECK_EQ(cmos_time(cmos, next), cmos_time(cmos, now) + 1);
    CHECK_EQ(cmos_time(cmos, next - 1), cmos_time(cmos, now));
    now = next;
    cmos_advance(cmos, now);
    CHECK(irq8.level);
    CHECK_EQ(rd(RTC_REG_C) & 0x90, 0x90);
    /* Alarm: seconds in 3 s, minutes and hours "don't care". */
    wr(RTC_REG_B, RTC_B_24H | RTC_B_AIE | RTC_B_DM_BINARY);
    unsigned s = rd(RTC_SECONDS);
    wr(RTC_SECONDS_ALARM, (uint8_t)((s + 3) % 60));
    wr(RTC_MINUTES_ALARM, 0xC0);
    wr(RTC_HOURS_ALARM, 0xFF);
    (void)rd(RTC_REG_C);
    now += 2000 * MS;
    cmos_advance(cmos, now);
    CHECK(!irq8.level);
    now += 1000 * MS;
    cmos_advance(cmos, now);
    CHECK(irq8.level);
    CHECK_EQ(rd(RTC_REG_C) & 0xA0, 0xA0);
    wr(RTC_REG_B, RTC_B_24H);
    CHECK_EQ(cmos_next_event(cmos, now), UINT64_MAX);
}

static void test_nvram_and_nmi(void)
{
    cmos_set_memory(cmos, 32u << 20, 0);
    CHECK_EQ(rd(0x15) | rd(0x16) << 8, 640);
    CHECK_EQ(rd(0x17) | rd(0x18) << 8, 31744);
    CHECK_EQ(rd(0x30) | rd(0x31) << 8, 31744);
    CHECK_EQ(rd(0x34) | rd(0x35) << 8, 256);
    unsigned sum = 0;
    for (uint8_t i = 0x10; i <= 0x2D; i++)
        sum += rd(i);
    CHECK_EQ(rd(0x2E) << 8 | rd(0x2F), sum);
    cmos_set_memory(cmos, 3584ull << 20, 0);
    CHECK_EQ(rd(0x17) | rd(0x18) << 8, 0xFFFF);
    CHECK_EQ(rd(0x34) | rd(0x35) << 8, (3584 - 16) * 16);
    wr(0x40, 0xA5);
    CHECK_EQ(rd(0x40), 0xA5);
    iobus_out(&vm->io, 0x70, 0x8F, 1);
    CHECK(cmos->nmi_masked);
    CHECK_EQ(iobus_in(&vm->io, 0x71, 1), 0);  /* register 0x0F */
    iobus_out(&vm->io, 0x70, 0x0F, 1);
    CHECK(!cmos->nmi_masked);
    wr(RTC_REG_B, RTC_B_24H | RTC_B_PIE | RTC_B_UIE);
    vm_reset(vm);
    CHECK_EQ(rd(RTC_REG_B), RTC_B_24H);
    CHECK_EQ(rd(0x40), 0xA5);       /* battery backed */
}

static void test_random_writes(void)
{
    uint32_t x = 4242;
    for (unsigned i = 0; i < 200000; i++) {
        x = x * 1103515245u + 12345u;
        uint16_t port = (uint16_t)(0x70 + ((x >> 8) & 1));
        if (x & 0x10000)
            iobus_out(&vm->io, port, x >> 24, 1 << ((x >> 17) % 3));
        else
            (void)iobus_in(&vm->io, port, 1 << ((x >> 17) % 3));
        now += (uint64_t)((x >> 20) & 0xFFF) * 1000;
        if ((x & 0xF000) == 0) {
            CHECK(cmos_next_event(cmos, now) > now);
            cmos_advance(cmos, now);
        }
    }
    /* A whole year at once. */
    now += 366ull * 86400 * 1000 * MS;
    cmos_advance(cmos, now);
    vm_reset(vm);
    wr(RTC_REG_A, 0x26);
    wr(RTC_REG_B, RTC_B_24H);
    CHECK_EQ(rd(RTC_REG_D), 0x80);
}

int main(void)
{
    vm = board_vm(1);
    cmos = cmos_create(fake_clock(&now), NULL, log_pin(&irq8), BASE);
    board_add(vm, &cmos->dev);
    CHECK(cmos != NULL);
    test_bcd_binary_12h();
    test_uip_and_set();
    test_interrupts();
    test_nvram_and_nmi();
    test_random_writes();
    vm_destroy(vm);
    return check_report();
}
