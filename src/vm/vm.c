/* The VM object; see vm.h. */
#include "vm/vm.h"

#include "cpu/cpu_model.h"

#include "sbe/cache.h"
#include "sbe/sbe.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* The code cache's memory bound (DESIGN.md: bounded memory). */
#define CODE_CACHE_BYTES (32u << 20)

static void vm_code_write(void *sbe, uint32_t pa, unsigned size)
{
    sbe_write(sbe, pa, size);
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
    vm->sbe = sbe_create(vm, &(struct sbe_config){ .max_depth = cfg->sbe_depth });
    if (!vm->sbe || (!cfg->no_code_cache && !(vm->cache = cache_create(vm->sbe, CODE_CACHE_BYTES)))) {
        snprintf(err, errlen, "out of memory for the code cache");
        vm_destroy(vm);
        return NULL;
    }
    vm->mem.code_watched = sbe_watched_bitmap(vm->sbe);
    vm->mem.code_write = vm_code_write;
    vm->mem.code_opaque = vm->sbe;
    cpu_reset(&vm->cpu);
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
    cache_destroy(vm->cache);
    sbe_destroy(vm->sbe);
    physmem_destroy(&vm->mem);
    free(vm);
}

void vm_invalidate_code(struct vm *vm)
{
    sbe_flush(vm->sbe);
    if (vm->cache)
        cache_flush(vm->cache);
    vm->cpu.code_epoch++;
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

enum vm_exit_reason vm_run(struct vm *vm, uint64_t max_insns)
{
    vm->exit_reason = VM_EXIT_NONE;
    uint64_t start = cpu_steps(&vm->cpu);
    for (;;) {
        uint64_t budget = UINT64_MAX;
        if (max_insns) {
            uint64_t done = cpu_steps(&vm->cpu) - start;
            if (done >= max_insns)
                return vm->exit_reason = VM_EXIT_INSN_LIMIT;
            budget = max_insns - done;
        }
        enum cpu_stop stop = cpu_run(&vm->cpu, budget);
        if (vm->exit_reason != VM_EXIT_NONE)
            return vm->exit_reason;
        switch (stop) {
        case CPU_STOP_HLT:
            /* Until the interrupt controller arrives nothing can wake a
             * halted CPU, with IF clear or set alike. */
            return vm->exit_reason = VM_EXIT_HALTED;
        case CPU_STOP_SHUTDOWN:
            return vm->exit_reason = VM_EXIT_SHUTDOWN;
        case CPU_STOP_LIMIT:
            return vm->exit_reason = VM_EXIT_INSN_LIMIT;
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
    }
    return "?";
}
