/* Guest time.  One clock per VM gives every device, the TSC and the run
 * loop the same guest nanoseconds, so the PIT, the RTC and RDTSC agree
 * (issue 6 item 6, issue 7 item 6).
 *
 * Two modes:
 *  - host (the default): guest time follows the host's CLOCK_MONOTONIC
 *    from the moment the VM was created, as QEMU's does without -icount,
 *    with one difference: while the CPU runs, guest time never advances
 *    faster than VM_CLOCK_MAX_NS_PER_STEP per step (instruction,
 *    exception or interrupt), and what goes past that at the end of a
 *    slice is hidden from the guest for good (`hidden_ns`).  A host that
 *    takes the CPU away from plex86 for milliseconds (a busy machine)
 *    would otherwise show the guest a jump in the middle of a few
 *    instructions: Linux's PIT calibration of the TSC rejects that ("Unable
 *    to calibrate against PIT"), and timer periods merge, so that a guest
 *    keeping time in ticks falls behind.  Hidden, the preemption looks like
 *    a VM that was paused, as steal time does under a hypervisor.  While
 *    the CPU is halted, guest time follows host time exactly.  Reading it
 *    costs a vDSO call (~25 ns here, DESIGN.md section 2), so the run loop
 *    reads it once per slice, devices when the guest touches them.
 *  - icount (-icount shift=N): guest time is 2^N ns per retired step
 *    (instruction, exception or interrupt; cpu_steps), plus the time
 *    skipped while halted, when the clock jumps straight to the next
 *    device event.  Runs are then repeatable to the instruction, whatever
 *    the host is doing: what deterministic tests want. */
#ifndef PLEX86_VM_CLOCK_H
#define PLEX86_VM_CLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* The step counter the clock follows (the CPU's cpu_steps, passed in by
 * the VM, so that this layer below the CPU does not know the CPU). */
typedef uint64_t (*vm_clock_steps_fn)(const void *src);

#define VM_CLOCK_MAX_SHIFT 10
/* The most guest time one step may take on the host clock: 50 ns (20
 * MIPS, a third of our slowest workload's speed; an iteration of Linux's
 * calibration loop then stays within its 10x jitter bound). */
#define VM_CLOCK_MAX_NS_PER_STEP 50

enum vm_clock_mode { VM_CLOCK_HOST, VM_CLOCK_ICOUNT };

struct vm_clock {
    enum vm_clock_mode mode;
    uint64_t host_base_ns;  /* host monotonic time at guest time 0 */
    unsigned shift;         /* icount: ns per step = 1 << shift */
    uint64_t warp_ns;       /* icount: time skipped while halted */
    vm_clock_steps_fn steps;/* whose steps count ... */
    const void *steps_src;  /* ... and its argument */
    /* host mode: */
    uint64_t hidden_ns;     /* host time never shown to the guest */
    bool running;           /* in a slice: the per-step bound applies */
    uint64_t slice_guest;   /* guest time at the start of the slice */
    uint64_t slice_steps;   /* cpu_steps at the start of the slice */
    uint64_t last;          /* the last time read: never goes back */
    bool paused;            /* stopped by the user (monitor `stop`, -S) */
    bool threads;           /* host mode with one host thread per CPU
                               (-accel tcg,thread=multi): guest time is
                               host time less what was paused, read by
                               every thread (RDTSC) without a lock; no
                               per-step bound (no single slice to bound) */
    uint64_t paused_at;     /* host monotonic time when it paused */
};

/* A duration in nanoseconds as the timespec nanosleep/ppoll take. */
static inline struct timespec timespec_of_ns(uint64_t ns)
{
    return (struct timespec){ .tv_sec = (time_t)(ns / 1000000000u),
                              .tv_nsec = (long)(ns % 1000000000u) };
}

/* The host's monotonic clock, in nanoseconds. */
uint64_t host_monotonic_ns(void);

void vm_clock_init_host(struct vm_clock *clk, vm_clock_steps_fn steps, const void *src);
void vm_clock_init_icount(struct vm_clock *clk, vm_clock_steps_fn steps, const void *src,
                          unsigned shift);

/* Host mode: every CPU has its own host thread (vm_clock.threads). */
void vm_clock_set_threads(struct vm_clock *clk, bool threads);

/* Guest nanoseconds since the VM was created. */
uint64_t vm_clock_now(struct vm_clock *clk);

/* The run loop: a slice of CPU work starts (running) or the CPU halts
 * (!running).  Host mode hides here what the last slice took beyond the
 * per-step bound. */
void vm_clock_slice(struct vm_clock *clk, bool running);

/* Steps that take guest time forward by `ns` (icount; the run loop sizes
 * its slices with it).  At least 1. */
uint64_t vm_clock_steps_for(const struct vm_clock *clk, uint64_t ns);

/* The user stopped the VM (the monitor's `stop`, or -S): guest time
 * stands still until vm_clock_resume, which hides the paused interval the
 * way a slice's overrun is hidden (host mode; icount time only moves with
 * steps anyway).  Pausing twice or resuming a running clock does nothing. */
void vm_clock_pause(struct vm_clock *clk);
void vm_clock_resume(struct vm_clock *clk);

/* icount: moves guest time forward to `target` (no-op if it is past). */
void vm_clock_warp_to(struct vm_clock *clk, uint64_t target);

#endif
