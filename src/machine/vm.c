/* The VM object; see vm.h. */
#include "machine/vm.h"

#include "cpu/cpu_model.h"

#include "engine/engine.h"
#include "sbe/sbe.h"
#include "vm/count.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* The clock follows the CPU's steps (vm/clock.h). */
static uint64_t vm_cpu_steps(const void *cpu)
{
    return cpu_steps(cpu);
}

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
    const struct cpu_model *model =
        cfg->cpu_model ? cfg->cpu_model : cpu_model_for_level(cfg->cpu_level);
    if (cpu_init(&vm->cpu, vm, model) < 0) {
        snprintf(err, errlen, "cannot initialise the CPU decoder");
        physmem_destroy(&vm->mem);
        free(vm);
        return NULL;
    }
    vm->cpu.mem = &vm->mem;
    vm->cpu.io = &vm->io;
    vm->cpu.clock = &vm->clock;
    vm->cpu.pins.internal_error = vm_cpu_error;
    vm->cpu.pins.error_opaque = vm;
    vm->sbe = sbe_create(&vm->mem, &vm->cpu, &(struct sbe_config){ .max_depth = cfg->sbe_depth });
    if (!vm->sbe) {
        snprintf(err, errlen, "out of memory for the scanner");
        vm_destroy(vm);
        return NULL;
    }
    struct engine_config ecfg = {
        .kind = cfg->no_code_cache ? ENGINE_SLOW : cfg->jit ? ENGINE_JIT : ENGINE_INTERP,
        .jit_threshold = cfg->jit_threshold,
    };
    vm->engine = engine_create(&ecfg, &vm->cpu, vm->sbe, &vm->mem, err, errlen);
    if (!vm->engine) {
        vm_destroy(vm);
        return NULL;
    }
    vm->mem.code_watched = sbe_watched_bitmap(vm->sbe);
    vm->mem.code_write = vm_code_write;
    vm->mem.code_opaque = vm->sbe;
    cpu_reset(&vm->cpu);
    sched_init(&vm->sched);
    vm->step_limit = UINT64_MAX;
    if (cfg->icount)
        vm_clock_init_icount(&vm->clock, vm_cpu_steps, &vm->cpu, cfg->icount_shift);
    else
        vm_clock_init_host(&vm->clock, vm_cpu_steps, &vm->cpu);
    return vm;
}

void vm_destroy(struct vm *vm)
{
    if (!vm)
        return;
    for (unsigned i = vm->ndevices; i-- > 0;)
        if (vm->devices[i]->ops->destroy)
            vm->devices[i]->ops->destroy(vm->devices[i]);
    cpu_destroy(&vm->cpu);
    engine_destroy(vm->engine);
    sbe_destroy(vm->sbe);
    physmem_destroy(&vm->mem);
    free(vm);
}

void vm_invalidate_code(struct vm *vm)
{
    sbe_flush(vm->sbe);
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

void vm_reset(struct vm *vm)
{
    for (unsigned i = 0; i < vm->ndevices; i++)
        if (vm->devices[i]->ops->reset)
            vm->devices[i]->ops->reset(vm->devices[i]);
    cpu_reset(&vm->cpu);
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
    cpu_tlb_flush(&vm->cpu, true);
    return 0;
}

int vm_map_mmio_direct(struct vm *vm, uint32_t base, uint32_t size, const struct mmio_ops *ops,
                       void *opaque, const uint8_t *direct, const char *name)
{
    if ((uint64_t)base < vm->mem.ram_size || physmem_find_overlap(&vm->mem, base, size))
        return -1;
    if (physmem_add_mmio_direct(&vm->mem, base, size, ops, opaque, direct, name) < 0)
        return -1;
    cpu_tlb_flush(&vm->cpu, true);
    return 0;
}

void vm_unmap_mmio(struct vm *vm, uint32_t base, void *opaque)
{
    if (physmem_remove_mmio(&vm->mem, base, opaque) == 0)
        cpu_tlb_flush(&vm->cpu, true);
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
    vm->step_limit = n ? cpu_steps(&vm->cpu) + n : UINT64_MAX;
}

void vm_set_a20(struct vm *vm, bool enabled)
{
    physmem_set_a20(&vm->mem, enabled);
    cpu_tlb_flush(&vm->cpu, true);
}

int vm_set_shadow(struct vm *vm, uint32_t base, uint32_t size, unsigned mode)
{
    int changed = physmem_set_shadow(&vm->mem, base, size, mode);
    if (changed > 0) {
        /* The TLB holds host pointers into RAM or the ROM, and the
         * scanner's maps and the blocks built from them describe the
         * bytes that were readable: both are stale for these pages (a
         * block running there stops: the discard bumps the code epoch). */
        cpu_tlb_flush(&vm->cpu, true);
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
    vm->cpu.stop_request = true;
}

/* Steps per slice on the host clock: about 0.5 ms at today's speed, so a
 * timer interrupt comes at most that late and the host hooks (typed input)
 * run about 2000 times a second. */
#define VM_SLICE_STEPS (1u << 16)

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

/* The CPU executed HLT with interrupts enabled: let guest time pass until
 * a device raises an interrupt (or input arrives), firing timers as they
 * come due.  Returns false if nothing can ever wake it. */
static bool wait_while_halted(struct vm *vm)
{
    struct cpu *c = &vm->cpu;
    vm_clock_slice(&vm->clock, false); /* halted: guest time is host time */
    for (;;) {
        uint64_t now = vm_now_ns(vm);
        sched_run_due(&vm->sched, now);
        if (c->irq_line || c->nmi_pending || vm->exit_reason != VM_EXIT_NONE)
            return true;
        if (vm->clock.mode == VM_CLOCK_ICOUNT) {
            /* Repeatable: input is looked at, never waited for, and time
             * jumps to the next guest event (housekeeping timers do not
             * move guest time). */
            uint64_t next = sched_next_guest(&vm->sched);
            int r = vm->host.wait ? vm->host.wait(vm->host.opaque, 0) : -1;
            if (c->irq_line || vm->exit_reason != VM_EXIT_NONE)
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
        uint64_t left = vm->step_limit - cpu_steps(&vm->cpu);
        if (left < slice)
            slice = left;
    }
    return slice;
}

enum vm_exit_reason vm_run(struct vm *vm, uint64_t max_insns)
{
    struct cpu *c = &vm->cpu;
    vm->exit_reason = VM_EXIT_NONE;
    if (max_insns)
        vm_limit_steps(vm, max_insns);
    for (;;) {
        if (cpu_steps(c) >= vm->step_limit) {
            vm->step_limit = UINT64_MAX;
            return vm->exit_reason = VM_EXIT_INSN_LIMIT;
        }
        uint64_t now = vm_now_ns(vm);
        sched_run_due(&vm->sched, now);
        if (vm->exit_reason != VM_EXIT_NONE)
            return vm->exit_reason;
        uint64_t slice = slice_steps(vm, now);
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
            if (!wait_while_halted(vm))
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
