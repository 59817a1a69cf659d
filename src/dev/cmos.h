/* The MC146818 real-time clock and its CMOS NVRAM (Motorola MC146818A data
 * sheet), as on the PC at ports 0x70 (index; bit 7 masks NMI) and 0x71
 * (data).  The RTC's interrupt output drives IRQ 8.
 *
 * Registers 0x00-0x09 are the time (seconds, minutes, hours, day of week
 * 1 = Sunday, day of month, month, year within the century) and the alarm
 * (0x01, 0x03, 0x05; a value with bits 7-6 set matches anything), in BCD
 * or binary and 12- or 24-hour form per register B (DM, 24/12), as the
 * guest chose when it reads them.  0x32 is the century (PC convention).
 * Register A: UIP (read only; set in the 244 us before each update), the
 * divider DV (0x20 runs the clock; anything else holds it), the periodic
 * rate RS.  Register B: SET (holds the clock so the guest can write the
 * time), PIE/AIE/UIE interrupt enables, SQWE (stored), DM, 24/12, DSE
 * (stored; no daylight saving adjustments).  Register C: IRQF and the
 * PF/AF/UF flags, cleared by reading it (which also lowers IRQ 8).
 * Register D: VRT, always 1.  0x0E-0x7F: battery-backed RAM, kept across
 * resets; cmos_set_memory() fills the PC's memory-size fields.
 *
 * Time: the clock reads `base_s` (Unix seconds, UTC) at guest time 0 and
 * runs with guest time (struct dev_clock); a guest that sets the time
 * moves the base.  Flags and IRQ 8 are brought up to date by
 * cmos_advance(cmos, now), which the RTC's timer (vm/sched.h) calls at the
 * time cmos_next_event gives (tests without a scheduler call it by hand);
 * port accesses advance first by themselves.  Periodic interrupts follow guest time in steps of
 * the 32.768 kHz time base (RS 1 and 2 are 3.90625 and 7.8125 ms, RS 3-15
 * 2^(RS-1)/32768 s). */
#ifndef PLEX86_DEV_CMOS_H
#define PLEX86_DEV_CMOS_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/irq.h"
#include "vm/device.h"
#include "vm/sched.h"

#define CMOS_BASE 0x70
#define CMOS_IRQ 8

enum {
    RTC_SECONDS = 0x00, RTC_SECONDS_ALARM = 0x01, RTC_MINUTES = 0x02,
    RTC_MINUTES_ALARM = 0x03, RTC_HOURS = 0x04, RTC_HOURS_ALARM = 0x05,
    RTC_DAY_OF_WEEK = 0x06, RTC_DAY_OF_MONTH = 0x07, RTC_MONTH = 0x08,
    RTC_YEAR = 0x09, RTC_REG_A = 0x0A, RTC_REG_B = 0x0B, RTC_REG_C = 0x0C,
    RTC_REG_D = 0x0D, RTC_CENTURY = 0x32,
};

enum {
    RTC_A_UIP = 0x80,
    RTC_B_SET = 0x80, RTC_B_PIE = 0x40, RTC_B_AIE = 0x20, RTC_B_UIE = 0x10,
    RTC_B_SQWE = 0x08, RTC_B_DM_BINARY = 0x04, RTC_B_24H = 0x02, RTC_B_DSE = 0x01,
    RTC_C_IRQF = 0x80, RTC_C_PF = 0x40, RTC_C_AF = 0x20, RTC_C_UF = 0x10,
    RTC_D_VRT = 0x80,
};

struct cmos {
    struct device dev;    /* first: device_free */
    struct dev_clock clock;
    struct sched *sched;  /* where `timer` is armed; NULL: by hand */
    struct timer timer;   /* the next interrupt */
    struct irq_pin irq8;
    uint8_t ram[128];     /* the registers and NVRAM; 0x00-0x09 and 0x32
                             hold the time as last written or read */
    uint8_t index;        /* port 0x70 bits 6-0 */
    bool nmi_masked;      /* port 0x70 bit 7 */
    bool running;         /* divider on and SET clear: the time advances */
    int64_t base_ns;      /* RTC time (ns since 1970 UTC) at guest time 0 */
    uint64_t last_ns;     /* guest time up to which flags are current */
    bool irq_level;       /* IRQ 8 as driven */
};

/* Creates the RTC with its clock at `base_s` (Unix seconds) at guest time
 * 0, declaring ports 0x70-0x71.  `irq8` may be unconnected, `sched` NULL.
 * NULL when out of memory. */
struct cmos *cmos_create(struct dev_clock clock, struct sched *sched, struct irq_pin irq8,
                         int64_t base_s);

/* Fills the memory-size fields as QEMU's pc_cmos_init does, for
 * `below_4g` bytes of RAM below 4 GiB and `above_4g` above it, and the
 * standard checksum: 0x15-0x16 base memory in KiB (640 at most),
 * 0x17-0x18 and 0x30-0x31 KiB above 1 MiB (at most 65535), 0x34-0x35
 * 64 KiB blocks between 16 MiB and 4 GiB (at most 65535), 0x5B-0x5D
 * 64 KiB blocks above 4 GiB. */
void cmos_set_memory(struct cmos *cmos, uint64_t below_4g, uint64_t above_4g);

/* The board's configuration bytes in the NVRAM (index 0x0E-0x7F, not the
 * clock's registers): the floppy types (0x10), hard disks (0x12, 0x19-
 * 0x2D), equipment (0x14), boot order (0x38, 0x3D), CPU count (0x5F) as
 * the firmware reads them.  Setting a byte the standard checksum covers
 * (0x10-0x2D) updates the checksum (0x2E-0x2F).  An index outside the
 * range is ignored (reads 0). */
#define CMOS_CHECKSUM_FIRST 0x10
#define CMOS_CHECKSUM_LAST 0x2D
#define CMOS_CHECKSUM_HI 0x2E
#define CMOS_CHECKSUM_LO 0x2F
void cmos_set_byte(struct cmos *cmos, unsigned index, uint8_t value);
uint8_t cmos_get_byte(const struct cmos *cmos, unsigned index);

/* Fills the diskette fields from the drive types (CMOS codes: 0 none,
 * 1 360K, 2 1.2M, 3 720K, 4 1.44M, 5 2.88M) of drives A and B: 0x10 holds
 * A in bits 7-4 and B in bits 3-0; the equipment byte 0x14 gets bit 0
 * (diskettes installed) and bits 7-6 (their number less one), its other
 * bits kept; then the checksum (0x2E-0x2F), as cmos_set_memory. */
void cmos_set_floppies(struct cmos *cmos, unsigned type_a, unsigned type_b);

/* Brings PF/AF/UF and IRQ 8 up to now_ns. */
void cmos_advance(struct cmos *cmos, uint64_t now_ns);

/* The guest time of the next interrupt the RTC would raise (periodic with
 * PIE, update or alarm with UIE/AIE), or UINT64_MAX. */
uint64_t cmos_next_event(struct cmos *cmos, uint64_t now_ns);

/* The RTC's time in Unix seconds at now_ns (while held: the registers'). */
int64_t cmos_time(struct cmos *cmos, uint64_t now_ns);

/* Resets as the RESET pin does: PIE, AIE, UIE and SQWE clear, flags clear,
 * IRQ 8 low.  The time and the NVRAM are kept. */
void cmos_reset(struct cmos *cmos);

#endif
