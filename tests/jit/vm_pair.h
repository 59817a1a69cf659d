/* The two machines the translator's differential tests compare: one
 * interpreted, one translated (threshold: how hot a block gets before it
 * is translated, 0 the engine's default), both a P6 with 4 MiB.  Returns
 * 0, or the test's exit status: 1 when a VM cannot be made, 77 (skipped)
 * where the host cannot run generated code. */
#ifndef PLEX86_TESTS_JIT_VM_PAIR_H
#define PLEX86_TESTS_JIT_VM_PAIR_H

#include <stdio.h>

#include "engine/engine.h"
#include "machine/vm.h"

static inline int vm_pair_create(unsigned threshold, struct vm **vi, struct vm **vj)
{
    char err[256];
    *vi = vm_create(&(struct vm_config){ .ram_mb = 4, .cpu_level = CPU_P6 }, err, sizeof(err));
    *vj = vm_create(&(struct vm_config){ .ram_mb = 4, .cpu_level = CPU_P6, .jit = true,
                                         .jit_threshold = threshold },
                    err, sizeof(err));
    if (!*vi || !*vj) {
        fprintf(stderr, "vm_create: %s\n", err);
        return 1;
    }
    if (engine_kind((*vj)->engine) != ENGINE_JIT) {
        printf("SKIP: no executable memory for the translator here\n");
        return 77;
    }
    return 0;
}

#endif
