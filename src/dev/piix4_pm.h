/* The PIIX4's power-management function (Intel 82371AB data sheet, function
 * 3), as QEMU's "pc" machine has it at 00:01.3: 8086:7113, revision 03,
 * class 06 80 00, INTA# pin, its interrupt the ACPI SCI, wired to IRQ 9.
 *
 * Configuration registers acted on:
 *  - PMBA (0x40; bits 15-6, bit 0 reads 1) and PMREGMISC (0x80, bit 0):
 *    the 64-port power-management I/O block at PMBA while enabled;
 *  - SMBBA (0x90; bits 15-4, bit 0 reads 1) and SMBHSTCFG (0xD2, bit 0):
 *    the SMBus host controller (dev/pm_smbus.h) while enabled;
 *  - DEVACTB (0x58): bit 25, APMC_EN, is set at reset as QEMU does with
 *    SMM off, which tells SeaBIOS that SMM is set up (plex86 has no SMM:
 *    APMC writes other than the ACPI commands below raise nothing).
 *
 * The PM I/O block (ACPI 1.0 fixed hardware, as QEMU's hw/acpi/core.c):
 *  - +0 PM1a_STS (16 bits, write 1 to clear): TMR_STS (0), BM_STS (4),
 *    GBL_STS (5), PWRBTN_STS (8), RTC_STS (10), WAK_STS (15);
 *  - +2 PM1a_EN: TMR_EN (0), GBL_EN (5), PWRBTN_EN (8), RTC_EN (10);
 *  - +4 PM1a_CNT: SCI_EN (0), BM_RLD (1), GBL_RLS (2), SLP_TYP (12-10),
 *    SLP_EN (13, write only).  SLP_EN with SLP_TYP 0 (S5, soft off in the
 *    _S5 package SeaBIOS and QEMU give) fires the power-off request; the
 *    board ends the VM as QEMU does on a guest poweroff.  Other sleep
 *    types are not supported ("etc/system-states" tells the firmware so)
 *    and do nothing;
 *  - +8 PM_TMR: the ACPI power-management timer, 24 bits counting at
 *    3.579545 MHz from guest time (read only).  TMR_STS is set when bit 23
 *    of the count changes;
 *  - the rest of the 64 ports read all ones (QEMU maps nothing there).
 * The SCI (IRQ 9) is high while SCI_EN is set and a status bit is set
 * whose enable is (TMR, GBL, PWRBTN, RTC), or a GPE is.
 *
 * GPE0 (ports 0xAFE0-0xAFE3, fixed, QEMU's GPE_BASE): a 16-bit status
 * (write 1 to clear) and enable; nothing raises a GPE on this board.
 * APM (ports 0xB2 APMC, 0xB3 APMS): stored and read back; writing 0xF1 to
 * APMC sets SCI_EN and 0xF0 clears it (the FADT's ACPI_ENABLE and
 * ACPI_DISABLE commands, ACPI 3.0 4.7.2.5, as QEMU does). */
#ifndef PLEX86_DEV_PIIX4_PM_H
#define PLEX86_DEV_PIIX4_PM_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/irq.h"
#include "dev/pci.h"
#include "dev/pm_smbus.h"
#include "dev/signals.h"
#include "vm/device.h"
#include "vm/sched.h"

#define PIIX4_PM_VENDOR 0x8086
#define PIIX4_PM_DEVICE 0x7113
#define PIIX4_PM_SCI_IRQ 9
#define PIIX4_PM_IO_SIZE 64
#define PIIX4_GPE0_PORT 0xAFE0
#define PIIX4_APM_PORT 0xB2
#define PM_TIMER_HZ 3579545u

enum {
    PIIX4_PMBA = 0x40, PIIX4_DEVACTB = 0x58, PIIX4_PMREGMISC = 0x80, PIIX4_SMBBA = 0x90,
    PIIX4_SMBHSTCFG = 0xD2,
};

enum {
    PM1_TMR_STS = 1u << 0, PM1_BM_STS = 1u << 4, PM1_GBL_STS = 1u << 5,
    PM1_PWRBTN_STS = 1u << 8, PM1_RTC_STS = 1u << 10, PM1_WAK_STS = 1u << 15,
    PM1_TMR_EN = 1u << 0, PM1_GBL_EN = 1u << 5, PM1_PWRBTN_EN = 1u << 8,
    PM1_RTC_EN = 1u << 10,
    PM1_SCI_EN = 1u << 0, PM1_SLP_TYP_SHIFT = 10, PM1_SLP_EN = 1u << 13,
};

struct piix4_pm {
    struct device dev;           /* first: device_free */
    struct pci *pci;             /* its windows are mapped through the bus */
    struct pci_function fn;
    struct pci_io_window pm_io, smb_io;
    struct dev_clock clock;
    struct sched *sched;         /* NULL: tests call piix4_pm_advance */
    struct timer timer;          /* the next PM timer overflow (TMR_STS) */
    struct irq_pin sci;
    struct signal_request poweroff;

    uint16_t pm1_sts, pm1_en, pm1_cnt;
    uint64_t tmr_overflow;       /* PM timer count at which TMR_STS sets */
    uint16_t gpe_sts, gpe_en;
    uint8_t apmc, apms;
    struct pm_smbus smb;
    bool sci_level;              /* as driven */
    uint64_t poweroffs;          /* requests fired, for the monitor */
    /* For the accounting (counters.def): SCI rising edges, power button
     * presses (piix4_pm_power_button). */
    uint64_t sci_raises, power_button_presses;
};

/* Creates the function, registers it on `pci` at 00:dev.fn (its SCI goes
 * to `sci`, not through the PCI interrupt routing) and declares the GPE0
 * and APM ports.  `poweroff` is fired on an S5 request.  NULL when out of
 * memory or the slot is taken. */
struct piix4_pm *piix4_pm_create(struct pci *pci, unsigned dev, unsigned fn,
                                 struct dev_clock clock, struct sched *sched,
                                 struct irq_pin sci, struct signal_request poweroff);

/* The PM timer's 24-bit count at guest time now_ns. */
uint32_t piix4_pm_timer(const struct piix4_pm *pm, uint64_t now_ns);

/* The power button (QEMU's system_powerdown): PWRBTN_STS, and the SCI if
 * the guest enabled PWRBTN_EN and SCI_EN.  An ACPI guest then powers off
 * by itself (S5); one without ACPI ignores it. */
void piix4_pm_power_button(struct piix4_pm *pm);

/* Brings TMR_STS and the SCI up to now_ns (the timer's callback; tests
 * without a scheduler call it). */
void piix4_pm_advance(struct piix4_pm *pm, uint64_t now_ns);

#endif
