/* The VM object; see vm.h. */
#include "machine/vm.h"

#include "cpu/cpu_model.h"

#include "engine/engine.h"
#include "machine/vm_mt.h"
#include "sbe/sbe.h"
#include "vm/count.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void vm_code_write(void *sbe, uint32_t pa, unsigned size)
{
    sbe_write(sbe, pa, size);
}

/* The CPU met something plex86 does not implement (cpu_internal_error). */
static void vm_cpu_error(void *opaque, const char *msg)
{
    struct vm *vm = opaque;
    snprintf(vm->error, sizeof(vm->error), "%s", msg);
    vm_request_exit(vm, VM_EXIT_ERROR, 0);
}

/* The clock follows the CPU's steps (vm/clock.h); with several CPUs,
 * all of their steps (vm_steps). */
static uint64_t vm_cpu_steps(const void *cpu)
{
    return cpu_steps(cpu);
}

static uint64_t vm_all_steps(const void *vm)
{
    return vm_steps(vm);
}

uint64_t vm_steps(const struct vm *vm)
{
    uint64_t n = cpu_steps(&vm->cpu);
    for (unsigned i = 1; i < vm->ncpus; i++)
        n += cpu_steps(vm->cpus[i]);
    return n;
}

/* What every CPU of the VM is wired to besides the board's pins. */
static void setup_cpu(struct vm *vm, struct cpu *c, unsigned index)
{
    c->mem = &vm->mem;
    c->io = &vm->io;
    c->clock = &vm->clock;
    /* QEMU's layout: the CPU index's socket, core and thread fields. */
    c->apic_id = (uint8_t)cpu_topo_apic_id(&vm->topo, index);
    c->pkg_lps = (uint8_t)cpu_topo_pkg_lps(&vm->topo);
    c->pins.internal_error = vm_cpu_error;
    c->pins.error_opaque = vm;
}

/* PAUSE with several CPUs: the slice ends after it (ops_data.c h_pause). */
static void vm_cpu_pause(void *opaque)
{
    struct cpu *c = opaque;
    c->stop_request = true;
    c->vm->yield = true;
    c->vm->pause_yields++;
}

static void vm_reset_cpus(struct vm *vm);

struct vm *vm_create(const struct vm_config *cfg, char *err, size_t errlen)
{
    if (cfg->ram_mb == 0 || cfg->ram_mb > VM_MAX_RAM_MB) {
        snprintf(err, errlen, "guest RAM must be between 1 and %u MiB (asked for %u)",
                 VM_MAX_RAM_MB, cfg->ram_mb);
        return NULL;
    }
    struct vm *vm = calloc(1, sizeof(*vm));
    if (!vm) {
        snprintf(err, errlen, "out of memory for the VM object");
        return NULL;
    }
    if (physmem_init(&vm->mem, cfg->ram_mb * 1024u * 1024u) < 0) {
        snprintf(err, errlen, "cannot allocate %u MiB of guest RAM: %s", cfg->ram_mb,
                 strerror(errno));
        free(vm);
        return NULL;
    }
    iobus_init(&vm->io);
    unsigned ncpus = cfg->cpus ? cfg->cpus : 1;
    if (cfg->threads && cfg->icount) {
        /* QEMU's words: guest time that follows the steps cannot follow
         * CPUs that run at once. */
        snprintf(err, errlen, "No MTTCG when icount is enabled");
        physmem_destroy(&vm->mem);
        free(vm);
        return NULL;
    }
    if (ncpus > VM_MAX_CPUS) {
        snprintf(err, errlen, "%u CPUs, at most %u", ncpus, VM_MAX_CPUS);
        physmem_destroy(&vm->mem);
        free(vm);
        return NULL;
    }
    vm->topo = cfg->topo.cpus ? cfg->topo : cpu_topo_default(ncpus);
    if (vm->topo.cpus != ncpus || vm->topo.max_cpus != ncpus ||
        cpu_topo_apic_id_limit(&vm->topo) > 255) {
        snprintf(err, errlen, "CPU topology of %u CPUs (%u possible) for %u CPUs",
                 vm->topo.cpus, vm->topo.max_cpus, ncpus);
        physmem_destroy(&vm->mem);
        free(vm);
        return NULL;
    }
    const struct cpu_model *model =
        cfg->cpu_model ? cfg->cpu_model : cpu_model_for_level(cfg->cpu_level);
    if (cpu_init(&vm->cpu, vm, model) < 0) {
        snprintf(err, errlen, "cannot initialise the CPU decoder");
        physmem_destroy(&vm->mem);
        free(vm);
        return NULL;
    }
    vm->cpus[0] = &vm->cpu;
    vm->ncpus = 1;
    setup_cpu(vm, &vm->cpu, 0);
    vm->sbe = sbe_create(&vm->mem, &vm->cpu, &(struct sbe_config){ .max_depth = cfg->sbe_depth });
    if (!vm->sbe) {
        snprintf(err, errlen, "out of memory for the scanner");
        vm_destroy(vm);
        return NULL;
    }
    /* The application processors: the same model, their own state. */
    for (unsigned i = 1; i < ncpus; i++) {
        struct cpu *c = aligned_alloc(64, (sizeof(*c) + 63) & ~(size_t)63);
        if (!c || cpu_init(c, vm, model) < 0) {
            free(c);
            snprintf(err, errlen, "out of memory for CPU %u", i);
            vm_destroy(vm);
            return NULL;
        }
        vm->cpus[vm->ncpus++] = c;
        setup_cpu(vm, c, i);
        sbe_add_cpu(vm->sbe, c);
    }
    if (vm->ncpus > 1 && !cfg->threads)
        for (unsigned i = 0; i < vm->ncpus; i++) {
            vm->cpus[i]->pins.pause = vm_cpu_pause;
            vm->cpus[i]->pins.pause_opaque = vm->cpus[i];
        }
    struct engine_config ecfg = {
        .kind = cfg->no_code_cache ? ENGINE_SLOW : cfg->jit ? ENGINE_JIT : ENGINE_INTERP,
        .jit_threshold = cfg->jit_threshold,
    };
    if (cfg->threads ? vm_mt_create(vm, &ecfg, err, errlen) < 0
                     : !(vm->engine = engine_create(&ecfg, &vm->cpu, vm->sbe, &vm->mem, err,
                                                    errlen))) {
        vm_destroy(vm);
        return NULL;
    }
    vm->mem.code_watched = sbe_watched_bitmap(vm->sbe);
    vm->mem.code_write = vm_code_write;
    vm->mem.code_opaque = vm->sbe;
    vm_reset_cpus(vm);
    sched_init(&vm->sched);
    vm->step_limit = UINT64_MAX;
    vm_clock_steps_fn steps = vm->ncpus > 1 ? vm_all_steps : vm_cpu_steps;
    const void *src = vm->ncpus > 1 ? (const void *)vm : (const void *)&vm->cpu;
    if (cfg->icount)
        vm_clock_init_icount(&vm->clock, steps, src, cfg->icount_shift);
    else
        vm_clock_init_host(&vm->clock, steps, src);
    vm_clock_set_threads(&vm->clock, cfg->threads);
    return vm;
}

void vm_destroy(struct vm *vm)
{
    if (!vm)
        return;
    vm_mt_destroy(vm); /* the threads first: they use all the rest */
    for (unsigned i = vm->ndevices; i-- > 0;)
        if (vm->devices[i]->ops->destroy)
            vm->devices[i]->ops->destroy(vm->devices[i]);
    for (unsigned i = 1; i < vm->ncpus; i++) {
        cpu_destroy(vm->cpus[i]);
        free(vm->cpus[i]);
    }
    cpu_destroy(&vm->cpu);
    engine_destroy(vm->engine);
    sbe_destroy(vm->sbe);
    physmem_destroy(&vm->mem);
    free(vm);
}

void vm_invalidate_code(struct vm *vm)
{
    sbe_flush(vm->sbe);
    if (vm->mt)
        for (unsigned i = 0; i < vm->ncpus; i++)
            engine_flush(vm_mt_engine(vm, i));
    else
        engine_flush(vm->engine);
}

static void destroy_device(struct device *d)
{
    if (d->ops->destroy)
        d->ops->destroy(d);
}

static void describe_ports(char *buf, size_t len, uint16_t base, uint32_t count)
{
    if (count <= 1)
        snprintf(buf, len, "0x%x", base);
    else
        snprintf(buf, len, "0x%x-0x%x", base, (unsigned)(base + count - 1));
}

/* Checks every resource of `d` against the buses before claiming any, so
 * that a failed add leaves the buses as they were. */
static int check_resources(struct vm *vm, const struct device *d, char *err,
                           size_t errlen)
{
    const struct device_resources *r = &d->res;
    if (r->overflow) {
        snprintf(err, errlen, "%s: more port or MMIO ranges than a device may declare",
                 d->name);
        return -1;
    }
    for (unsigned i = 0; i < r->nports; i++) {
        const struct device_ports *p = &r->ports[i];
        char mine[32], theirs[32];
        if (p->count == 0 || (uint32_t)p->base + p->count > 0x10000) {
            snprintf(err, errlen, "%s: bad port range 0x%x+%u", d->name, p->base, p->count);
            return -1;
        }
        const struct io_handler *h = iobus_find_overlap(&vm->io, p->base, p->count);
        /* The device's own earlier ranges count too. */
        for (unsigned k = 0; !h && k < i; k++) {
            const struct device_ports *q = &r->ports[k];
            if (p->base < q->base + q->count && q->base < p->base + p->count) {
                describe_ports(mine, sizeof(mine), p->base, p->count);
                describe_ports(theirs, sizeof(theirs), q->base, q->count);
                snprintf(err, errlen, "port %s (%s) overlaps %s (%s)", theirs, d->name,
                         mine, d->name);
                return -1;
            }
        }
        if (h) {
            describe_ports(theirs, sizeof(theirs), h->base, h->count);
            describe_ports(mine, sizeof(mine), p->base, p->count);
            snprintf(err, errlen, "port %s (%s) overlaps %s (%s)", theirs, h->name, mine,
                     d->name);
            return -1;
        }
    }
    for (unsigned i = 0; i < r->nmmio; i++) {
        const struct device_mmio *m = &r->mmio[i];
        const struct phys_region *o = physmem_find_overlap(&vm->mem, m->base, m->size);
        if (o) {
            snprintf(err, errlen, "memory 0x%08x-0x%08x (%s) overlaps 0x%08x-0x%08x (%s)",
                     o->base, (unsigned)(o->base + o->size - 1), o->name, m->base,
                     (unsigned)(m->base + m->size - 1), d->name);
            return -1;
        }
    }
    return 0;
}

int vm_add_device(struct vm *vm, struct device *d, char *err, size_t errlen)
{
    if (!d) {
        snprintf(err, errlen, "out of memory for a device");
        return -1;
    }
    if (vm->ndevices >= VM_MAX_DEVICES) {
        snprintf(err, errlen, "%s: more than %u devices", d->name, VM_MAX_DEVICES);
        destroy_device(d);
        return -1;
    }
    if (vm_find_device(vm, d->name)) {
        snprintf(err, errlen, "two devices called %s", d->name);
        destroy_device(d);
        return -1;
    }
    if (check_resources(vm, d, err, errlen) < 0) {
        destroy_device(d);
        return -1;
    }
    const struct device_resources *r = &d->res;
    for (unsigned i = 0; i < r->nports; i++) {
        const struct device_ports *p = &r->ports[i];
        if (iobus_register(&vm->io, p->base, p->count, p->ops, p->opaque, d->name) < 0) {
            snprintf(err, errlen, "%s: the port bus is full", d->name);
            goto undo;
        }
    }
    for (unsigned i = 0; i < r->nmmio; i++) {
        const struct device_mmio *m = &r->mmio[i];
        if (physmem_add_mmio(&vm->mem, m->base, m->size, m->ops, m->opaque, d->name) < 0) {
            snprintf(err, errlen, "%s: cannot map memory at 0x%08x+0x%x", d->name, m->base,
                     m->size);
            for (unsigned k = 0; k < i; k++)
                physmem_remove_mmio(&vm->mem, r->mmio[k].base, r->mmio[k].opaque);
            goto undo;
        }
    }
    vm->devices[vm->ndevices++] = d;
    return 0;
undo:
    for (unsigned i = 0; i < r->nports; i++)
        iobus_unregister(&vm->io, r->ports[i].base, r->ports[i].opaque);
    destroy_device(d);
    return -1;
}

struct device *vm_find_device(struct vm *vm, const char *name)
{
    for (unsigned i = 0; i < vm->ndevices; i++)
        if (strcmp(vm->devices[i]->name, name) == 0)
            return vm->devices[i];
    return NULL;
}

/* RESET: every CPU at its power-on state; the BSP runs, the APs wait for
 * a Start-up IPI (SDM vol. 3A, 8.4.1). */
static void vm_reset_cpus(struct vm *vm)
{
    for (unsigned i = 0; i < vm->ncpus; i++) {
        cpu_reset(vm->cpus[i]);
        vm->activity[i] = i ? VM_CPU_WAIT_SIPI : VM_CPU_ACTIVE;
    }
    /* RESET reaches every CPU at once: their TSCs start at 0 together
     * (each cpu_reset read the clock a little later, and Linux's TSC
     * synchronisation check sees that warp). */
    for (unsigned i = 1; i < vm->ncpus; i++)
        vm->cpus[i]->msr.tsc_offset = vm->cpu.msr.tsc_offset;
    vm->cur = 0;
    vm->rr_next = 0;
    vm->turn_left = 0;
    if (vm->engine)
        engine_set_cpu(vm->engine, &vm->cpu);
}

void vm_reset(struct vm *vm)
{
    for (unsigned i = 0; i < vm->ndevices; i++)
        if (vm->devices[i]->ops->reset)
            vm->devices[i]->ops->reset(vm->devices[i]);
    vm_reset_cpus(vm);
}

void vm_cpu_init(struct vm *vm, unsigned i)
{
    if (i >= vm->ncpus || (vm->mt && vm_mt_defer_init(vm, i)))
        return;
    struct cpu *c = vm->cpus[i];
    /* Table 9-1: INIT leaves the x87 and SSE registers, the MTRRs, the
     * TSC and the other MSRs as they are. */
    struct msrs msr = c->msr;
    struct fpu fpu = c->fpu;
    struct sse sse = c->sse;
    cpu_reset(c);
    c->msr = msr;
    c->fpu = fpu;
    c->sse = sse;
    vm->activity[i] = i ? VM_CPU_WAIT_SIPI : VM_CPU_ACTIVE;
    vm->inits++;
    /* A CPU that INITs itself (the "all including self" shorthand) stops
     * after the ICR write: cpu_reset changed its code epoch already, so
     * the block it runs ends there. */
}

void vm_cpu_sipi(struct vm *vm, unsigned i, uint8_t vector)
{
    if (i >= vm->ncpus || vm->activity[i] != VM_CPU_WAIT_SIPI)
        return;
    struct cpu *c = vm->cpus[i];
    vm->activity[i] = VM_CPU_ACTIVE;
    vm->sipis++;
    /* 8.4.4.1 and 10.6.1: real mode at vector << 12, as CS = vector << 8,
     * IP = 0 (the segment's other fields are RESET's: limit 0xFFFF). */
    cpu_load_seg_real(c, S_CS, (uint16_t)(vector << 8));
    c->eip = 0;
    c->halted = false;
    cpu_mode_changed(c);
}

void vm_tlb_flush_all(struct vm *vm, bool include_global)
{
    if (vm->mt) {
        vm_mt_tlb_flush(vm, include_global, 0, 0);
        return;
    }
    for (unsigned i = 0; i < vm->ncpus; i++)
        cpu_tlb_flush(vm->cpus[i], include_global);
}

int vm_map_io(struct vm *vm, uint16_t base, uint16_t count, const struct io_ops *ops,
              void *opaque, const char *name)
{
    return iobus_register(&vm->io, base, count, ops, opaque, name);
}

void vm_unmap_io(struct vm *vm, uint16_t base, void *opaque)
{
    iobus_unregister(&vm->io, base, opaque);
}

int vm_map_mmio(struct vm *vm, uint32_t base, uint32_t size, const struct mmio_ops *ops,
                void *opaque, const char *name)
{
    if ((uint64_t)base < vm->mem.ram_size || physmem_find_overlap(&vm->mem, base, size))
        return -1;
    if (physmem_add_mmio(&vm->mem, base, size, ops, opaque, name) < 0)
        return -1;
    vm_tlb_flush_all(vm, true);
    return 0;
}

int vm_map_mmio_direct(struct vm *vm, uint32_t base, uint32_t size, const struct mmio_ops *ops,
                       void *opaque, uint8_t *direct, const uint64_t *writable,
                       const char *name)
{
    if ((uint64_t)base < vm->mem.ram_size || physmem_find_overlap(&vm->mem, base, size))
        return -1;
    if (physmem_add_mmio_direct(&vm->mem, base, size, ops, opaque, direct, writable, name) < 0)
        return -1;
    vm_tlb_flush_all(vm, true);
    return 0;
}

void vm_drop_write_translations(struct vm *vm, uint32_t pa, uint32_t len)
{
    /* Every CPU may hold a writable entry for the page (-smp). */
    if (vm->mt) {
        if (len)
            vm_mt_tlb_flush(vm, true, pa, len);
        return;
    }
    for (unsigned i = 0; i < vm->ncpus; i++)
        cpu_tlb_drop_writes(vm->cpus[i], pa, len);
}

void vm_remap_mmio_direct(struct vm *vm, uint32_t base, void *opaque, uint8_t *direct,
                          const uint64_t *writable)
{
    const struct phys_region *r = physmem_find_overlap(&vm->mem, base, 1);
    if (!r || physmem_set_mmio_direct(&vm->mem, base, opaque, direct, writable) < 0)
        return;
    /* The range's bytes may now be others: code scanned from it goes as
     * after a write to every page (the write rule), and every CPU's
     * translations with the old host pointers. */
    for (uint32_t off = 0; off < r->size; off += PHYS_PAGE_SIZE)
        phys_note_write(&vm->mem, base + off, PHYS_PAGE_SIZE);
    vm_tlb_flush_all(vm, true);
}

void vm_unmap_mmio(struct vm *vm, uint32_t base, void *opaque)
{
    if (physmem_remove_mmio(&vm->mem, base, opaque) == 0)
        vm_tlb_flush_all(vm, true);
}

static void host_poll_fire(void *opaque, uint64_t now_ns)
{
    struct vm *vm = opaque;
    if (vm->host.poll)
        vm->host.poll(vm->host.opaque);
    timer_arm(&vm->sched, &vm->host_poll, now_ns + VM_POLL_NS);
}

void vm_set_host_hooks(struct vm *vm, const struct vm_host_hooks *hooks)
{
    vm->host = *hooks;
    timer_disarm(&vm->sched, &vm->host_poll);
    timer_init(&vm->host_poll, host_poll_fire, vm, true);
    if (hooks->poll)
        timer_arm(&vm->sched, &vm->host_poll, vm_now_ns(vm));
}

void vm_limit_steps(struct vm *vm, uint64_t n)
{
    vm->step_limit = n ? vm_steps(vm) + n : UINT64_MAX;
}

void vm_set_a20(struct vm *vm, bool enabled)
{
    physmem_set_a20(&vm->mem, enabled);
    vm_tlb_flush_all(vm, true);
}

int vm_set_shadow(struct vm *vm, uint32_t base, uint32_t size, unsigned mode)
{
    int changed = physmem_set_shadow(&vm->mem, base, size, mode);
    if (changed > 0) {
        /* The TLB holds host pointers into RAM or the ROM, and the
         * scanner's maps and the blocks built from them describe the
         * bytes that were readable: both are stale for these pages (a
         * block running there stops: the discard bumps the code epoch). */
        vm_tlb_flush_all(vm, true);
        engine_invalidate(vm->engine, base, size);
    }
    return changed;
}

void vm_request_exit(struct vm *vm, enum vm_exit_reason reason, int code)
{
    if (vm->exit_reason == VM_EXIT_NONE) {
        vm->exit_reason = reason;
        vm->exit_code = code;
    }
    if (vm->mt)
        vm_mt_kick_all(vm); /* every CPU runs now */
    else
        vm->cpus[vm->cur]->stop_request = true; /* the CPU running now */
}

/* Steps per slice on the host clock: about 0.5 ms at today's speed, so a
 * timer interrupt comes at most that late and the host hooks (typed input)
 * run about 2000 times a second. */
#define VM_SLICE_STEPS (1u << 16)

/* Whether CPU i can run now: started (not waiting for a SIPI), and not
 * in HLT unless an interrupt it would take, or an NMI, is pending. */
long vm_cpu_thread_id(const struct vm *vm, unsigned i)
{
    long tid = vm->mt ? vm_mt_thread_id(vm, i) : 0;
    return tid ? tid : (long)syscall(SYS_gettid);
}

void vm_engine_stats(const struct vm *vm, struct engine_stats *out)
{
    if (vm->mt)
        vm_mt_engine_stats(vm, out);
    else
        engine_stats(vm->engine, out);
}

bool vm_cpu_runnable(const struct vm *vm, unsigned i)
{
    const struct cpu *c = vm->cpus[i];
    if (vm->activity[i] != VM_CPU_ACTIVE)
        return false;
    return !c->halted || c->nmi_pending || (c->irq_line && (c->eflags & F_IF));
}

/* Whether a halted machine has a CPU to run again.  One CPU: its INTR or
 * an NMI (HLT with IF clear never waits, see vm_run). */
static bool woken(const struct vm *vm)
{
    if (vm->ncpus == 1)
        return vm->cpu.irq_line || vm->cpu.nmi_pending;
    for (unsigned i = 0; i < vm->ncpus; i++)
        if (vm_cpu_runnable(vm, i))
            return true;
    return false;
}

/* One sleep of the halted guest on the host clock (a thread that sleeps,
 * never one that spins): until the earliest timer or host input.  The
 * polling timer does not count: the wait hook does the poll's work itself
 * before it returns (vm_host_hooks), and where it cannot (no input can
 * come) the poll runs here before the sleep; either way the timer then
 * moves VM_POLL_NS on.  An idle guest thus wakes the host for its own
 * timers only, not 2000 times a second (issue 19: what an idle guest
 * costs).  Returns false when nothing can ever wake the guest. */
static bool halted_sleep(struct vm *vm, uint64_t now)
{
    uint64_t next = sched_next_except(&vm->sched, &vm->host_poll);
    uint64_t timeout = next == SCHED_NEVER ? UINT64_MAX : next > now ? next - now : 0;
    if (timeout)
        ACCT_INC(vm->halted_waits);
    int r = vm->host.wait ? vm->host.wait(vm->host.opaque, timeout) : -1;
    if (r < 0) {
        /* No input can ever come: only a guest event can wake it. */
        if (sched_next_guest(&vm->sched) == SCHED_NEVER)
            return false;
        if (vm->host.poll)
            vm->host.poll(vm->host.opaque); /* e.g. output flushed before the sleep */
        struct timespec ts = timespec_of_ns(timeout);
        nanosleep(&ts, NULL);
    }
    uint64_t after = vm_now_ns(vm);
    if (vm->host_poll.armed)
        timer_arm(&vm->sched, &vm->host_poll, after + VM_POLL_NS);
    vm->halted_ns += after - now;
    return true;
}

/* The CPU executed HLT with interrupts enabled (with several, no CPU can
 * run): let guest time pass until a device raises an interrupt (or input
 * arrives), firing timers as they come due.  Returns false if nothing can
 * ever wake it. */
bool vm_wait_while_halted(struct vm *vm)
{
    vm_clock_slice(&vm->clock, false); /* halted: guest time is host time */
    for (;;) {
        uint64_t now = vm_now_ns(vm);
        sched_run_due(&vm->sched, now);
        if (woken(vm) || vm->exit_reason != VM_EXIT_NONE)
            return true;
        if (vm->clock.mode == VM_CLOCK_ICOUNT) {
            /* Repeatable: input is looked at, never waited for, and time
             * jumps to the next guest event (housekeeping timers do not
             * move guest time). */
            uint64_t next = sched_next_guest(&vm->sched);
            int r = vm->host.wait ? vm->host.wait(vm->host.opaque, 0) : -1;
            if (woken(vm) || vm->exit_reason != VM_EXIT_NONE)
                return true;
            if (next == SCHED_NEVER) {
                if (r < 0)
                    return false;
                if (r == 0)
                    r = vm->host.wait(vm->host.opaque, UINT64_MAX);
                if (r < 0)
                    return false;
                continue;
            }
            vm->halted_ns += next - now;
            vm_clock_warp_to(&vm->clock, next);
            continue;
        }
        if (!halted_sleep(vm, now))
            return false;
    }
}

/* Steps for the next slice: up to the earliest deadline (exactly, under
 * -icount, so that runs repeat), the step limit, and VM_SLICE_STEPS. */
static uint64_t slice_steps(struct vm *vm, uint64_t now)
{
    uint64_t slice = VM_SLICE_STEPS;
    uint64_t next = sched_next(&vm->sched);
    if (vm->clock.mode == VM_CLOCK_ICOUNT && next != SCHED_NEVER) {
        uint64_t s = vm_clock_steps_for(&vm->clock, next > now ? next - now : 0);
        if (s < slice)
            slice = s;
    }
    if (vm->step_limit != UINT64_MAX) {
        uint64_t left = vm->step_limit - vm_steps(vm);
        if (left < slice)
            slice = left;
    }
    return slice;
}

/* What both run loops do before each slice: stop at the step limit, fire
 * the due timers at `*now`, and stop if one of them (or a device before)
 * asked for an exit.  Returns VM_EXIT_NONE when the loop goes on. */
enum vm_exit_reason vm_before_slice(struct vm *vm, uint64_t steps, uint64_t *now)
{
    if (steps >= vm->step_limit) {
        vm->step_limit = UINT64_MAX;
        return vm->exit_reason = VM_EXIT_INSN_LIMIT;
    }
    *now = vm_now_ns(vm);
    sched_run_due(&vm->sched, *now);
    return vm->exit_reason;
}

/* Whether a CPU that cannot run now may run again: one started, with
 * interrupts on or an NMI pending (the others wait for nothing that can
 * come: a SIPI only comes from a running CPU). */
bool vm_can_ever_wake(const struct vm *vm)
{
    for (unsigned i = 0; i < vm->ncpus; i++)
        if (vm->activity[i] == VM_CPU_ACTIVE &&
            ((vm->cpus[i]->eflags & F_IF) || vm->cpus[i]->nmi_pending))
            return true;
    return false;
}

/* Several CPUs: a deterministic round robin on this thread (docs/
 * internals.md, "vCPUs and the scheduler").  Each turn runs the next
 * runnable CPU after the last one for at most VM_SMP_SLICE_STEPS steps
 * (fewer up to a timer's deadline or the step limit, as slice_steps
 * says); a CPU in HLT or waiting for a SIPI is passed over until an
 * interrupt, an NMI or a SIPI makes it runnable; timers fire between
 * turns.  Guest time follows the steps of all CPUs together, so under
 * -icount a run repeats exactly: which CPU runs when depends only on
 * steps and guest events.  When no CPU can run, the machine waits as one
 * halted CPU does; when none can ever run again (each waits for a SIPI or
 * sits in HLT with IF clear), the run ends with VM_EXIT_HALTED. */
static enum vm_exit_reason run_smp(struct vm *vm)
{
    for (;;) {
        uint64_t now;
        if (vm_before_slice(vm, vm_steps(vm), &now) != VM_EXIT_NONE)
            return vm->exit_reason;
        /* The turn goes on where the last vm_run, a timer or the host
         * poll cut it (so that where a run is cut, e.g. by -savevm-at,
         * changes nothing); a new one starts with the next runnable CPU
         * after the last turn's. */
        unsigned pick = vm->cur;
        if (!vm->turn_left || !vm_cpu_runnable(vm, pick)) {
            pick = vm->ncpus;
            for (unsigned k = 0; k < vm->ncpus; k++) {
                unsigned i = (vm->rr_next + k) % vm->ncpus;
                if (vm_cpu_runnable(vm, i)) {
                    pick = i;
                    break;
                }
            }
            if (pick == vm->ncpus) {
                vm->turn_left = 0;
                if (!vm_can_ever_wake(vm) || !vm_wait_while_halted(vm))
                    return vm->exit_reason = VM_EXIT_HALTED;
                if (vm->exit_reason != VM_EXIT_NONE)
                    return vm->exit_reason;
                continue;
            }
            vm->rr_next = (pick + 1) % vm->ncpus;
            vm->turn_left = VM_SMP_SLICE_STEPS;
            if (pick != vm->cur)
                vm->smp_switches++;
            vm->smp_slices++;
        }
        struct cpu *c = vm->cpus[pick];
        vm->cur = pick;
        engine_set_cpu(vm->engine, c);
        uint64_t slice = slice_steps(vm, now);
        if (slice > vm->turn_left)
            slice = vm->turn_left;
        vm_clock_slice(&vm->clock, true);
        uint64_t before = cpu_steps(c);
        vm->yield = false;
        enum cpu_stop stop = engine_run(vm->engine, slice);
        uint64_t used = cpu_steps(c) - before;
        /* HLT and PAUSE end the turn. */
        vm->turn_left = stop == CPU_STOP_HLT || vm->yield || used >= vm->turn_left
                            ? 0 : vm->turn_left - used;
        if (vm->exit_reason != VM_EXIT_NONE)
            return vm->exit_reason;
        /* A triple fault shuts the processor down; the chipset resets
         * the machine on the shutdown cycle, whichever CPU it came from
         * (QEMU does the same). */
        if (stop == CPU_STOP_SHUTDOWN)
            return vm->exit_reason = VM_EXIT_SHUTDOWN;
    }
}

enum vm_exit_reason vm_run(struct vm *vm, uint64_t max_insns)
{
    struct cpu *c = &vm->cpu;
    vm->exit_reason = VM_EXIT_NONE;
    if (max_insns)
        vm_limit_steps(vm, max_insns);
    if (vm->mt)
        return vm_mt_run(vm);
    if (vm->ncpus > 1)
        return run_smp(vm);
    for (;;) {
        uint64_t now;
        if (vm_before_slice(vm, cpu_steps(c), &now) != VM_EXIT_NONE)
            return vm->exit_reason;
        uint64_t slice = slice_steps(vm, now);
        /* Under the host clock a slice's exact length is no one's concern
         * (timers fire by host time between slices): the engine may end it
         * before a block instead of cutting the block (engine_set_soft_end).
         * A step limit stays exact: a soft end leaves fewer than 64 steps,
         * which the next slice runs as an exact budget. */
        engine_set_soft_end(vm->engine, vm->clock.mode != VM_CLOCK_ICOUNT);
        vm_clock_slice(&vm->clock, true);
        enum cpu_stop stop = engine_run(vm->engine, slice);
        if (vm->exit_reason != VM_EXIT_NONE)
            return vm->exit_reason;
        switch (stop) {
        case CPU_STOP_HLT:
            /* With IF clear only an NMI wakes the CPU, and no device of
             * ours raises one: the guest has stopped for good. */
            if (!(c->eflags & F_IF) && !c->nmi_pending)
                return vm->exit_reason = VM_EXIT_HALTED;
            if (!vm_wait_while_halted(vm))
                return vm->exit_reason = VM_EXIT_HALTED;
            if (vm->exit_reason != VM_EXIT_NONE)
                return vm->exit_reason;
            break;
        case CPU_STOP_SHUTDOWN:
            return vm->exit_reason = VM_EXIT_SHUTDOWN;
        case CPU_STOP_LIMIT:
        case CPU_STOP_REQUEST:
        case CPU_STOP_NONE:
            break;
        }
    }
}

const char *vm_exit_reason_name(enum vm_exit_reason r)
{
    switch (r) {
    case VM_EXIT_NONE: return "none";
    case VM_EXIT_HALTED: return "halted";
    case VM_EXIT_GUEST_EXIT: return "guest-exit";
    case VM_EXIT_SHUTDOWN: return "shutdown (triple fault)";
    case VM_EXIT_RESET: return "reset";
    case VM_EXIT_INSN_LIMIT: return "instruction limit";
    case VM_EXIT_ERROR: return "internal error";
    case VM_EXIT_QUIT: return "quit";
    case VM_EXIT_POWEROFF: return "poweroff";
    }
    return "?";
}
