/* test_jit_diff: M_LZC, a loop whose head H is a block's start, with a
 * branch back to a tail just before H and later branches back into the
 * loop's body (engine/cache_spec.c: the block goes on past that branch,
 * its taken way a side exit to a block before its own start):
 *       mov dword [COUNTER2], m
 *   T:  mov ebp, n2 ; pushad ; xor eax, eax ; cpuid ; popad
 *   H:  dec dword [COUNTER2] ; jz out
 *       A: 6-9 random (forward Jccs, stores into the code, interrupts)
 *       jcc T (a random condition)
 *       B: 0-2 random ; dec ebp ; jnz A' (A' in A, after its first)
 *       0-1 random ; jmp T
 *   out:
 * CPUID virtualizes: the block before it ends there, and the one after
 * starts at POPAD, just before H (11 bytes from T).  m passes through H,
 * each with at most n2 passes of A'..JNZ (EBP is set at T, every way to
 * H goes through it; random instructions never write EBP; a wild store
 * into COUNTER2 is bounded by the run's budget). */
#include "jit_diff.h"

void lzc_item(struct prog *p, struct smc *m, bool smc)
{
    /* Room for the whole item (under 200 bytes): a program that fills
     * its buffer drops bytes, and smc_resolve's patch of a store whose
     * immediate was dropped would write past it. */
    if (p->n + 256 > sizeof(p->b))
        return;
    put(p, 0xC7); put(p, 0x05); put32(p, bias() + COUNTER2); put32(p, 1 + rnd() % 4);
    unsigned t = p->n;
    put(p, 0xBD); put32(p, 1 + rnd() % 3);                          /* mov ebp, n2 */
    put(p, 0x60); put(p, 0x31); put(p, 0xC0);                      /* pushad; xor eax, eax */
    put(p, 0x0F); put(p, 0xA2); put(p, 0x61);                      /* cpuid; popad */
    count_down(p, true);
    unsigned jz = p->n;
    put(p, 0x0F); put(p, 0x84); put32(p, 0);                        /* jz out */
    random_insn(p);
    unsigned a2 = p->n;
    rotated_body(p, m, smc, 5 + rnd() % 4);
    /* jcc T: rel8 or rel32 */
    uint8_t cc = (uint8_t)(rnd() & 15);
    int32_t rel8 = (int32_t)t - (int32_t)(p->n + 2);
    if (rel8 >= -128 && (rnd() & 1)) {
        put(p, (uint8_t)(0x70 | cc)); put(p, (uint8_t)rel8);
    } else {
        put(p, 0x0F); put(p, (uint8_t)(0x80 | cc));
        put32(p, (uint32_t)((int32_t)t - (int32_t)(p->n + 4)));
    }
    for (unsigned i = rnd() % 3; i-- > 0;)
        random_insn(p);
    count_down(p, false);                                           /* dec ebp */
    jnz_back(p, a2);
    if (rnd() & 1)
        random_insn(p);
    unsigned back = p->n;
    for (unsigned i = 0; i < 5; i++)
        put(p, 0x90);
    jmp_patch(p, back, t);
    if (jz + 6 <= sizeof(p->b)) {
        uint32_t rel = p->n - (jz + 6);
        for (unsigned i = 0; i < 4; i++)
            p->b[jz + 2 + i] = (uint8_t)(rel >> (8 * i));
    }
}
