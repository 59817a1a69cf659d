/* The VM object; see vm.h. */
#include "machine/vm.h"

#include "cpu/cpu_model.h"

#include "engine/engine.h"
#include "sbe/sbe.h"

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
        if (vm->devices[i].ops->destroy)
            vm->devices[i].ops->destroy(vm->devices[i].state);
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

int vm_add_device(struct vm *vm, const struct device_ops *ops, void *state)
{
    if (vm->ndevices >= VM_MAX_DEVICES)
        return -1;
    vm->devices[vm->ndevices++] = (struct device){ .ops = ops, .state = state };
    return 0;
}

void vm_reset(struct vm *vm)
{
    for (unsigned i = 0; i < vm->ndevices; i++)
        if (vm->devices[i].ops->reset)
            vm->devices[i].ops->reset(vm->devices[i].state);
    cpu_reset(&vm->cpu);
}

void vm_set_a20(struct vm *vm, bool enabled)
{
    physmem_set_a20(&vm->mem, enabled);
    cpu_tlb_flush(&vm->cpu, true);
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

/* Brings every time-driven device up to `now` and returns the earliest
 * time one of them needs attention again. */
static uint64_t service_devices(struct vm *vm, uint64_t now)
{
    uint64_t next = UINT64_MAX;
    for (unsigned i = 0; i < vm->ndevices; i++) {
        const struct device *d = &vm->devices[i];
        if (d->ops->advance)
            d->ops->advance(d->state, now);
        if (d->ops->next_event) {
            uint64_t t = d->ops->next_event(d->state, now);
            if (t < next)
                next = t;
        }
    }
    return next;
}

/* The CPU executed HLT with interrupts enabled: let guest time pass until
 * a device raises an interrupt (or input arrives).  Returns false if
 * nothing can ever wake it. */
static bool wait_while_halted(struct vm *vm)
{
    struct cpu *c = &vm->cpu;
    vm_clock_slice(&vm->clock, false); /* halted: guest time is host time */
    for (;;) {
        uint64_t now = vm_now_ns(vm);
        uint64_t next = service_devices(vm, now);
        if (c->irq_line || c->nmi_pending || vm->exit_reason != VM_EXIT_NONE)
            return true;
        if (vm->clock.mode == VM_CLOCK_ICOUNT) {
            /* Repeatable: input is looked at, never waited for, and time
             * jumps to the next event. */
            int r = vm->host.wait ? vm->host.wait(vm->host.opaque, 0) : -1;
            if (next == UINT64_MAX) {
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
        uint64_t timeout = next == UINT64_MAX ? UINT64_MAX : next - now;
        int r = vm->host.wait ? vm->host.wait(vm->host.opaque, timeout) : -1;
        if (r < 0) {
            /* No input can ever come: only a device event can wake it. */
            if (next == UINT64_MAX)
                return false;
            struct timespec ts = timespec_of_ns(timeout);
            nanosleep(&ts, NULL);
        }
        vm->halted_ns += vm_now_ns(vm) - now;
    }
}

enum vm_exit_reason vm_run(struct vm *vm, uint64_t max_insns)
{
    struct cpu *c = &vm->cpu;
    vm->exit_reason = VM_EXIT_NONE;
    uint64_t start = cpu_steps(c);
    for (;;) {
        uint64_t budget = UINT64_MAX;
        if (max_insns) {
            uint64_t done = cpu_steps(c) - start;
            if (done >= max_insns)
                return vm->exit_reason = VM_EXIT_INSN_LIMIT;
            budget = max_insns - done;
        }
        if (vm->host.poll)
            vm->host.poll(vm->host.opaque);
        uint64_t now = vm_now_ns(vm);
        uint64_t next = service_devices(vm, now);
        uint64_t slice = VM_SLICE_STEPS;
        if (vm->clock.mode == VM_CLOCK_ICOUNT && next != UINT64_MAX) {
            /* Exactly up to the event, so that runs repeat. */
            uint64_t s = vm_clock_steps_for(&vm->clock, next > now ? next - now : 0);
            if (s < slice)
                slice = s;
        }
        if (slice > budget)
            slice = budget;
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
    }
    return "?";
}
