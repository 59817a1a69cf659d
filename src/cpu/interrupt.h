/* Delivery of interrupts and exceptions (SDM vol. 3A, chapter 6; real mode
 * 20.1.4; V86 20.3) and IRET. */
#ifndef PLEX86_CPU_INTERRUPT_H
#define PLEX86_CPU_INTERRUPT_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"

/* Where an event came from: it decides the gate DPL check, the EXT bit of
 * error codes and V86's IOPL rule. */
enum event_source {
    EV_EXCEPTION,   /* fault or trap raised by the processor */
    EV_INT,         /* INT n: gate DPL checked; IOPL-sensitive in V86 */
    EV_INT3_INTO,   /* INT3 / INTO: gate DPL checked, not IOPL-sensitive */
    EV_ICEBP,       /* INT1 (F1): like a hardware debug trap */
    EV_EXTERNAL,    /* INTR or NMI: EXT bit set */
};

/* Delivers `vector` with return address `ret_eip`.  Raises a fault (through
 * cpu_fault) if delivery itself faults. */
void deliver_event(struct cpu *c, int vector, enum event_source src, bool has_err,
                   uint32_t err, uint32_t ret_eip);

/* Whether an exception pushes an error code in protected mode. */
bool exception_has_error(int vector);

/* IRET / IRETD in every mode. */
void do_iret(struct cpu *c, unsigned osize);

#endif
