/* Guest time as bytes (vm/state.h): a snapshot's "clock" section.
 *
 * What is saved is the guest time at the save and how it was kept (mode,
 * shift, time skipped while halted).  A loaded clock continues from the
 * saved guest time whatever mode this VM runs in: under -icount it is
 * steps << shift + warp with the CPU's restored step count, so a run with
 * the same shift repeats exactly; on the host clock the guest time resumes
 * at the saved value and follows host time from there. */
#ifndef PLEX86_VM_CLOCK_STATE_H
#define PLEX86_VM_CLOCK_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "vm/clock.h"
#include "vm/state.h"

#define VM_CLOCK_STATE_VERSION 1

void vm_clock_save(struct vm_clock *clk, struct state_out *out);

/* Reads and checks a saved clock; with commit (which must come after the
 * CPU's step counters are restored) the clock takes it.  Returns 0, or -1
 * with a reason in `why`. */
int vm_clock_load(struct vm_clock *clk, struct state_in *in, bool commit, char *why,
                  size_t whylen);

#endif
