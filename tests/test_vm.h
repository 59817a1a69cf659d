/* Test helper: a VM with `ram_mb` of RAM and a CPU of `level`, or the
 * test ends at once (status 1) with vm_create's message. */
#ifndef PLEX86_TESTS_TEST_VM_H
#define PLEX86_TESTS_TEST_VM_H

#include <stdio.h>
#include <stdlib.h>

#include "machine/vm.h"

static inline struct vm *test_vm_new(uint32_t ram_mb, enum cpu_level level)
{
    char err[256];
    struct vm *vm = vm_create(&(struct vm_config){ .ram_mb = ram_mb, .cpu_level = level }, err,
                              sizeof(err));
    if (!vm) {
        fprintf(stderr, "vm_create: %s\n", err);
        exit(1);
    }
    return vm;
}

#endif
