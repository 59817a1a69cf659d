/* The PIIX4 power-management function: ACPI fixed hardware, the PM timer,
 * APM, GPE0 and the SMBus window; see piix4_pm.h. */
#include "dev/piix4_pm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS 1000000000ull
#define PM_TMR_MASK 0xFFFFFFu
#define PM1_STS_BITS (PM1_TMR_STS | PM1_BM_STS | PM1_GBL_STS | PM1_PWRBTN_STS | \
                      PM1_RTC_STS | PM1_WAK_STS)
#define PM1_EN_BITS (PM1_TMR_EN | PM1_GBL_EN | PM1_PWRBTN_EN | PM1_RTC_EN)
#define PM1_CNT_BITS (0x0007u | 0x1C00u)  /* SCI_EN, BM_RLD, GBL_RLS, SLP_TYP */
#define DEVACTB_APMC_EN (1u << 25)

/* The timer's count since guest time 0, not wrapped. */
static uint64_t ticks_at(uint64_t ns)
{
    return (uint64_t)((unsigned __int128)ns * PM_TIMER_HZ / NS);
}

/* The first guest time at which the count reaches `ticks`. */
static uint64_t ns_at(uint64_t ticks)
{
    return (uint64_t)(((unsigned __int128)ticks * NS + PM_TIMER_HZ - 1) / PM_TIMER_HZ);
}

uint32_t piix4_pm_timer(const struct piix4_pm *pm, uint64_t now_ns)
{
    return (uint32_t)(ticks_at(now_ns) & PM_TMR_MASK);
}

/* TMR_STS sets when bit 23 of the count changes: every 2^23 counts. */
static uint64_t next_overflow(uint64_t ticks)
{
    return (ticks + 0x800000u) & ~(uint64_t)0x7FFFFF;
}

/* PM1a_STS at now: TMR_STS is up once its time has come. */
static uint16_t sts_at(const struct piix4_pm *pm, uint64_t now)
{
    return (uint16_t)(pm->pm1_sts | (ticks_at(now) >= pm->tmr_overflow ? PM1_TMR_STS : 0));
}

/* ... and latched there, as a read sees it. */
static uint16_t pm1_sts(struct piix4_pm *pm, uint64_t now)
{
    return pm->pm1_sts = sts_at(pm, now);
}

/* The SCI's level for status `sts`. */
static bool sci_for(const struct piix4_pm *pm, uint16_t sts)
{
    return (pm->pm1_cnt & PM1_SCI_EN) &&
           ((sts & pm->pm1_en & (PM1_RTC_EN | PM1_PWRBTN_EN | PM1_GBL_EN | PM1_TMR_EN)) ||
            (pm->gpe_sts & pm->gpe_en));
}

/* The SCI's level and the overflow timer, from the registers at now. */
static void update(struct piix4_pm *pm, uint64_t now)
{
    uint16_t sts = pm1_sts(pm, now);
    bool level = sci_for(pm, sts);
    if (level != pm->sci_level) {
        pm->sci_level = level;
        pm->sci_raises += level;
        irq_pin_set(&pm->sci, level);
    }
    bool want = (pm->pm1_en & PM1_TMR_EN) && !(sts & PM1_TMR_STS);
    timer_arm(pm->sched, &pm->timer, want ? ns_at(pm->tmr_overflow) : SCHED_NEVER);
}

void piix4_pm_power_button(struct piix4_pm *pm)
{
    pm->power_button_presses++;
    pm->pm1_sts |= PM1_PWRBTN_STS;
    update(pm, dev_clock_now(&pm->clock));
}

void piix4_pm_advance(struct piix4_pm *pm, uint64_t now_ns)
{
    update(pm, now_ns);
}

static void timer_fire(void *opaque, uint64_t now_ns)
{
    piix4_pm_advance(opaque, now_ns);
}

/* --- the PM I/O block ---------------------------------------------------- */

static uint8_t pm_read_byte(struct piix4_pm *pm, unsigned off, uint64_t now)
{
    switch (off) {
    case 0: case 1:
        return (uint8_t)(pm1_sts(pm, now) >> (8 * (off & 1)));
    case 2: case 3:
        return (uint8_t)(pm->pm1_en >> (8 * (off & 1)));
    case 4: case 5:
        return (uint8_t)(pm->pm1_cnt >> (8 * (off & 1)));
    case 8: case 9: case 10: case 11:
        return (uint8_t)(piix4_pm_timer(pm, now) >> (8 * (off - 8)));
    }
    return 0xFF;   /* QEMU maps nothing there */
}

static void sleep_request(struct piix4_pm *pm, uint16_t cnt)
{
    unsigned slp_typ = (cnt >> PM1_SLP_TYP_SHIFT) & 7;
    /* S5, soft off: the only sleep state this board has (the _S5 package
     * holds 0 on QEMU and SeaBIOS alike).  S1-S4 are refused in
     * "etc/system-states"; a guest asking anyway gets nothing. */
    if (slp_typ == 0) {
        pm->poweroffs++;
        signal_fire(&pm->poweroff, 0);
    }
}

static void pm_write_byte(struct piix4_pm *pm, unsigned off, uint8_t v, uint64_t now)
{
    unsigned shift = 8 * (off & 1);
    switch (off) {
    case 0: case 1: {
        uint16_t clear = (uint16_t)((unsigned)v << shift) & PM1_STS_BITS;
        uint16_t sts = pm1_sts(pm, now);
        /* Clearing TMR_STS starts the wait for the next change of bit
         * 23 from now (QEMU acpi_pm1_evt_write_sts). */
        if (sts & clear & PM1_TMR_STS)
            pm->tmr_overflow = next_overflow(ticks_at(now));
        pm->pm1_sts = sts & (uint16_t)~clear;
        break;
    }
    case 2: case 3:
        pm->pm1_en = (uint16_t)((pm->pm1_en & ~(0xFFu << shift)) | ((unsigned)v << shift)) &
                     PM1_EN_BITS;
        break;
    case 4: case 5: {
        uint16_t cnt = (uint16_t)((pm->pm1_cnt & ~(0xFFu << shift)) | ((unsigned)v << shift));
        pm->pm1_cnt = cnt & PM1_CNT_BITS;   /* SLP_EN is write only */
        if (cnt & PM1_SLP_EN)
            sleep_request(pm, cnt);
        break;
    }
    }
}

static uint32_t pm_in(void *opaque, uint16_t port, unsigned size)
{
    struct piix4_pm *pm = opaque;
    uint64_t now = dev_clock_now(&pm->clock);
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)pm_read_byte(pm, (unsigned)(port - pm->pm_io.base + i) & 63, now)
             << (8 * i);
    update(pm, now);
    return v;
}

static void pm_out(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct piix4_pm *pm = opaque;
    uint64_t now = dev_clock_now(&pm->clock);
    for (unsigned i = 0; i < size; i++)
        pm_write_byte(pm, (unsigned)(port - pm->pm_io.base + i) & 63,
                      (uint8_t)(value >> (8 * i)), now);
    update(pm, now);
}

static const struct io_ops pm_io_ops = { .in = pm_in, .out = pm_out };

/* --- GPE0 and APM ----------------------------------------------------------- */

static uint32_t gpe_in(void *opaque, uint16_t port, unsigned size)
{
    struct piix4_pm *pm = opaque;
    uint32_t regs = pm->gpe_sts | (uint32_t)pm->gpe_en << 16;
    unsigned off = port - PIIX4_GPE0_PORT;
    return (uint32_t)((regs >> (8 * off)) & (size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1));
}

static void gpe_out(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct piix4_pm *pm = opaque;
    for (unsigned i = 0; i < size; i++) {
        unsigned off = port - PIIX4_GPE0_PORT + i;
        uint16_t b = (uint16_t)(((value >> (8 * i)) & 0xFF) << (8 * (off & 1)));
        if (off < 2)
            pm->gpe_sts &= (uint16_t)~b;
        else
            pm->gpe_en = (uint16_t)((pm->gpe_en & ~(0xFFu << (8 * (off & 1)))) | b);
    }
    update(pm, dev_clock_now(&pm->clock));
}

static uint32_t apm_in(void *opaque, uint16_t port, unsigned size)
{
    struct piix4_pm *pm = opaque;
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)(port + i == PIIX4_APM_PORT ? pm->apmc : pm->apms) << (8 * i);
    return v;
}

static void apm_out(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct piix4_pm *pm = opaque;
    for (unsigned i = 0; i < size; i++) {
        uint8_t v = (uint8_t)(value >> (8 * i));
        if (port + i != PIIX4_APM_PORT) {
            pm->apms = v;
            continue;
        }
        pm->apmc = v;
        /* ACPI_ENABLE/ACPI_DISABLE (the FADT's SMI_CMD values): the SMI
         * handler's job on real boards, done here as QEMU does. */
        if (v == 0xF1)
            pm->pm1_cnt |= PM1_SCI_EN;
        else if (v == 0xF0)
            pm->pm1_cnt &= (uint16_t)~PM1_SCI_EN;
    }
    update(pm, dev_clock_now(&pm->clock));
}

static const struct io_ops gpe_io_ops = { .in = gpe_in, .out = gpe_out };
static const struct io_ops apm_io_ops = { .in = apm_in, .out = apm_out };

/* --- configuration ---------------------------------------------------------- */

/* The windows where PMBA/PMREGMISC and SMBBA/SMBHSTCFG put them. */
static void update_windows(struct piix4_pm *pm)
{
    const struct pci_function *f = &pm->fn;
    pci_io_window_set(pm->pci, &pm->pm_io, f->config[PIIX4_PMREGMISC] & 1,
                      (uint16_t)(pci_get_le(f, PIIX4_PMBA, 2) & 0xFFC0));
    pci_io_window_set(pm->pci, &pm->smb_io, f->config[PIIX4_SMBHSTCFG] & 1,
                      (uint16_t)(pci_get_le(f, PIIX4_SMBBA, 2) & 0xFFF0));
}

static void pm_written(struct pci_function *f, unsigned offset, unsigned size)
{
    if (pci_range_hits(offset, size, PIIX4_PMBA, 4) ||
        pci_range_hits(offset, size, PIIX4_PMREGMISC, 1) ||
        pci_range_hits(offset, size, PIIX4_SMBBA, 4) ||
        pci_range_hits(offset, size, PIIX4_SMBHSTCFG, 1))
        update_windows(container_of(f, struct piix4_pm, fn));
}

static void config_init(struct pci_function *f)
{
    pci_function_init(f, "piix4-pm", PIIX4_PM_VENDOR, PIIX4_PM_DEVICE, 0x068000, 1);
    uint8_t *c = f->config, *w = f->wmask;
    c[0x06] = 0x80;               /* status: fast back-to-back */
    c[0x07] = 0x02;               /* DEVSEL medium */
    c[0x08] = 0x03;               /* revision */
    c[PIIX4_PMBA] = 0x01;         /* I/O space indicator, read only */
    w[PIIX4_PMBA] = 0xC0;         /* bits 15-6: 64 ports */
    w[PIIX4_PMBA + 1] = 0xFF;
    c[PIIX4_DEVACTB + 3] = (uint8_t)(DEVACTB_APMC_EN >> 24); /* QEMU with SMM off */
    memset(&w[PIIX4_DEVACTB], 0xFF, 4);
    memset(&w[0x5C], 0xFF, 4);    /* DEVRESA: stored */
    w[PIIX4_PMREGMISC] = 0x01;
    /* SMBus at 0xB100, enabled with its interrupt select on IRQ 9: the
     * values QEMU's "pc" machine starts with (smb_io_base). */
    c[PIIX4_SMBBA] = 0x01;
    c[PIIX4_SMBBA + 1] = 0xB1;
    w[PIIX4_SMBBA] = 0xF0;        /* bits 15-4: 16 ports */
    w[PIIX4_SMBBA + 1] = 0xFF;
    c[PIIX4_SMBHSTCFG] = 0x09;
    w[PIIX4_SMBHSTCFG] = 0x0F;
    f->config_written = pm_written;
}

/* --- the device ------------------------------------------------------------- */

static void piix4_pm_reset(struct device *d)
{
    struct piix4_pm *pm = container_of(d, struct piix4_pm, dev);
    uint64_t now = dev_clock_now(&pm->clock);
    pm->pm1_sts = pm->pm1_en = pm->pm1_cnt = 0;
    pm->tmr_overflow = next_overflow(ticks_at(now));
    pm->gpe_sts = pm->gpe_en = 0;
    pm->apmc = pm->apms = 0;
    pm_smbus_reset(&pm->smb);
    pm->sci_level = true;   /* force the pin low */
    update(pm, now);
    /* The bus has reset the configuration space (and moved the windows). */
}

static void piix4_pm_save(const struct device *d, struct state_out *out)
{
    const struct piix4_pm *pm = container_of(d, const struct piix4_pm, dev);
    /* The state as of now: a timer status whose time has come is up, and
     * the SCI as it then is (what the next access or the timer would
     * make of it), so that a load and a save give these bytes again. */
    uint16_t sts = sts_at(pm, dev_clock_now(&pm->clock));
    state_put_u16(out, sts);
    state_put_u16(out, pm->pm1_en);
    state_put_u16(out, pm->pm1_cnt);
    state_put_u64(out, pm->tmr_overflow);
    state_put_u16(out, pm->gpe_sts);
    state_put_u16(out, pm->gpe_en);
    state_put_u8(out, pm->apmc);
    state_put_u8(out, pm->apms);
    pm_smbus_save(&pm->smb, out);
    state_put_bool(out, sci_for(pm, sts));
}

static int piix4_pm_load(struct device *d, struct state_in *in, bool commit)
{
    struct piix4_pm *pm = container_of(d, struct piix4_pm, dev);
    struct piix4_pm n = *pm;
    n.pm1_sts = state_get_u16(in);
    n.pm1_en = state_get_u16(in);
    n.pm1_cnt = state_get_u16(in);
    n.tmr_overflow = state_get_u64(in);
    n.gpe_sts = state_get_u16(in);
    n.gpe_en = state_get_u16(in);
    n.apmc = state_get_u8(in);
    n.apms = state_get_u8(in);
    int smb = pm_smbus_load(&n.smb, in);
    n.sci_level = state_get_bool(in);
    /* Only the bits the registers keep; an overflow point on a 2^23
     * boundary, as next_overflow makes them. */
    if (smb < 0 || (n.pm1_sts & ~PM1_STS_BITS) || (n.pm1_en & ~PM1_EN_BITS) ||
        (n.pm1_cnt & ~PM1_CNT_BITS) || (n.tmr_overflow & 0x7FFFFF) ||
        n.tmr_overflow > ticks_at(UINT64_MAX) + 0x800000u)
        state_in_fail(in);
    if (!state_in_ok(in, true))
        return -1;
    if (commit) {
        *pm = n;
        irq_pin_set(&pm->sci, pm->sci_level);
        /* The bus restored the configuration space before us. */
        update_windows(pm);
        update(pm, dev_clock_now(&pm->clock));
    }
    return 0;
}

static void piix4_pm_dump(const struct device *d, char *buf, size_t len)
{
    const struct piix4_pm *pm = container_of(d, const struct piix4_pm, dev);
    snprintf(buf, len, "pm %s%04x sts %04x en %04x cnt %04x sci %d smbus %s%04x",
             pm->pm_io.mapped ? "" : "off:", pm->pm_io.base, pm->pm1_sts, pm->pm1_en,
             pm->pm1_cnt, pm->sci_level, pm->smb_io.mapped ? "" : "off:", pm->smb_io.base);
}

static const struct device_ops piix4_pm_ops = {
    .type = "piix4-pm", .reset = piix4_pm_reset, .save = piix4_pm_save,
    .load = piix4_pm_load, .dump = piix4_pm_dump, .destroy = device_free,
};
_Static_assert(offsetof(struct piix4_pm, dev) == 0, "device_free frees the state");

struct piix4_pm *piix4_pm_create(struct pci *pci, unsigned dev, unsigned fn,
                                 struct dev_clock clock, struct sched *sched,
                                 struct irq_pin sci, struct signal_request poweroff)
{
    struct piix4_pm *pm = calloc(1, sizeof(*pm));
    if (!pm)
        return NULL;
    device_init(&pm->dev, &piix4_pm_ops, "piix4-pm");
    device_add_ports(&pm->dev, PIIX4_GPE0_PORT, 4, &gpe_io_ops, pm);
    device_add_ports(&pm->dev, PIIX4_APM_PORT, 2, &apm_io_ops, pm);
    pm->pci = pci;
    pm->clock = clock;
    pm->sched = sched;
    timer_init(&pm->timer, timer_fire, pm, false);
    pm->sci = sci;
    pm->poweroff = poweroff;
    pm->pm_io = (struct pci_io_window){ .size = PIIX4_PM_IO_SIZE, .ops = &pm_io_ops,
                                        .opaque = pm, .name = "piix4-pm" };
    pm->smb_io = (struct pci_io_window){ .size = PM_SMBUS_PORTS, .ops = &pm_smbus_io,
                                         .opaque = &pm->smb, .name = "piix4-smbus" };
    config_init(&pm->fn);
    /* Its interrupt is the SCI on `sci`, not a PCI INTx route. */
    if (pci_register(pci, &pm->fn, dev, fn, (struct irq_pin){ 0 }) < 0) {
        free(pm);
        return NULL;
    }
    pm->tmr_overflow = next_overflow(ticks_at(dev_clock_now(&clock)));
    update_windows(pm);
    return pm;
}
