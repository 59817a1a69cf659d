/* Guest time.  One clock per VM gives every device, the TSC and the run
 * loop the same guest nanoseconds, so the PIT, the RTC and RDTSC agree
 * (issue 6 item 6, issue 7 item 6).
 *
 * Two modes:
 *  - host (the default): guest time follows the host's CLOCK_MONOTONIC
 *    from the moment the VM was created, as QEMU's does without -icount.
 *    Reading it costs a vDSO call (~25 ns here, DESIGN.md section 2), so
 *    the run loop reads it once per slice, devices when the guest touches
 *    them.
 *  - icount (-icount shift=N): guest time is 2^N ns per retired step
 *    (instruction, exception or interrupt; cpu_steps), plus the time
 *    skipped while halted, when the clock jumps straight to the next
 *    device event.  Runs are then repeatable to the instruction, whatever
 *    the host is doing: what deterministic tests want. */
#ifndef PLEX86_VM_CLOCK_H
#define PLEX86_VM_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct cpu;

#define VM_CLOCK_MAX_SHIFT 10

enum vm_clock_mode { VM_CLOCK_HOST, VM_CLOCK_ICOUNT };

struct vm_clock {
    enum vm_clock_mode mode;
    uint64_t host_base_ns;  /* host monotonic time at guest time 0 */
    unsigned shift;         /* icount: ns per step = 1 << shift */
    uint64_t warp_ns;       /* icount: time skipped while halted */
    const struct cpu *cpu;  /* icount: whose steps count */
};

/* The host's monotonic clock, in nanoseconds. */
uint64_t host_monotonic_ns(void);

void vm_clock_init_host(struct vm_clock *clk);
void vm_clock_init_icount(struct vm_clock *clk, const struct cpu *cpu, unsigned shift);

/* Guest nanoseconds since the VM was created. */
uint64_t vm_clock_now(const struct vm_clock *clk);

/* Steps that take guest time forward by `ns` (icount; the run loop sizes
 * its slices with it).  At least 1. */
uint64_t vm_clock_steps_for(const struct vm_clock *clk, uint64_t ns);

/* icount: moves guest time forward to `target` (no-op if it is past). */
void vm_clock_warp_to(struct vm_clock *clk, uint64_t target);

#endif
