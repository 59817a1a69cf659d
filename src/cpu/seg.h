/* Segment loads and far transfers, dispatched by CPU mode. */
#ifndef PLEX86_CPU_SEG_H
#define PLEX86_CPU_SEG_H

#include <stdint.h>

#include "cpu/cpu.h"

/* Loads a data/stack segment register (MOV, POP, LDS...). */
void load_seg(struct cpu *c, int sreg, uint16_t sel);

/* Far JMP/CALL/RET target: loads CS:EIP (the stack work is the caller's). */
void far_transfer(struct cpu *c, uint16_t sel, uint32_t off, unsigned osize);

/* Stops the VM with a diagnostic naming CS:EIP: for states the engine does
 * not handle.  The guest never sees it; the user gets exit status 4. */
void cpu_internal_error(struct cpu *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
