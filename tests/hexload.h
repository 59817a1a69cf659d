/* Test helper: writes hand-assembled bytes, given as hex text with optional
 * spaces ("b8 34 12"), into a VM's guest-physical memory. */
#ifndef PLEX86_TESTS_HEXLOAD_H
#define PLEX86_TESTS_HEXLOAD_H

#include <stdio.h>

#include "machine/vm.h"

static inline void put_hex(struct vm *vm, uint32_t pa, const char *hex)
{
    for (const char *p = hex; p[0] && p[1];) {
        if (*p == ' ') {
            p++;
            continue;
        }
        unsigned v;
        sscanf(p, "%2x", &v);
        uint8_t b = (uint8_t)v;
        phys_copy_in(&vm->mem, pa++, &b, 1);
        p += 2;
    }
}

#endif
