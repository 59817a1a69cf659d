/* The MC146818 RTC and CMOS RAM; see cmos.h. */
#include "dev/cmos.h"

#include <stdio.h>
#include <stdlib.h>

#define NS 1000000000LL
#define NONE UINT64_MAX
#define UIP_NS 244000LL   /* UIP rises this long before an update */

/* Days since 1970-01-01 of a proleptic Gregorian date, and back (Howard
 * Hinnant's algorithms). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static bool binary(const struct cmos *c)
{
    return c->ram[RTC_REG_B] & RTC_B_DM_BINARY;
}

static uint8_t enc(const struct cmos *c, unsigned v)
{
    return binary(c) ? (uint8_t)v : (uint8_t)((v / 10 % 10) << 4 | v % 10);
}

static unsigned dec(const struct cmos *c, uint8_t v)
{
    return binary(c) ? v : (v >> 4) * 10u + (v & 15u);
}

static uint8_t enc_hour(const struct cmos *c, unsigned h)
{
    if (c->ram[RTC_REG_B] & RTC_B_24H)
        return enc(c, h);
    unsigned h12 = h % 12 ? h % 12 : 12;
    return (uint8_t)(enc(c, h12) | (h >= 12 ? 0x80 : 0));
}

static unsigned dec_hour(const struct cmos *c, uint8_t v)
{
    if (c->ram[RTC_REG_B] & RTC_B_24H)
        return dec(c, v);
    return dec(c, v & 0x7F) % 12 + (v & 0x80 ? 12 : 0);
}

/* RTC time in ns at guest time now (while running). */
static int64_t rtc_ns(const struct cmos *c, uint64_t now)
{
    return c->base_ns + (int64_t)now;
}

/* Writes Unix time `t` into the time registers in the current format. */
static void regs_from_time(struct cmos *c, int64_t t)
{
    int64_t days = floor_div(t, 86400), y;
    unsigned secs = (unsigned)(t - days * 86400), m, d;
    civil_from_days(days, &y, &m, &d);
    c->ram[RTC_SECONDS] = enc(c, secs % 60);
    c->ram[RTC_MINUTES] = enc(c, secs / 60 % 60);
    c->ram[RTC_HOURS] = enc_hour(c, secs / 3600);
    c->ram[RTC_DAY_OF_WEEK] = enc(c, (unsigned)((days % 7 + 11) % 7) + 1);
    c->ram[RTC_DAY_OF_MONTH] = enc(c, d);
    c->ram[RTC_MONTH] = enc(c, m);
    c->ram[RTC_YEAR] = enc(c, (unsigned)(y % 100));
    c->ram[RTC_CENTURY] = enc(c, (unsigned)(y / 100 % 100));
}

/* The registers' time as Unix seconds.  Out-of-range values a guest wrote
 * are clamped or carried, never trusted as indexes. */
static int64_t time_from_regs(const struct cmos *c)
{
    unsigned mon = dec(c, c->ram[RTC_MONTH]), day = dec(c, c->ram[RTC_DAY_OF_MONTH]);
    int64_t year = dec(c, c->ram[RTC_CENTURY]) * 100LL + dec(c, c->ram[RTC_YEAR]) % 100;
    if (year < 1900)
        year = 1900;
    if (year > 2199)
        year = 2199;
    mon = mon < 1 ? 1 : mon > 12 ? 12 : mon;
    day = day < 1 ? 1 : day > 31 ? 31 : day;
    return (days_from_civil(year, mon, 1) + day - 1) * 86400 +
           dec_hour(c, c->ram[RTC_HOURS]) * 3600LL + dec(c, c->ram[RTC_MINUTES]) * 60LL +
           dec(c, c->ram[RTC_SECONDS]);
}

/* Restarts the clock from the registers, on a second boundary. */
static void rebase(struct cmos *c, uint64_t now)
{
    c->base_ns = time_from_regs(c) * NS - (int64_t)now;
}

static void sync_regs(struct cmos *c, uint64_t now)
{
    if (c->running)
        regs_from_time(c, floor_div(rtc_ns(c, now), NS));
}

int64_t cmos_time(struct cmos *c, uint64_t now_ns)
{
    return c->running ? floor_div(rtc_ns(c, now_ns), NS) : time_from_regs(c);
}

static bool divider_on(const struct cmos *c)
{
    return (c->ram[RTC_REG_A] & 0x70) == 0x20;
}

/* Periodic interrupt period in 32.768 kHz clocks, or 0 for none. */
static uint64_t period_clocks(const struct cmos *c)
{
    unsigned rs = c->ram[RTC_REG_A] & 15;
    if (rs == 0 || !divider_on(c))
        return 0;
    return rs <= 2 ? 64u << rs : 1u << (rs - 1);
}

static uint64_t clocks32k(uint64_t ns)
{
    return (uint64_t)((unsigned __int128)ns * 32768 / NS);
}

static uint64_t clocks32k_to_ns(uint64_t k)
{
    unsigned __int128 ns = ((unsigned __int128)k * NS + 32767) / 32768;
    return ns > NONE ? NONE : (uint64_t)ns;
}

static void update_irq(struct cmos *c)
{
    uint8_t b = c->ram[RTC_REG_B], f = c->ram[RTC_REG_C];
    bool irqf = ((f & RTC_C_PF) && (b & RTC_B_PIE)) || ((f & RTC_C_AF) && (b & RTC_B_AIE)) ||
                ((f & RTC_C_UF) && (b & RTC_B_UIE));
    if (irqf)
        c->ram[RTC_REG_C] |= RTC_C_IRQF;
    if (irqf != c->irq_level) {
        c->irq_level = irqf;
        irq_pin_set(&c->irq8, irqf);
    }
}

static bool alarm_matches(struct cmos *c, int64_t t)
{
    static const uint8_t reg[3][2] = {
        { RTC_SECONDS_ALARM, RTC_SECONDS }, { RTC_MINUTES_ALARM, RTC_MINUTES },
        { RTC_HOURS_ALARM, RTC_HOURS },
    };
    uint8_t saved[10];
    for (unsigned i = 0; i < 10; i++)
        saved[i] = c->ram[i];
    regs_from_time(c, t);
    bool match = true;
    for (unsigned i = 0; i < 3; i++) {
        uint8_t a = c->ram[reg[i][0]];
        if ((a & 0xC0) != 0xC0 && a != c->ram[reg[i][1]])
            match = false;
    }
    for (unsigned i = 0; i < 10; i++)
        c->ram[i] = saved[i];
    return match;
}

static void follow_time(struct cmos *c, uint64_t now)
{
    if (now <= c->last_ns)
        return;
    uint64_t p = period_clocks(c);
    if (p && clocks32k(now) / p > clocks32k(c->last_ns) / p)
        c->ram[RTC_REG_C] |= RTC_C_PF;
    if (c->running) {
        int64_t s0 = floor_div(rtc_ns(c, c->last_ns), NS);
        int64_t s1 = floor_div(rtc_ns(c, now), NS);
        if (s1 > s0) {
            c->ram[RTC_REG_C] |= RTC_C_UF;
            /* Each update compares the alarm; a day covers every
             * combination, so older seconds need no look. */
            int64_t first = s1 - s0 > 86400 ? s1 - 86399 : s0 + 1;
            uint8_t saved[10], savedc = c->ram[RTC_CENTURY];
            for (unsigned i = 0; i < 10; i++)
                saved[i] = c->ram[i];
            for (int64_t s = first; s <= s1 && !(c->ram[RTC_REG_C] & RTC_C_AF); s++)
                if (alarm_matches(c, s))
                    c->ram[RTC_REG_C] |= RTC_C_AF;
            for (unsigned i = 0; i < 10; i++)
                c->ram[i] = saved[i];
            c->ram[RTC_CENTURY] = savedc;
        }
    }
    c->last_ns = now;
    update_irq(c);
}

uint64_t cmos_next_event(struct cmos *c, uint64_t now)
{
    uint64_t next = NONE;
    uint8_t b = c->ram[RTC_REG_B];
    uint64_t p = period_clocks(c);
    if (p && (b & RTC_B_PIE))
        next = clocks32k_to_ns((clocks32k(now) / p + 1) * p);
    if (c->running && (b & (RTC_B_UIE | RTC_B_AIE))) {
        int64_t s = floor_div(rtc_ns(c, now), NS) + 1;
        int64_t at = s * NS - c->base_ns;
        if (at > 0 && (uint64_t)at < next)
            next = (uint64_t)at;
    }
    return next;
}

void cmos_advance(struct cmos *c, uint64_t now)
{
    follow_time(c, now);
    timer_arm(c->sched, &c->timer, cmos_next_event(c, now));
}

static void cmos_timer_fire(void *opaque, uint64_t now_ns)
{
    cmos_advance(opaque, now_ns);
}

/* Starts or holds the clock after a change of A or B. */
static void set_running(struct cmos *c, uint64_t now)
{
    bool run = divider_on(c) && !(c->ram[RTC_REG_B] & RTC_B_SET);
    if (run == c->running)
        return;
    if (run) {
        c->running = true;
        rebase(c, now);
    } else {
        sync_regs(c, now);
        c->running = false;
    }
}

static bool is_time_reg(uint8_t i)
{
    return i == RTC_SECONDS || i == RTC_MINUTES || i == RTC_HOURS || i == RTC_DAY_OF_WEEK ||
           i == RTC_DAY_OF_MONTH || i == RTC_MONTH || i == RTC_YEAR || i == RTC_CENTURY;
}

static void cmos_write(struct cmos *c, uint8_t v, uint64_t now)
{
    uint8_t i = c->index;
    switch (i) {
    case RTC_REG_A:
        c->ram[i] = (uint8_t)((c->ram[i] & RTC_A_UIP) | (v & 0x7F));
        set_running(c, now);
        break;
    case RTC_REG_B:
        if (v & RTC_B_SET)
            v &= (uint8_t)~RTC_B_UIE;  /* data sheet: SET clears UIE */
        /* A format change applies to the registers from the next read. */
        sync_regs(c, now);
        c->ram[i] = v;
        set_running(c, now);
        sync_regs(c, now);
        break;
    case RTC_REG_C:
    case RTC_REG_D:
        break;  /* read only */
    default:
        if (is_time_reg(i) && c->running) {
            sync_regs(c, now);
            c->ram[i] = v;
            rebase(c, now);
        } else {
            c->ram[i] = v;
        }
        break;
    }
    update_irq(c);
}

static uint8_t cmos_read(struct cmos *c, uint64_t now)
{
    uint8_t i = c->index;
    switch (i) {
    case RTC_REG_A: {
        uint8_t uip = 0;
        if (c->running) {
            int64_t frac = rtc_ns(c, now) - floor_div(rtc_ns(c, now), NS) * NS;
            if (frac >= NS - UIP_NS)
                uip = RTC_A_UIP;
        }
        return (uint8_t)((c->ram[i] & 0x7F) | uip);
    }
    case RTC_REG_C: {
        uint8_t v = c->ram[i];
        c->ram[i] = 0;
        update_irq(c);
        return v;
    }
    case RTC_REG_D:
        return RTC_D_VRT;
    default:
        if (is_time_reg(i))
            sync_regs(c, now);
        return c->ram[i];
    }
}

static void cmos_out(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct cmos *c = opaque;
    if (port == CMOS_BASE) {
        c->index = value & 0x7F;
        c->nmi_masked = value & 0x80;
        return;
    }
    uint64_t now = dev_clock_now(&c->clock);
    cmos_advance(c, now);
    cmos_write(c, (uint8_t)value, now);
    timer_arm(c->sched, &c->timer, cmos_next_event(c, now));
}

static uint32_t cmos_in(void *opaque, uint16_t port, unsigned size)
{
    struct cmos *c = opaque;
    if (port == CMOS_BASE)
        return 0xFF;  /* the index register is write only */
    uint64_t now = dev_clock_now(&c->clock);
    cmos_advance(c, now);
    return cmos_read(c, now);
}

static void update_checksum(struct cmos *c)
{
    unsigned sum = 0;
    for (unsigned i = CMOS_CHECKSUM_FIRST; i <= CMOS_CHECKSUM_LAST; i++)
        sum += c->ram[i];
    c->ram[CMOS_CHECKSUM_HI] = (uint8_t)(sum >> 8);
    c->ram[CMOS_CHECKSUM_LO] = (uint8_t)sum;
}

void cmos_set_byte(struct cmos *c, unsigned index, uint8_t value)
{
    if (index < 0x0E || index > 0x7F || index == RTC_CENTURY)
        return;
    c->ram[index] = value;
    if (index >= CMOS_CHECKSUM_FIRST && index <= CMOS_CHECKSUM_LAST)
        update_checksum(c);
}

uint8_t cmos_get_byte(const struct cmos *c, unsigned index)
{
    return index >= 0x0E && index <= 0x7F ? c->ram[index] : 0;
}

void cmos_set_memory(struct cmos *c, uint64_t below_4g, uint64_t above_4g)
{
    uint64_t kb = below_4g / 1024;
    uint64_t base = kb < 640 ? kb : 640;
    uint64_t ext = kb > 1024 ? kb - 1024 : 0;
    uint64_t above16 = below_4g > (16u << 20) ? (below_4g - (16u << 20)) / 65536 : 0;
    uint64_t high = above_4g / 65536;
    if (ext > 0xFFFF)
        ext = 0xFFFF;
    if (above16 > 0xFFFF)
        above16 = 0xFFFF;
    if (high > 0xFFFFFF)
        high = 0xFFFFFF;
    c->ram[0x15] = (uint8_t)base;
    c->ram[0x16] = (uint8_t)(base >> 8);
    c->ram[0x17] = c->ram[0x30] = (uint8_t)ext;
    c->ram[0x18] = c->ram[0x31] = (uint8_t)(ext >> 8);
    c->ram[0x34] = (uint8_t)above16;
    c->ram[0x35] = (uint8_t)(above16 >> 8);
    c->ram[0x5B] = (uint8_t)high;
    c->ram[0x5C] = (uint8_t)(high >> 8);
    c->ram[0x5D] = (uint8_t)(high >> 16);
    update_checksum(c);
}

void cmos_reset(struct cmos *c)
{
    c->ram[RTC_REG_B] &= (uint8_t)~(RTC_B_PIE | RTC_B_AIE | RTC_B_UIE | RTC_B_SQWE);
    c->ram[RTC_REG_C] = 0;
    c->last_ns = dev_clock_now(&c->clock);
    c->irq_level = true;  /* force the pin low */
    update_irq(c);
    timer_arm(c->sched, &c->timer, cmos_next_event(c, c->last_ns));
}

static void cmos_dev_reset(struct device *d)
{
    cmos_reset(container_of(d, struct cmos, dev));
}

static void cmos_save(const struct device *d, struct state_out *out)
{
    const struct cmos *c = container_of(d, const struct cmos, dev);
    state_put_bytes(out, c->ram, sizeof(c->ram));
    state_put_u8(out, c->index);
    state_put_bool(out, c->nmi_masked);
    state_put_bool(out, c->running);
    state_put_u64(out, (uint64_t)c->base_ns);
    state_put_u64(out, c->last_ns);
    state_put_bool(out, c->irq_level);
}

static int cmos_load(struct device *d, struct state_in *in, bool commit)
{
    struct cmos *c = container_of(d, struct cmos, dev);
    struct cmos n = *c;
    state_get_bytes(in, n.ram, sizeof(n.ram));
    n.index = state_get_u8(in);
    n.nmi_masked = state_get_bool(in);
    n.running = state_get_bool(in);
    n.base_ns = (int64_t)state_get_u64(in);
    n.last_ns = state_get_u64(in);
    n.irq_level = state_get_bool(in);
    /* The index has 7 bits; register D reads VRT only; a running clock is
     * one whose divider runs and SET is clear (set_running's rule). */
    bool run = (n.ram[RTC_REG_A] & 0x70) == 0x20 && !(n.ram[RTC_REG_B] & RTC_B_SET);
    if (n.index > 0x7F || n.ram[RTC_REG_D] != RTC_D_VRT || n.running != run)
        state_in_fail(in);
    if (!state_in_ok(in, true))
        return -1;
    if (commit) {
        *c = n;
        irq_pin_set(&c->irq8, c->irq_level);
        /* From the state's own time (a snapshot may restore the clock
         * after the devices); a deadline already past fires at once. */
        timer_arm(c->sched, &c->timer, cmos_next_event(c, c->last_ns));
    }
    return 0;
}

static void cmos_dump(const struct device *d, char *buf, size_t len)
{
    const struct cmos *c = container_of(d, const struct cmos, dev);
    snprintf(buf, len, "index %02x a %02x b %02x c %02x %s irq8 %d", c->index,
             c->ram[RTC_REG_A], c->ram[RTC_REG_B], c->ram[RTC_REG_C],
             c->running ? "running" : "held", c->irq_level);
}

static const struct io_ops cmos_io = { .in = cmos_in, .out = cmos_out };
static const struct device_ops cmos_ops = {
    .type = "rtc", .reset = cmos_dev_reset, .save = cmos_save, .load = cmos_load,
    .dump = cmos_dump, .destroy = device_free,
};
_Static_assert(offsetof(struct cmos, dev) == 0, "device_free frees the state");

struct cmos *cmos_create(struct dev_clock clock, struct sched *sched, struct irq_pin irq8,
                         int64_t base_s)
{
    struct cmos *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    device_init(&c->dev, &cmos_ops, "cmos");
    device_add_ports(&c->dev, CMOS_BASE, 2, &cmos_io, c);
    c->clock = clock;
    c->sched = sched;
    timer_init(&c->timer, cmos_timer_fire, c, false);
    c->irq8 = irq8;
    if (base_s < -2208988800LL)   /* 1900 */
        base_s = -2208988800LL;
    if (base_s > 7258118400LL)    /* 2200 */
        base_s = 7258118400LL;
    c->ram[RTC_REG_A] = 0x26;     /* 32.768 kHz divider, 1024 Hz periodic rate */
    c->ram[RTC_REG_B] = RTC_B_24H;
    c->ram[RTC_REG_D] = RTC_D_VRT;
    uint64_t now = dev_clock_now(&clock);
    c->base_ns = base_s * NS - (int64_t)now;
    c->running = true;
    sync_regs(c, now);
    cmos_reset(c);
    return c;
}

/* The diskette drive types and the equipment byte (IBM PC/AT Technical
 * Reference; what QEMU's pc_cmos_init_floppy writes). */
void cmos_set_floppies(struct cmos *c, unsigned type_a, unsigned type_b)
{
    unsigned n = (type_a != 0) + (type_b != 0);
    c->ram[0x10] = (uint8_t)((type_a & 15) << 4 | (type_b & 15));
    uint8_t eq = c->ram[0x14] & 0x3E;
    if (n)
        eq |= (uint8_t)((n - 1) << 6 | 1);
    c->ram[0x14] = eq;
    unsigned sum = 0;
    for (unsigned i = 0x10; i <= 0x2D; i++)
        sum += c->ram[i];
    c->ram[0x2E] = (uint8_t)(sum >> 8);
    c->ram[0x2F] = (uint8_t)sum;
}
