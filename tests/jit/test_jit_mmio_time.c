/* A device sees the same guest time whether the store that reaches it
 * was translated or interpreted.
 *
 * Under -icount guest time is the step count, and a device reads it
 * during the access (the local APIC's timer counts from the write of its
 * initial count).  A translation adds its instructions to cpu.icount in
 * lumps, before each call to C and at its exits; a store to MMIO goes
 * through jit_mem_commit, so the count must be exact there too, else a
 * snapshot's run after -loadvm (its code cold: interpreted) programs a
 * timer a few steps away from the run that saved it (its code hot:
 * translated), and the interrupt comes at another instruction
 * (linux-snapshot-determinism).
 *
 * The program: a loop with plain stores, a read-modify-write and a read
 * of an MMIO page after a few register instructions each.  The device
 * logs cpu_steps() at every access; the interpreter's log and the
 * translator's (every block translated at its first run) must match. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "cpu/exec.h"
#include "engine/engine.h"
#include "machine/vm.h"
#include "vm_pair.h"

#define MMIO_BASE 0xFEB00000u
#define CODE 0x1000u
#define LOOPS 300u
#define MAX_LOG 4096u

struct stamp {
    struct cpu *cpu;
    unsigned n;
    uint64_t at[MAX_LOG];
    uint32_t val[MAX_LOG];
    uint32_t reg;
};

static void note(struct stamp *s, uint32_t v)
{
    if (s->n < MAX_LOG) {
        s->at[s->n] = cpu_steps(s->cpu);
        s->val[s->n] = v;
    }
    s->n++;
}

static uint32_t stamp_read(void *opaque, uint32_t off, unsigned size)
{
    struct stamp *s = opaque;
    (void)size;
    note(s, 0x80000000u | off);
    return s->reg;
}

static void stamp_write(void *opaque, uint32_t off, uint32_t value, unsigned size)
{
    struct stamp *s = opaque;
    (void)off, (void)size;
    s->reg = value;
    note(s, value);
}

static const struct mmio_ops stamp_ops = { stamp_read, stamp_write };

/* mov ecx, LOOPS
 * loop: inc eax; inc ebx; add edx, 3; mov [MMIO], eax
 *       inc esi; mov [MMIO+4], ebx
 *       inc edi; add edx, esi; add [MMIO+8], edx      (read, then write)
 *       inc eax; mov ebp, [MMIO+12]
 *       dec ecx; jnz loop
 * hlt */
static const uint8_t program[] = {
    0xB9, LOOPS & 0xFF, LOOPS >> 8, 0, 0,
    0x40, 0x43, 0x83, 0xC2, 0x03, 0x89, 0x05, 0x00, 0x00, 0xB0, 0xFE,
    0x46, 0x89, 0x1D, 0x04, 0x00, 0xB0, 0xFE,
    0x47, 0x01, 0xF2, 0x01, 0x15, 0x08, 0x00, 0xB0, 0xFE,
    0x40, 0x8B, 0x2D, 0x0C, 0x00, 0xB0, 0xFE,
    0x49, 0x75, 0x100 - 37,
    0xF4,
};
_Static_assert(sizeof(program) == 5 + 37 + 1, "the JNZ's displacement");

static void run(struct vm *vm, struct stamp *s)
{
    struct cpu *c = &vm->cpu;
    s->cpu = c;
    CHECK_EQ(vm_map_mmio(vm, MMIO_BASE, 0x1000, &stamp_ops, s, "stamp"), 0);
    c->cr0 |= CR0_PE;
    for (int r = 0; r < S_COUNT; r++)
        c->seg[r] = (struct seg){ .base = 0, .limit = 0xFFFFFFFFu, .sel = r == S_CS ? 8 : 0x10,
                                  .attr = (uint16_t)((r == S_CS ? 0x9B : 0x93) | SEG_ATTR_DB |
                                                     SEG_ATTR_G) };
    cpu_mode_changed(c);
    memcpy(physmem_ptr(&vm->mem, CODE, true), program, sizeof(program));
    c->eip = CODE;
    enum cpu_stop st;
    /* Slices as the VM's, so that run_loop starts over now and then. */
    do
        st = engine_run(vm->engine, 1000);
    while (st == CPU_STOP_LIMIT);
    CHECK_EQ(st, CPU_STOP_HLT);
}

int main(void)
{
    struct vm *vi, *vj;
    int made = vm_pair_create(1, &vi, &vj);
    if (made)
        return made;
    static struct stamp si, sj;
    run(vi, &si);
    run(vj, &sj);
    struct engine_stats es;
    engine_stats(vj->engine, &es);
    CHECK(es.jit.native_insns > 0); /* the loop did run translated */
    CHECK_EQ(si.n, 5 * LOOPS);      /* four accesses, the RMW's two */
    CHECK_EQ(sj.n, si.n);
    unsigned first = si.n;
    for (unsigned i = 0; i < si.n && i < MAX_LOG; i++)
        if (si.at[i] != sj.at[i] || si.val[i] != sj.val[i]) {
            first = i;
            break;
        }
    if (first < si.n)
        printf("access %u: interpreter at step %llu (%08x), translator at step %llu (%08x)\n",
               first, (unsigned long long)si.at[first], si.val[first],
               (unsigned long long)sj.at[first], sj.val[first]);
    CHECK_EQ(first, si.n);
    CHECK_EQ(vi->cpu.icount, vj->cpu.icount);
    vm_destroy(vi);
    vm_destroy(vj);
    return check_report();
}
