/* The engine's per-CPU context: what an engine (src/engine) keeps beside
 * the architectural state of one CPU.  Nothing in cpu/ reads or writes it;
 * it is embedded in struct cpu (as cpu.eng) only so that translated code,
 * which holds the CPU's address in one host register, reaches it at a
 * fixed displacement.  jit/tr.h pins the offsets it uses with
 * _Static_assert (STYLE.md item 3). */
#ifndef PLEX86_CPU_ENGINE_CTX_H
#define PLEX86_CPU_ENGINE_CTX_H

#include <stdint.h>

struct engine_ctx {
    /* Set by the run loop (engine/run.c) before a translation runs. */
    uint64_t calm;          /* cpu.async while nothing is pending */
    uint64_t icount_end;    /* icount at which the run's budget ends */
    uint32_t eip0;          /* EIP at the running translation's entry */
    uint8_t cs_flat;        /* CS's limit is 4 GiB and its base page-aligned:
                               every block lies within it (CS cannot change
                               while translations run) */
    uint32_t unmet;         /* the entry conditions that do not hold now
                               (jit.h jit_unmet; constant while
                               translations run) */
    /* The translator's scratch (src/jit). */
    uint32_t off;           /* a memory operand's offset across a call */
    uint8_t noted;          /* a loop noted its x87 pointers (jit/tr_x87.c) */
    uint16_t host_cw;       /* the host's FCW while a translation runs */
    uint8_t env[28];        /* an FNSTENV image (jit/tr_x87.c) */
    uint8_t *site[16];      /* host addresses of a loop's memory operands
                               whose address does not change, and of shared
                               probes (jit/tr.h) */
    uint64_t page_la[8];    /* pages (linear, -1: none) that memory operands
                               of loops hit last (0-3 read, 4-7 write) ... */
    uint64_t page_add[8];   /* ... and their host minus linear address
                               (translate.c page_site_probe) */
    uint8_t scratch[16] __attribute__((aligned(16))); /* a memory operand on
                               the slow path (jit/jit.c) */
    uint64_t mem_slow;      /* memory operands that took that slow path */
    uint64_t jc_misses;     /* jump-cache lookups in generated code that
                               went back to C (jit/tr_block_end.c) */
};

#endif
