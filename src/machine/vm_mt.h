/* One host thread per vCPU (-accel tcg,thread=multi; docs/smp.md and
 * docs/internals.md, "vCPUs on host threads").  Private to src/machine:
 * vm.c calls it where a VM made with vm_config.threads differs.
 *
 * The design is QEMU's MTTCG in small:
 *  - every CPU runs engine_run on its own thread with its own engine (code
 *    cache and translator arena), so translated code is only ever freed by
 *    the thread that runs it; the scanner's maps are shared;
 *  - one big lock (QEMU's BQL, recursive) is held around device accesses
 *    (port I/O, MMIO, the board's pins into the CPU), the scanner's maps,
 *    the timers, and everything the caller of vm_run does while the CPUs
 *    run (the host hooks, the monitors);
 *  - vm_run's thread is the I/O thread: it fires the timers, waits for the
 *    next deadline, and sleeps for input like one halted CPU does when
 *    every CPU is halted;
 *  - another CPU's TLB is never touched from this thread: a flush is asked
 *    for (flush_req) and done by its owner before it runs guest code
 *    again; an INIT for a running CPU waits for it the same way;
 *  - an exclusive section (QEMU's start_exclusive) stops every other CPU
 *    at its next instruction boundary, for the rare changes that must not
 *    race with guest code: a page that becomes code (its writable
 *    translations go on every CPU before anything is scanned there) and a
 *    LOCK-ed access that cannot be a host atomic (cpu.h's exclusive_*). */
#ifndef PLEX86_MACHINE_VM_MT_H
#define PLEX86_MACHINE_VM_MT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "machine/vm.h"

struct engine_config;

/* Sets up the locks and an engine per CPU (ecfg's kind; vm->engine is CPU
 * 0's) for vm->ncpus CPUs.  No thread starts before the first vm_run.
 * -1 with a message in err. */
int vm_mt_create(struct vm *vm, const struct engine_config *ecfg, char *err, size_t errlen);
/* Stops and joins the threads, frees the engines it made. */
void vm_mt_destroy(struct vm *vm);

/* vm_run with one thread per CPU; the step limit is checked about every
 * millisecond (not exact, as nothing is under -icount). */
enum vm_exit_reason vm_mt_run(struct vm *vm);

/* vm_request_exit's other half: every CPU stops, the I/O thread wakes. */
void vm_mt_kick_all(struct vm *vm);

/* Drops TLB entries on every CPU: the calling CPU's at once, the others'
 * before they run guest code again.  len 0: all (include_global as
 * cpu_tlb_flush); else the write translations of [pa, pa+len) (another
 * CPU flushes all of its entries instead). */
void vm_mt_tlb_flush(struct vm *vm, bool include_global, uint32_t pa, uint32_t len);

/* INIT for CPU i: true when it must wait for that CPU to stop (it runs on
 * another thread now; its thread does it, vm_cpu_init), false when the
 * caller may do it now. */
bool vm_mt_defer_init(struct vm *vm, unsigned i);

/* CPU i's host thread ID (gettid), 0 before its thread has started. */
long vm_mt_thread_id(const struct vm *vm, unsigned i);

/* The counters of every CPU's engine together, as each CPU's thread left
 * them after its last engine_run (called under the BQL). */
void vm_mt_engine_stats(const struct vm *vm, struct engine_stats *out);

/* CPU i's engine. */
struct engine *vm_mt_engine(struct vm *vm, unsigned i);

/* The exclusive section for the CPU whose opaque is `opaque` (cpu.h's
 * exclusive_opaque), called on its own thread from inside engine_run. */
void vm_mt_exclusive_begin(void *opaque);
void vm_mt_exclusive_end(void *opaque);

/* From vm.c, for the run loop here. */
bool vm_cpu_runnable(const struct vm *vm, unsigned i);
bool vm_can_ever_wake(const struct vm *vm);
bool vm_wait_while_halted(struct vm *vm);
enum vm_exit_reason vm_before_slice(struct vm *vm, uint64_t steps, uint64_t *now);

#endif
