/* The CPU's architectural state as bytes (vm/state.h): a snapshot's "cpu"
 * section.  Fields are written one by one, in a fixed order, never as the
 * struct's raw bytes, so that the format survives changes to struct cpu's
 * layout and to the engine's scratch fields.  What is saved: registers,
 * EFLAGS, segment registers with their hidden caches, GDTR/IDTR/LDTR/TR,
 * CR0-CR4, DR0-7, the MSRs, the PAE PDPTEs, the x87 and SSE state, the
 * HLT/interrupt-shadow/NMI state and the step counters that guest time
 * (vm/clock.h) is made of.  What is not: the configuration (the model is
 * checked by the snapshot header) and anything derived (seg.check, code32,
 * the TLB), which the loader recomputes. */
#ifndef PLEX86_CPU_CPU_STATE_H
#define PLEX86_CPU_CPU_STATE_H

#include <stdbool.h>

#include "cpu/cpu.h"
#include "vm/state.h"

/* Format of the section; a loader refuses any other. */
#define CPU_STATE_VERSION 1

void cpu_state_save(const struct cpu *c, struct state_out *out);

/* Reads and checks a saved state (values the model cannot hold: CR bits it
 * lacks, a TOP out of range, CS not code in protected mode...).  Returns 0
 * or -1 with a reason in `why`.  With commit false nothing changes; with
 * commit true and good input the CPU takes the state, its derived fields
 * are recomputed and its TLB is emptied (the caller drops scanned code). */
int cpu_state_load(struct cpu *c, struct state_in *in, bool commit, char *why,
                   size_t whylen);

#endif
