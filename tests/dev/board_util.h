/* Helpers for the board device tests: a VM without guest code, and a
 * clock the test steps by hand. */
#ifndef PLEX86_TESTS_DEV_BOARD_UTIL_H
#define PLEX86_TESTS_DEV_BOARD_UTIL_H

#include <stdlib.h>

#include "dev/irq.h"
#include "machine/vm.h"

static inline struct vm *board_vm(uint32_t ram_mb)
{
    char err[256];
    struct vm_config cfg = { .ram_mb = ram_mb, .cpu_level = CPU_486 };
    struct vm *vm = vm_create(&cfg, err, sizeof(err));
    if (!vm) {
        fprintf(stderr, "vm_create: %s\n", err);
        exit(1);
    }
    return vm;
}

/* Adds a device to the VM (registering its ports); a failure ends the
 * test program. */
static inline void board_add(struct vm *vm, struct device *d)
{
    char err[256];
    if (vm_add_device(vm, d, err, sizeof(err)) < 0) {
        fprintf(stderr, "vm_add_device: %s\n", err);
        exit(1);
    }
}

static inline uint64_t fake_now(void *opaque)
{
    return *(uint64_t *)opaque;
}

static inline struct dev_clock fake_clock(uint64_t *now)
{
    return (struct dev_clock){ .now_ns = fake_now, .opaque = now };
}

/* A pin that records its level and counts rising edges. */
struct pin_log {
    bool level;
    unsigned rises, calls;
};

static inline void pin_log_set(void *opaque, unsigned irq, bool level)
{
    struct pin_log *p = opaque;
    p->calls++;
    if (level && !p->level)
        p->rises++;
    p->level = level;
}

static inline struct irq_pin log_pin(struct pin_log *p)
{
    return (struct irq_pin){ .set = pin_log_set, .opaque = p };
}

#endif
