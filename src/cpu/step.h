/* What an engine (src/engine) calls between and around the instructions it
 * runs: the CPU's side of the run loop.  The loop itself, the blocks and
 * the budget are the engine's; these are the parts every engine shares
 * because they are architecture (cpu.c). */
#ifndef PLEX86_CPU_STEP_H
#define PLEX86_CPU_STEP_H

#include <stdbool.h>

#include "cpu/cpu.h"

/* External interrupts at an instruction boundary (SDM vol. 3A, 6.8): NMI
 * first, then INTR when IF is set, the vector from the pins' INTA cycle.
 * Returns true if one was delivered.  May fault (cpu.fault_jmp). */
bool cpu_take_interrupt(struct cpu *c);

/* One instruction through the slow path, in two halves so that the engine
 * can scan the bytes in between (execution never passes through unscanned
 * bytes, seed 003) after the instruction breakpoints had their turn
 * (they come before fetch faults, SDM vol. 3A, 6.9):
 *   begin: records where the instruction starts (a fault restarts there),
 *          clears the interrupt shadow, checks instruction breakpoints;
 *          returns whether TF was set, for finish;
 *   finish: fetches, decodes and executes it, then the #DB traps.
 * Both may fault. */
bool cpu_step_begin(struct cpu *c);
void cpu_step_finish(struct cpu *c, bool single_step);

/* The #DB trap after an instruction (SDM vol. 3A, 17.2.3): TF was set at
 * its start (single_step, DR6.BS) and/or it hit a data breakpoint
 * (cpu.db_trap).  The return address is the next instruction. */
void cpu_debug_trap(struct cpu *c, bool single_step);

/* After an instruction or a delivery faulted and unwound to cpu.fault_jmp:
 * rolls the instruction back and delivers the exception, folding it into a
 * #DF or a shutdown as the delivery in progress requires (SDM vol. 3A,
 * 6.15).  Returns false on shutdown (triple fault: cpu.halted is set). */
bool cpu_deliver_fault(struct cpu *c);

#endif
