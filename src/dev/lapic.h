/* The local APIC of one CPU, in xAPIC mode (SDM vol. 3A, chapter 10):
 * the registers at IA32_APIC_BASE (4 KiB of MMIO, 0xFEE00000 after
 * RESET), the priority logic (TPR, PPR, APR, IRR, ISR, TMR, EOI), the local
 * vector table (timer, thermal, performance counter, LINT0, LINT1, error),
 * the error status register, the ICR that sends IPIs over the board's APIC
 * bus (dev/apic_bus.h), and the timer in one-shot, periodic and
 * TSC-deadline modes on guest time.
 *
 * One `struct lapic` per CPU: its ID comes from the board, and nothing in
 * it assumes it is alone.  It sits between the interrupt sources and the
 * CPU: it drives the CPU's INTR (`intr`) and answers its INTA cycle
 * (lapic_ack); the 8259's INTR comes in on LINT0 (lapic_set_lint0), and,
 * as the PC wires it (virtual wire mode, MP spec 3.6.2.2), while the APIC
 * is globally disabled or LINT0 is unmasked in ExtINT mode the PIC's
 * request goes to the CPU and INTA reaches the PIC (`extint_ack`).
 *
 * Choices (the SDM leaves them to the model):
 *  - Version 0x00050014 as QEMU's: an integrated APIC with six LVT entries.
 *    The thermal and performance-counter entries are storage (nothing
 *    raises them).
 *  - The timer counts at 1 GHz before the divider, as QEMU's (one count per
 *    guest nanosecond at divide-by-1).
 *  - TSC-deadline mode (LVT timer mode 2, IA32_TSC_DEADLINE) works on every
 *    model with an APIC although CPUID.1:ECX[24] is only set where a model
 *    has it (a Pentium M does not): software that checks CPUID never uses
 *    it, and tests can.
 *  - A fixed interrupt accepted while the APIC is software-disabled waits
 *    in the IRR (QEMU does the same); it is presented once SVR bit 8 is
 *    set.
 *  - Clearing IA32_APIC_BASE bit 11 disables the APIC (its registers go,
 *    LINT0 is the CPU's INTR); setting it again brings it back with the
 *    SVR cleared and the LVT entries masked (a Pentium 4 allows this, a P6
 *    needs a RESET; QEMU allows it). */
#ifndef PLEX86_DEV_LAPIC_H
#define PLEX86_DEV_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/apic_bus.h"
#include "dev/irq.h"
#include "dev/pci.h"
#include "dev/signals.h"
#include "vm/device.h"
#include "vm/sched.h"

#define LAPIC_DEFAULT_BASE 0xFEE00000u
#define LAPIC_VERSION 0x00050014u
#define LAPIC_NUM_LVT 6

/* IA32_APIC_BASE bits (SDM vol. 3A, 10.4.4). */
#define LAPIC_BASE_BSP (1u << 8)
#define LAPIC_BASE_ENABLE (1u << 11)
#define LAPIC_BASE_ADDR 0xFFFFF000u

/* Register offsets in the 4 KiB page (SDM vol. 3A, table 10-1). */
enum {
    LAPIC_ID = 0x20,
    LAPIC_VER = 0x30,
    LAPIC_TPR = 0x80,
    LAPIC_APR = 0x90,
    LAPIC_PPR = 0xA0,
    LAPIC_EOI = 0xB0,
    LAPIC_RRD = 0xC0,
    LAPIC_LDR = 0xD0,
    LAPIC_DFR = 0xE0,
    LAPIC_SVR = 0xF0,
    LAPIC_ISR = 0x100,
    LAPIC_TMR = 0x180,
    LAPIC_IRR = 0x200,
    LAPIC_ESR = 0x280,
    LAPIC_ICR_LO = 0x300,
    LAPIC_ICR_HI = 0x310,
    LAPIC_LVT_TIMER = 0x320,  /* the LVT: 0x320 + 0x10 * enum lapic_lvt */
    LAPIC_TIMER_ICR = 0x380,
    LAPIC_TIMER_CCR = 0x390,
    LAPIC_TIMER_DCR = 0x3E0,
};

enum lapic_lvt { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR };

#define LVT_MASKED (1u << 16)
#define LVT_LEVEL (1u << 15)
#define LVT_REMOTE_IRR (1u << 14)
#define LVT_TIMER_MODE(v) (((v) >> 17) & 3)
enum { LAPIC_TIMER_ONESHOT, LAPIC_TIMER_PERIODIC, LAPIC_TIMER_TSC_DEADLINE };

/* ESR bits (SDM vol. 3A, 10.5.3). */
#define ESR_SEND_ILLEGAL_VECTOR (1u << 5)
#define ESR_RECV_ILLEGAL_VECTOR (1u << 6)
#define ESR_ILLEGAL_REGISTER (1u << 7)

#define LAPIC_SVR_ENABLE (1u << 8)

/* IA32_TSC_DEADLINE (SDM vol. 3A, 10.5.4.1). */
#define LAPIC_MSR_TSC_DEADLINE 0x6E0u

/* What the board gives a local APIC. */
struct lapic_wiring {
    struct dev_clock clock;
    struct sched *sched;
    struct signal_line intr;        /* the CPU's INTR input */
    struct signal_request nmi;      /* the CPU's NMI (LINT1, NMI IPIs) */
    struct signal_request init;     /* INIT and Start-up (value: the vector)
                                       accepted: another CPU's business */
    struct signal_request sipi;
    int (*extint_ack)(void *opaque);/* INTA to the 8259 (ExtINT) */
    void *extint_opaque;
    struct apic_bus bus;            /* IPIs out */
    struct apic_eoi_line eoi;       /* EOI of a level-triggered vector */
    struct pci_space space;         /* maps the register page (map_mem) */
    /* Guest ns at which the CPU's TSC reaches `tsc` (TSC-deadline mode). */
    uint64_t (*tsc_to_ns)(void *opaque, uint64_t tsc);
    void *tsc_opaque;
};

struct lapic_stats {
    uint64_t delivered;  /* vectors handed to the CPU by INTA */
    uint64_t extint;     /* INTA cycles passed to the 8259 */
    uint64_t spurious;   /* INTA answered with the spurious vector */
    uint64_t timer;      /* timer expiries while unmasked (and TSC-deadline
                            ones, masked or not) */
    uint64_t eoi;        /* EOI writes that ended an in-service vector */
    uint64_t ipi;        /* ICR sends */
};

struct lapic {
    struct device dev;   /* first: device_free */
    struct lapic_wiring w;
    uint8_t initial_id;  /* the ID at RESET (the board's) */
    bool bsp;

    uint64_t apic_base;  /* IA32_APIC_BASE */
    uint32_t mapped;     /* the page now mapped, or 0 */
    uint32_t id;         /* bits 31:24 */
    uint32_t tpr, ldr, dfr, svr;
    uint32_t isr[8], tmr[8], irr[8];
    uint32_t esr;        /* what ESR reads: latched by the last write */
    uint32_t esr_pending;/* errors since then */
    uint32_t icr_lo, icr_hi;
    uint32_t lvt[LAPIC_NUM_LVT];
    uint32_t dcr;        /* divide configuration */
    bool lint0;          /* the level on LINT0 (the 8259's INTR) */
    bool intr;           /* the level given to the CPU */

    /* The timer: the count was `load_count` at guest time `load_ns`, and
     * `initial` is reloaded on reaching zero in periodic mode. */
    uint32_t initial;
    uint32_t load_count;
    uint64_t load_ns;
    bool running;
    uint64_t tsc_deadline;  /* IA32_TSC_DEADLINE as written; 0: disarmed */
    uint64_t deadline_ns;   /* its guest time */
    struct timer timer;

    struct lapic_stats stats;
};

struct lapic *lapic_create(const char *name, uint8_t apic_id, bool bsp,
                           const struct lapic_wiring *w);

/* INIT (an INIT IPI, SDM vol. 3A, 10.4.7.3): the registers take their
 * RESET values, but the APIC ID and IA32_APIC_BASE stay. */
void lapic_init_reset(struct lapic *l);

/* The level of LINT0 (the 8259's INTR) and LINT1. */
void lapic_set_lint0(struct lapic *l, bool level);
void lapic_set_lint1(struct lapic *l, bool level);

/* The CPU's INTA cycle: the vector to deliver (moved from IRR to ISR), the
 * 8259's, the spurious vector, or -1 when nothing is pending. */
int lapic_ack(struct lapic *l);

/* IA32_APIC_BASE and IA32_TSC_DEADLINE from RDMSR/WRMSR; false: #GP(0). */
bool lapic_msr_read(struct lapic *l, uint32_t index, uint64_t *value);
bool lapic_msr_write(struct lapic *l, uint32_t index, uint64_t value);

/* True while IA32_APIC_BASE bit 11 is set (CPUID.1:EDX[9] follows it). */
bool lapic_enabled(const struct lapic *l);

/* The bus side: whether a message for (logical, dest) addresses this APIC
 * (SDM vol. 3A, 10.6.2), its arbitration priority for lowest-priority
 * delivery, and taking a message. */
bool lapic_match(const struct lapic *l, bool logical, uint8_t dest);
uint8_t lapic_apr(const struct lapic *l);
void lapic_accept(struct lapic *l, const struct apic_msg *m);

/* Register access as the MMIO handler does it (tests, the fuzzer). */
uint32_t lapic_read(struct lapic *l, uint32_t offset);
void lapic_write(struct lapic *l, uint32_t offset, uint32_t value);

#endif
