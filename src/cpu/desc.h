/* Segment descriptors and descriptor tables (SDM vol. 3A, 3.4.5 and 5.x).
 *
 * Descriptor-table reads are implicit supervisor accesses: paging checks
 * them as CPL 0 whatever the CPL (c->sys_access). */
#ifndef PLEX86_CPU_DESC_H
#define PLEX86_CPU_DESC_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"

/* A decoded 8-byte descriptor. */
struct desc {
    uint32_t lo, hi;     /* raw words, as in memory */
    uint32_t base;
    uint32_t limit;      /* byte granular (scaled when G=1) */
    uint16_t attr;       /* bytes 5-6 layout, as struct seg.attr */
    uint8_t type;        /* 4-bit type */
    uint8_t dpl;
    bool s;              /* code/data (1) or system (0) */
    bool present;
};

/* System descriptor types (S=0), SDM vol. 3A table 3-2. */
enum {
    SYS_TSS16_AVAIL = 1, SYS_LDT = 2, SYS_TSS16_BUSY = 3, SYS_CALL_GATE16 = 4,
    SYS_TASK_GATE = 5, SYS_INT_GATE16 = 6, SYS_TRAP_GATE16 = 7,
    SYS_TSS32_AVAIL = 9, SYS_TSS32_BUSY = 11, SYS_CALL_GATE32 = 12,
    SYS_INT_GATE32 = 14, SYS_TRAP_GATE32 = 15,
};

static inline bool desc_is_code(const struct desc *d) { return d->s && (d->type & 8); }
static inline bool desc_is_data(const struct desc *d) { return d->s && !(d->type & 8); }
static inline bool desc_conforming(const struct desc *d) { return desc_is_code(d) && (d->type & 4); }
static inline bool desc_readable(const struct desc *d) { return !desc_is_code(d) || (d->type & 2); }
static inline bool desc_writable(const struct desc *d) { return desc_is_data(d) && (d->type & 2); }

/* Gate fields (call, interrupt, trap, task gates). */
static inline uint16_t gate_selector(const struct desc *d) { return (uint16_t)(d->lo >> 16); }
static inline uint32_t gate_offset(const struct desc *d)
{
    bool wide = d->type & 8; /* 386 gates */
    return (d->lo & 0xFFFF) | (wide ? (d->hi & 0xFFFF0000u) : 0);
}
static inline unsigned gate_param_count(const struct desc *d) { return d->hi & 0x1F; }

void desc_decode(struct desc *d, uint32_t lo, uint32_t hi);

/* Reads the descriptor for a selector from the GDT or LDT.  Returns false
 * when the selector's index is beyond the table limit (or TI=1 with a null
 * LDT); the caller raises the fault its instruction defines. */
bool desc_fetch(struct cpu *c, uint16_t sel, struct desc *d);

/* Sets the accessed bit of a code/data descriptor in its table (a locked
 * read-modify-write on hardware). */
void desc_set_accessed(struct cpu *c, uint16_t sel, struct desc *d);

/* Writes the high word back (busy bits of TSS descriptors). */
void desc_write_hi(struct cpu *c, uint16_t sel, uint32_t hi);

/* Loads a segment register's hidden cache from a descriptor. */
void seg_load_cache(struct cpu *c, int sreg, uint16_t sel, const struct desc *d);

/* Implicit supervisor accesses to linear memory (tables, TSS, IDT). */
uint32_t sys_read(struct cpu *c, uint32_t la, unsigned size);
void sys_write(struct cpu *c, uint32_t la, uint32_t v, unsigned size);

#endif
