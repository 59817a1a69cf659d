/* The PIIX4 power-management function on a PCI bus, with a clock the test
 * steps: its configuration registers (IDs, DEVACTB's APMC_EN, PMBA and
 * SMBBA windows that move and switch off), the ACPI PM timer (3.579545
 * MHz, 24 bits, TMR_STS when bit 23 changes, the SCI with TMR_EN and
 * SCI_EN), PM1 status write-1-to-clear, S5 power-off and the other sleep
 * types, APM's ACPI enable/disable, GPE0, the SMBus with nothing on it,
 * and the state a snapshot keeps. */
#include "check.h"
#include "dev/board_util.h"
#include "dev/pci.h"
#include "dev/piix4_pm.h"
#include "pc/pc.h"

static struct vm *vm;
static struct pci *pci;
static struct piix4_pm *pm;
static uint64_t now;
static struct pin_log sci;
static unsigned poweroffs;
static const uint32_t BDF = 1u << 11 | 3u << 8;   /* 00:01.3 */

static void fire_poweroff(void *opaque, uint32_t value)
{
    poweroffs++;
}

static uint32_t in(uint16_t port, unsigned size)
{
    return iobus_in(&vm->io, port, size);
}

static void out(uint16_t port, uint32_t v, unsigned size)
{
    iobus_out(&vm->io, port, v, size);
}

/* Where the tests want the windows (after a reset turned them off). */
static void map_windows(void)
{
    pci_config_write(pci, BDF, PIIX4_PMBA, 0x600 | 1, 4);
    pci_config_write(pci, BDF, PIIX4_PMREGMISC, 1, 1);
    pci_config_write(pci, BDF, PIIX4_SMBBA, 0x700 | 1, 4);
}

static void test_config(void)
{
    CHECK_EQ(pci_config_read(pci, BDF, 0, 4), 0x71138086u);
    CHECK_EQ(pci_config_read(pci, BDF, 0x08, 4), 0x06800003u);   /* class, rev 03 */
    CHECK_EQ(pci_config_read(pci, BDF, PCI_SUBSYSTEM_VENDOR, 4), 0x11001AF4u);
    CHECK_EQ(pci_config_read(pci, BDF, PCI_INTERRUPT_PIN, 1), 1);
    CHECK_EQ(pci_config_read(pci, BDF, PIIX4_DEVACTB, 4), 1u << 25);  /* SMM "done" */
    CHECK_EQ(pci_config_read(pci, BDF, PIIX4_PMBA, 4), 1);
    CHECK_EQ(pci_config_read(pci, BDF, PIIX4_SMBBA, 4), 0xB101u);
    CHECK_EQ(pci_config_read(pci, BDF, PIIX4_SMBHSTCFG, 1), 0x09);

    /* PMBA keeps bits 15-6 and bit 0 reads 1; the block is off until
     * PMREGMISC bit 0. */
    pci_config_write(pci, BDF, PIIX4_PMBA, 0xFFFFFFFFu, 4);
    CHECK_EQ(pci_config_read(pci, BDF, PIIX4_PMBA, 4), 0xFFC1u);
    pci_config_write(pci, BDF, PIIX4_PMBA, 0xB000 | 1, 4);
    CHECK_EQ(in(0xB008, 4), 0xFFFFFFFFu);
    pci_config_write(pci, BDF, PIIX4_PMREGMISC, 1, 1);
    CHECK(pm->pm_io.mapped && pm->pm_io.base == 0xB000);
    CHECK_EQ(in(0xB004, 2), 0);
    /* Moved: the old ports are free again. */
    pci_config_write(pci, BDF, PIIX4_PMBA, 0x600 | 1, 4);
    CHECK_EQ(in(0xB004, 2), 0xFFFF);
    CHECK_EQ(in(0x604, 2), 0);
    /* Unused offsets of the block read all ones. */
    CHECK_EQ(in(0x60C, 4), 0xFFFFFFFFu);
    CHECK_EQ(in(0x628, 1), 0xFF);

    /* The SMBus window at its reset place, then moved and off. */
    CHECK_EQ(in(0xB100 + SMB_HST_STS, 1), 0);
    pci_config_write(pci, BDF, PIIX4_SMBBA, 0x700 | 1, 4);
    CHECK_EQ(in(0xB100, 1), 0xFF);
    CHECK_EQ(in(0x700, 1), 0);
    pci_config_write(pci, BDF, PIIX4_SMBHSTCFG, 0x08, 1);
    CHECK_EQ(in(0x700, 1), 0xFF);
    pci_config_write(pci, BDF, PIIX4_SMBHSTCFG, 0x09, 1);
}

static void test_timer(void)
{
    /* 3.579545 MHz: one second of guest time is 3579545 counts. */
    now = 0;
    uint32_t t0 = in(0x608, 4);
    now = 1000000000ull;
    CHECK_EQ(in(0x608, 4) - t0, 3579545u);
    CHECK_EQ(piix4_pm_timer(pm, 1000000000ull), 3579545u);
    /* 24 bits: it wraps after 2^24 counts (4.687 s). */
    CHECK_EQ(piix4_pm_timer(pm, 4687500000ull), (uint32_t)((4687500000ull * 3579545u /
                                                             1000000000u) & 0xFFFFFF));
    CHECK(in(0x608, 4) <= 0xFFFFFF);
    /* Byte reads see the same count. */
    CHECK_EQ(in(0x608, 1) | in(0x609, 1) << 8 | in(0x60A, 1) << 16, in(0x608, 4));
    CHECK_EQ(in(0x60B, 1), 0);

    /* TMR_STS: set when bit 23 changes (2^23 counts after reset's point,
     * here from count 0), cleared by writing 1, then set again 2^23
     * counts later. */
    uint64_t period = (uint64_t)(0x800000ull * 1000000000ull / PM_TIMER_HZ) + 1;
    now = 0;
    vm_reset(vm);
    map_windows();
    CHECK_EQ(in(0x600, 2) & PM1_TMR_STS, 0);
    now = period - 2;
    CHECK_EQ(in(0x600, 2) & PM1_TMR_STS, 0);
    now = period;
    CHECK_EQ(in(0x600, 2) & PM1_TMR_STS, PM1_TMR_STS);
    out(0x600, PM1_TMR_STS, 2);
    CHECK_EQ(in(0x600, 2) & PM1_TMR_STS, 0);
    now = 2 * period - 2;
    CHECK_EQ(in(0x600, 2) & PM1_TMR_STS, 0);
    now = 2 * period + 5;
    CHECK_EQ(in(0x600, 2) & PM1_TMR_STS, PM1_TMR_STS);

    /* The SCI: needs SCI_EN and TMR_EN; the advance (the timer's
     * callback) raises it at the overflow without any port access. */
    CHECK(!sci.level);
    out(0x602, PM1_TMR_EN, 2);
    CHECK(!sci.level);                           /* SCI_EN clear */
    out(PIIX4_APM_PORT, 0xF1, 1);                /* ACPI_ENABLE: SCI_EN */
    CHECK_EQ(in(0x604, 2) & PM1_SCI_EN, PM1_SCI_EN);
    CHECK(sci.level);                            /* TMR_STS was pending */
    out(0x600, PM1_TMR_STS, 2);
    CHECK(!sci.level);
    now = 3 * period + 10;
    piix4_pm_advance(pm, now);
    CHECK(sci.level);
    CHECK_EQ(in(0x600, 2), PM1_TMR_STS);
    out(PIIX4_APM_PORT, 0xF0, 1);                /* ACPI_DISABLE */
    CHECK(!sci.level);
    CHECK_EQ(in(PIIX4_APM_PORT, 1), 0xF0);
    out(PIIX4_APM_PORT + 1, 0x5A, 1);
    CHECK_EQ(in(PIIX4_APM_PORT + 1, 1), 0x5A);
    /* Only the defined bits stick in PM1a_EN. */
    out(0x602, 0xFFFF, 2);
    CHECK_EQ(in(0x602, 2), PM1_TMR_EN | PM1_GBL_EN | PM1_PWRBTN_EN | PM1_RTC_EN);
    out(0x602, 0, 2);
}

static void test_sleep(void)
{
    /* S5 (SLP_TYP 0) with SLP_EN: the power-off request, once per write;
     * SLP_EN is not kept. */
    poweroffs = 0;
    out(0x604, PM1_SLP_EN | 0 << PM1_SLP_TYP_SHIFT, 2);
    CHECK_EQ(poweroffs, 1);
    CHECK_EQ(in(0x604, 2) & PM1_SLP_EN, 0);
    /* Other sleep types: not supported, nothing happens; SLP_TYP stays. */
    out(0x604, PM1_SLP_EN | 1 << PM1_SLP_TYP_SHIFT, 2);
    out(0x604, PM1_SLP_EN | 5 << PM1_SLP_TYP_SHIFT, 2);
    CHECK_EQ(poweroffs, 1);
    CHECK_EQ(in(0x604, 2), 5 << PM1_SLP_TYP_SHIFT);
    /* SLP_TYP without SLP_EN: nothing; then SLP_EN alone in the high
     * byte, as a byte write. */
    out(0x604, 0, 2);
    out(0x605, PM1_SLP_EN >> 8, 1);
    CHECK_EQ(poweroffs, 2);
}

static void test_gpe_smbus(void)
{
    CHECK_EQ(in(PIIX4_GPE0_PORT, 4), 0);
    out(PIIX4_GPE0_PORT + 2, 0xFFFF, 2);
    CHECK_EQ(in(PIIX4_GPE0_PORT + 2, 2), 0xFFFF);
    CHECK_EQ(in(PIIX4_GPE0_PORT, 2), 0);        /* nothing raises a GPE */
    out(PIIX4_GPE0_PORT + 2, 0, 2);

    /* A transaction on a bus with no devices: DEV_ERR at once, not busy;
     * the status clears with 1s. */
    uint16_t smb = 0x700;
    out(smb + SMB_HST_ADD, 0xA0 | 1, 1);         /* read from an SPD EEPROM */
    out(smb + SMB_HST_CMD, 0, 1);
    out(smb + SMB_HST_CNT, SMB_CNT_START | 0x08, 1);   /* byte data */
    CHECK_EQ(in(smb + SMB_HST_STS, 1), SMB_STS_DEV_ERR);
    CHECK_EQ(in(smb + SMB_HST_CNT, 1) & SMB_CNT_START, 0);
    CHECK_EQ(in(smb + SMB_HST_ADD, 1), 0xA1);
    out(smb + SMB_HST_STS, SMB_STS_DEV_ERR | SMB_STS_HOST_BUSY, 1);
    CHECK_EQ(in(smb + SMB_HST_STS, 1), 0);
    out(smb + SMB_HST_CNT, SMB_CNT_KILL, 1);
    CHECK_EQ(in(smb + SMB_HST_STS, 1), SMB_STS_FAILED);
    CHECK_EQ(in(smb + 0x0E, 2), 0xFFFF);
    CHECK_EQ(pm->smb.transactions, 1);
}

static struct state_out save_of(struct device *d)
{
    struct state_out o;
    state_out_init(&o);
    d->ops->save(d, &o);
    return o;
}

static void test_state(void)
{
    now = 12345678;
    out(0x602, PM1_TMR_EN, 2);
    out(PIIX4_APM_PORT, 0xF1, 1);
    out(0x700 + SMB_HST_D0, 0x42, 1);
    struct state_out a = save_of(&pm->dev);
    CHECK(!a.oom);
    out(0x602, 0, 2);
    out(PIIX4_APM_PORT, 0xF0, 1);
    out(0x700 + SMB_HST_D0, 0, 1);
    struct state_in in_ = state_in_of(a.buf, a.len);
    CHECK_EQ(pm->dev.ops->load(&pm->dev, &in_, false), 0);
    CHECK_EQ(in(0x602, 2), 0);                   /* a dry run changes nothing */
    in_ = state_in_of(a.buf, a.len);
    CHECK_EQ(pm->dev.ops->load(&pm->dev, &in_, true), 0);
    CHECK_EQ(in(0x602, 2), PM1_TMR_EN);
    CHECK_EQ(in(0x604, 2) & PM1_SCI_EN, PM1_SCI_EN);
    CHECK_EQ(in(0x700 + SMB_HST_D0, 1), 0x42);
    /* Bits no register keeps: refused. */
    uint8_t *bad = malloc(a.len);
    memcpy(bad, a.buf, a.len);
    bad[3] = 0x80;                               /* PM1_EN bit 15 */
    in_ = state_in_of(bad, a.len);
    CHECK_EQ(pm->dev.ops->load(&pm->dev, &in_, true), -1);
    memcpy(bad, a.buf, a.len);
    bad[6] = 0x01;                               /* overflow not on 2^23 */
    in_ = state_in_of(bad, a.len);
    CHECK_EQ(pm->dev.ops->load(&pm->dev, &in_, true), -1);
    in_ = state_in_of(a.buf, a.len - 1);
    CHECK_EQ(pm->dev.ops->load(&pm->dev, &in_, true), -1);
    free(bad);
    state_out_free(&a);

    /* A timer status whose time has come, never read: the save has it
     * (and the SCI it raises), so load and save give the same bytes
     * (found by fuzz_chipset on the host clock). */
    vm_reset(vm);
    map_windows();
    out(PIIX4_APM_PORT, 0xF1, 1);
    out(0x602, PM1_TMR_EN, 2);
    now += 3000000000ull;                        /* past 2^23 counts */
    a = save_of(&pm->dev);
    in_ = state_in_of(a.buf, a.len);
    CHECK_EQ(pm->dev.ops->load(&pm->dev, &in_, true), 0);
    struct state_out b = save_of(&pm->dev);
    CHECK(a.len == b.len && memcmp(a.buf, b.buf, a.len) == 0);
    CHECK(sci.level);
    CHECK_EQ(in(0x600, 2), PM1_TMR_STS);
    state_out_free(&a);
    state_out_free(&b);

    /* Reset: registers clear, windows off (PMREGMISC 0), SMBus back at
     * 0xB100. */
    vm_reset(vm);
    CHECK(!pm->pm_io.mapped);
    CHECK(pm->smb_io.mapped && pm->smb_io.base == 0xB100);
    CHECK(!sci.level);
}

int main(void)
{
    vm = board_vm(1);
    pci = pci_create(pc_pci_space(vm), pc_reset_request(vm));
    board_add(vm, &pci->dev);
    pm = piix4_pm_create(pci, 1, 3, fake_clock(&now), NULL, log_pin(&sci),
                         (struct signal_request){ .fire = fire_poweroff });
    CHECK(pm != NULL);
    board_add(vm, &pm->dev);
    CHECK_EQ(piix4_pm_create(pci, 1, 3, fake_clock(&now), NULL, log_pin(&sci),
                             (struct signal_request){ 0 }) == NULL, 1);  /* slot taken */
    test_config();
    test_timer();
    test_sleep();
    test_gpe_smbus();
    test_state();
    vm_destroy(vm);
    return check_report();
}
