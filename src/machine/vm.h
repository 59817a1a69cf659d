/* The VM object: one guest machine.  It owns guest RAM and the physical
 * memory map, the CPU, the port bus and the devices.  There is no global
 * mutable state anywhere in plex86; everything a guest can change lives
 * here, so several VMs can run side by side in one process. */
#ifndef PLEX86_MACHINE_VM_H
#define PLEX86_MACHINE_VM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cpu/cpu.h"
#include "cpu/topo.h"
#include "vm/clock.h"
#include "vm/device.h"
#include "vm/iobus.h"
#include "vm/physmem.h"
#include "vm/sched.h"

#define VM_MAX_DEVICES 64

/* CPUs in one VM (-smp 1..8, issue 19). */
#define VM_MAX_CPUS 8

/* Steps one CPU runs before the next runnable one takes over when there
 * are several (docs/internals.md, "vCPUs and the scheduler"): short enough
 * that a CPU spinning on a lock another holds, or waiting for an IPI's
 * answer, wastes little (at most (N-1) slices, about 0.1 ms at today's
 * speed with 4 CPUs), long enough that the switch (an engine_run entry
 * and a block lookup, well under a microsecond) costs under 1%. */
#define VM_SMP_SLICE_STEPS 8192u

/* The largest guest RAM we accept: the 4 GiB physical space less the
 * firmware and MMIO hole at the top (3.5 GiB, as PCs of the era did). */
#define VM_MAX_RAM_MB 3584u

struct vm;

/* Why the VM stopped: the run loop's answer to its caller. */
enum vm_exit_reason {
    VM_EXIT_NONE = 0,
    VM_EXIT_HALTED,        /* HLT with interrupts off: nothing can wake it */
    VM_EXIT_GUEST_EXIT,    /* guest wrote the debug-exit port */
    VM_EXIT_SHUTDOWN,      /* triple fault */
    VM_EXIT_RESET,         /* guest asked for a reset with -no-reboot set */
    VM_EXIT_INSN_LIMIT,    /* --max-insns reached */
    VM_EXIT_ERROR,         /* internal error, see vm->error */
    VM_EXIT_QUIT,          /* the user quit (console escape, Ctrl-A x), or a
                              caught signal ended the run (host/run.c) */
    VM_EXIT_POWEROFF,      /* the guest powered the machine off (ACPI S5
                              through the PIIX4's PM1a_CNT) */
};

/* What the host side lends the run loop: a poll (e.g. to move typed bytes
 * into the UART), run by a housekeeping timer every VM_POLL_NS of guest
 * time while the CPU runs (vm_set_host_hooks arms it), and a wait for a
 * halted guest, which sleeps until input or the timeout, does the poll's
 * work, and returns when input may have arrived (1), at the timeout (0),
 * or at once with -1 when no input can ever come (stdin at EOF, no
 * console): a guest halted with nothing scheduled then ends the run
 * (VM_EXIT_HALTED).  The halted guest's sleep does not end for the
 * polling timer: its work is the wait's. */
struct vm_host_hooks {
    void (*poll)(void *opaque);
    int (*wait)(void *opaque, uint64_t timeout_ns); /* UINT64_MAX: no timeout */
    void *opaque;
};

struct vm_config {
    uint32_t ram_mb;       /* guest RAM in MiB */
    enum cpu_level cpu_level;
    const struct cpu_model *cpu_model; /* wins over cpu_level when set; NULL:
                                          cpu_model_for_level(cpu_level) */
    unsigned sbe_depth;    /* scanner's recursive-descent depth; 0: default */
    bool no_code_cache;    /* run every instruction through the slow path
                              (for comparisons; still scanned first) */
    bool jit;              /* translate hot blocks (src/jit); without
                              executable memory the interpreter runs all */
    unsigned jit_threshold;/* runs before a block is translated; 0: the
                              default (JIT_HOT_THRESHOLD) */
    bool icount;           /* deterministic clock: 2^icount_shift ns per
                              step (vm/clock.h); else host time */
    unsigned icount_shift;
    unsigned cpus;         /* 1..VM_MAX_CPUS (-smp); 0 counts as 1 */
    struct cpu_topo topo;  /* their sockets, cores and threads (cpu/topo.h);
                              topo.cpus 0: cpu_topo_default(cpus), else
                              topo.cpus must be cpus */
    bool threads;          /* one host thread per CPU (-accel
                              tcg,thread=multi; machine/vm_mt.h): not with
                              icount, whose guest time follows the steps
                              of CPUs taking turns */
};

struct sbe;
struct engine;
struct vm_mt;

/* The run state of one CPU besides its registers: the activity states an
 * application processor has before the firmware starts it (SDM vol. 3A,
 * 8.4.1 and 10.6.1). */
enum vm_cpu_activity {
    VM_CPU_ACTIVE = 0,     /* running, or in HLT (struct cpu.halted) */
    VM_CPU_WAIT_SIPI,      /* after INIT (an AP after RESET): only a
                              Start-up IPI starts it */
};

struct vm {
    struct cpu cpu;           /* CPU 0, the bootstrap processor (BSP) */
    /* Every CPU (issue 19): cpus[0] is &cpu; the others (application
     * processors) are allocated by vm_create.  They share the memory map,
     * the port bus, the scanner and the engine (its code cache and
     * translations describe guest-physical code); each has its own state,
     * TLB and local APIC (the board's).  vm_run runs them in turn. */
    unsigned ncpus;
    struct cpu *cpus[VM_MAX_CPUS];
    struct cpu_topo topo;     /* where each sits: CPU i's APIC ID is
                                 cpu_topo_apic_id(&topo, i), also
                                 cpus[i]->apic_id; cpu_topo_index maps back */
    uint8_t activity[VM_MAX_CPUS];  /* enum vm_cpu_activity */
    unsigned cur;             /* the CPU running now, or that ran last: whose
                                 MMIO accesses the board's per-CPU windows
                                 (the local APIC) answer */
    unsigned rr_next;         /* the round robin's next CPU */
    uint64_t turn_left;       /* steps left in CPU cur's turn; 0: a new
                                 turn starts (run_smp) */
    bool yield;               /* PAUSE ended the turn (vm_run) */
    uint64_t smp_slices;      /* slices run with several CPUs (accounting) */
    uint64_t smp_switches;    /* slices that ran another CPU than the last */
    uint64_t inits, sipis;    /* INITs and Start-up IPIs a CPU took */
    uint64_t pause_yields;    /* slices a PAUSE ended (vm_run) */
    struct physmem mem;
    struct iobus io;
    struct sbe *sbe;          /* attribute maps (src/sbe/sbe.h) */
    struct engine *engine;    /* runs the CPU (src/engine/engine.h); with
                                 threads, CPU 0's (each has its own) */
    struct vm_mt *mt;         /* the CPUs' host threads (vm_config.threads,
                                 machine/vm_mt.h); NULL: they take turns */

    /* The devices, in the order they were added (reset, save and load go
     * in this order); each owned by the VM, freed through ops->destroy. */
    unsigned ndevices;
    struct device *devices[VM_MAX_DEVICES];

    struct vm_clock clock;    /* guest time (vm/clock.h) */
    struct sched sched;       /* every timer (vm/sched.h) */
    uint64_t step_limit;      /* stop when cpu_steps reaches it (the
                                 instruction limit: a deadline on the step
                                 count); UINT64_MAX: none */
    struct vm_host_hooks host;/* optional (console) */
    struct timer host_poll;   /* runs host.poll */
    uint64_t halted_ns;       /* guest time spent waiting in HLT */
    uint64_t halted_waits;    /* host sleeps while halted (each one host
                                 wake-up; counted where accounting is) */

    enum vm_exit_reason exit_reason;
    int exit_code;         /* guest-requested status (debug-exit port) */
    char error[256];       /* text for VM_EXIT_ERROR */
};

/* Creates a VM with RAM and a CPU at its reset state; no devices yet.
 * Returns NULL with a message in `err` on failure. */
struct vm *vm_create(const struct vm_config *cfg, char *err, size_t errlen);
void vm_destroy(struct vm *vm);

/* Adds a device and claims the ports and MMIO windows it declared
 * (device.h).  The VM owns the device from then on, also on failure (it
 * is destroyed then).  NULL (a constructor out of memory), a full table,
 * a duplicate name or a resource clash fail with one line in `err`, e.g.
 * "port 0x3f8-0x3ff (serial0) overlaps 0x3f8 (debugcon)". */
int vm_add_device(struct vm *vm, struct device *d, char *err, size_t errlen);

/* The device called `name`, or NULL. */
struct device *vm_find_device(struct vm *vm, const char *name);

/* Installs the host hooks and arms the polling timer. */
#define VM_POLL_NS 500000u
void vm_set_host_hooks(struct vm *vm, const struct vm_host_hooks *hooks);

/* Stops the next vm_run with VM_EXIT_INSN_LIMIT once `n` more steps have
 * retired (0: no limit).  The limit holds across vm_run calls until it is
 * reached. */
void vm_limit_steps(struct vm *vm, uint64_t n);

/* Opens or closes the A20 gate (port 0x92, the keyboard controller): the
 * memory map masks physical bit 20 and the CPU's cached translations,
 * which hold host pointers, are dropped. */
void vm_set_a20(struct vm *vm, bool enabled);

/* Shadow RAM below 1 MiB (physmem_set_shadow's modes; the i440FX's PAM
 * registers): when a page's mode changes, the CPU's cached translations
 * are dropped and the code scanned or translated from those pages is
 * discarded, since what a read finds there changed.  Returns
 * physmem_set_shadow's answer. */
int vm_set_shadow(struct vm *vm, uint32_t base, uint32_t size, unsigned mode);

/* Maps or unmaps a range that moves at run time (a PCI BAR) on the port
 * bus or in the memory map.  A memory range may not cover RAM or another
 * region.  The CPU's cached translations are dropped.  map returns 0, or
 * -1 when the range is taken or bad. */
int vm_map_io(struct vm *vm, uint16_t base, uint16_t count, const struct io_ops *ops,
              void *opaque, const char *name);
void vm_unmap_io(struct vm *vm, uint16_t base, void *opaque);
int vm_map_mmio(struct vm *vm, uint32_t base, uint32_t size, const struct mmio_ops *ops,
                void *opaque, const char *name);
/* The same for a window whose reads come from `direct`, and writes to the
 * pages `writable` marks (physmem.h's phys_region.direct). */
int vm_map_mmio_direct(struct vm *vm, uint32_t base, uint32_t size, const struct mmio_ops *ops,
                       void *opaque, uint8_t *direct, const uint64_t *writable,
                       const char *name);
void vm_unmap_mmio(struct vm *vm, uint32_t base, void *opaque);

/* Drops the CPUs' cached write translations of the guest-physical pages
 * of [pa, pa+len) (their reads stay cached): the next store to one of
 * them takes the slow path through the memory map.  For a device whose
 * memory the CPU writes at RAM speed once the device has counted a page
 * as written (the VGA's framebuffer, physmem.h's direct_writable), after
 * it cleared those pages' bits. */
void vm_drop_write_translations(struct vm *vm, uint32_t pa, uint32_t len);

/* Turns the MMIO region at `base` mapped with `opaque` into a direct
 * window (physmem_set_mmio_direct; `direct` NULL: plain MMIO again),
 * forgets the code scanned from it and flushes every CPU's TLB.  For a
 * device window whose decoding the guest changes (the VGA's legacy
 * window, dev/guest_mem.h's window_remap). */
void vm_remap_mmio_direct(struct vm *vm, uint32_t base, void *opaque, uint8_t *direct,
                          const uint64_t *writable);

/* Forgets all scanned code and decoded blocks.  For callers that write
 * guest memory through host pointers (physmem_ptr), bypassing the write
 * rule: test harnesses between tests, snapshot restore. */
void vm_invalidate_code(struct vm *vm);

/* Resets CPU and devices (RAM is kept, as on a PC's reset line).  The
 * application processors wait for a Start-up IPI after it. */
void vm_reset(struct vm *vm);

/* The CPU's side of INIT and Start-up IPIs (SDM vol. 3A, 8.4.3 and
 * 10.6.1), called by the board when CPU `i`'s local APIC accepts one.
 * INIT: the CPU takes its INIT state (RESET's, but the x87/SSE state, the
 * MSRs and the step counters stay, 9.1.1 table 9-1); an AP then waits for
 * a SIPI, the BSP starts at the reset vector.  SIPI: a CPU waiting for
 * one starts in real mode at CS = vector << 8, EIP = 0 (physical vector <<
 * 12); elsewhere it is ignored (10.6.1: "ignored if the target is not in
 * the wait-for-SIPI state"). */
void vm_cpu_init(struct vm *vm, unsigned i);
void vm_cpu_sipi(struct vm *vm, unsigned i, uint8_t vector);

/* Every CPU's steps together (cpu_steps): what guest time follows under
 * -icount and what --max-insns counts. */
uint64_t vm_steps(const struct vm *vm);

/* A CPU counter summed over every CPU (accounting): VM_CPU_SUM(vm, icount). */
#define VM_CPU_SUM(vm, field)                                  \
    ({                                                          \
        uint64_t sum_ = 0;                                      \
        for (unsigned i_ = 0; i_ < (vm)->ncpus; i_++)           \
            sum_ += (vm)->cpus[i_]->field;                      \
        sum_;                                                   \
    })

/* With a host thread per CPU (vm_config.threads): stops every CPU at its
 * next instruction boundary and keeps them stopped until as many
 * vm_cpus_resume calls, so that the caller (the monitors, on the thread
 * of vm_run) may read and change CPU state, memory and code as between
 * runs.  Nothing to do with one thread, where the caller runs between
 * slices anyway. */
void vm_cpus_stop(struct vm *vm);
void vm_cpus_resume(struct vm *vm);

/* Drops every CPU's cached translations (cpu_tlb_flush). */
void vm_tlb_flush_all(struct vm *vm, bool include_global);

/* Asks the running VM to stop with a reason; callable from device
 * callbacks.  The CPU finishes the current instruction first. */
void vm_request_exit(struct vm *vm, enum vm_exit_reason reason, int code);

/* The host thread ID (gettid) that runs CPU i, for the monitors' `info
 * cpus` and query-cpus-fast: its own thread under -accel tcg,thread=multi
 * once the CPUs have started, else the caller's (with one thread, every
 * CPU runs on the thread that runs vm_run and the monitors). */
long vm_cpu_thread_id(const struct vm *vm, unsigned i);

struct engine_stats;
/* The code cache's and the translator's counters: with one thread the
 * engine's, which every CPU shares; under -accel tcg,thread=multi the sum
 * of the CPUs' engines, as of their last slice. */
void vm_engine_stats(const struct vm *vm, struct engine_stats *out);

/* Runs the guest until it stops for one of the reasons above, or until
 * max_insns instructions have retired (0 = the limit set by
 * vm_limit_steps, if any).  Between slices it fires the due timers; the
 * CPU never runs past the earliest deadline (-icount: exactly to it; host
 * clock: at most one slice) and a halted CPU waits for it. */
enum vm_exit_reason vm_run(struct vm *vm, uint64_t max_insns);

const char *vm_exit_reason_name(enum vm_exit_reason r);

/* Guest nanoseconds now (vm/clock.h). */
static inline uint64_t vm_now_ns(struct vm *vm)
{
    return vm_clock_now(&vm->clock);
}

#endif
