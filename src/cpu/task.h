/* Hardware task switching (SDM vol. 3A, chapter 7). */
#ifndef PLEX86_CPU_TASK_H
#define PLEX86_CPU_TASK_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"
#include "cpu/desc.h"

enum task_reason {
    TASK_JMP,   /* old task's busy bit cleared, no back link */
    TASK_CALL,  /* CALL, INT n, exception or interrupt: back link, NT set */
    TASK_IRET,  /* return to the back-linked task: old busy cleared, NT cleared */
};

/* Switches to the task whose TSS descriptor is `d` (already checked for
 * type and presence by the caller).  `ret_eip` is saved as the old task's
 * EIP.  With has_err, the error code is pushed on the new task's stack. */
void task_switch(struct cpu *c, uint16_t sel, const struct desc *d, enum task_reason why,
                 uint32_t ret_eip, bool has_err, uint32_t err);

#endif
