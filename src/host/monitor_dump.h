/* The monitor's views of guest state: `info registers` in QEMU's layout
 * (monitor_regs.c) and the `x`/`xp` memory dumps (monitor_mem.c).  They
 * only read: no fault reaches the guest, no device is touched. */
#ifndef PLEX86_HOST_MONITOR_DUMP_H
#define PLEX86_HOST_MONITOR_DUMP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct vm;
struct cpu;

/* QEMU's `info registers` for a 32-bit x86 CPU. */
void monitor_print_registers(struct vm *vm, const struct cpu *c, FILE *out);

/* `x /FMT ADDR` (linear, through the guest's page tables) or `xp /FMT
 * ADDR` (physical); `args` is what follows the command's name.  Errors
 * are printed as the reply. */
void monitor_memory_dump(struct vm *vm, const struct cpu *c, const char *args, bool physical,
                         FILE *out);

/* Linear to physical as the guest's page tables say, without the TLB,
 * without setting accessed bits and without raising a fault.  Returns
 * false when the page is not present (or its tables are not in RAM). */
bool monitor_linear_to_phys(struct vm *vm, const struct cpu *c, uint32_t la, uint32_t *pa);

#endif
