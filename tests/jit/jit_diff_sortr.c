/* M_PEEL (jit_diff.h): the back edges whose peel session 17 added
 * (bench/README.md, branch `sortr`; jit/translate.c peel_end,
 * tr_block_end.c flags_redoable):
 *
 *   A, sort's i-loop: flags from an ADD before a JMP back
 *   L:  mov r1, [m] ; cmp r1, r2 ; jcc +1 insn ; random
 *       dec ebp / dword [COUNTER2] ; jz out ; body ; add r3, imm8 ; jmp L
 *   out:
 *
 *   B, insertion sort's rotated loop: the peel goes on past a forward Jcc
 *   and the join the loop is entered at
 *       jmp T
 *   L:  mov [m], r1 ; mov r2, r1 ; cmp r2, r1 ; jcc out
 *   T:  mov r1, [m] ; cmp r1, r2 ; dec ebp / dword [COUNTER2] ; jz out
 *       body ; cmp r1, r2 ; jcc L
 *   out:
 *
 * The memory operands at the head may fault (the flags a fault sees are
 * computed again there); interrupts (M_IRQ) in the body make the back
 * edges' ways out run (the ADD's flags computed again there, not the ADD
 * twice). */
#include "jit_diff.h"

static unsigned jcc32(struct prog *p)
{
    unsigned at = p->n;
    put(p, 0x0F); put(p, (uint8_t)(0x80 | (rnd() & 15))); put32(p, 0);
    return at;
}

static void jcc32_to(struct prog *p, unsigned at, unsigned to)
{
    if (at + 6 > sizeof(p->b))
        return;
    uint32_t rel = to - (at + 6);
    for (unsigned i = 0; i < 4; i++)
        p->b[at + 2 + i] = (uint8_t)(rel >> (8 * i));
}

static void cmp_rr(struct prog *p, unsigned a, unsigned b)
{
    put(p, 0x39); put(p, (uint8_t)(0xC0 | b << 3 | a));                /* cmp a, b */
}

void peel_item(struct prog *p, struct smc *m, bool smc)
{
    bool mem = loop_count(p, false);
    unsigned r1 = dreg(), r2 = dreg(), r3 = dreg();
    unsigned j = p->n;
    bool b = rnd() % 2;
    if (b)
        for (unsigned i = 0; i < 5; i++)
            put(p, 0x90); /* (jmp_patch) */
    unsigned l = p->n, out1 = 0;
    if (!b) {
        put(p, 0x8B); modrm_mem(p, r1);                                /* mov r1, [m] */
        cmp_rr(p, r1, r2);
        unsigned fwd = jcc32(p);
        random_insn(p);
        jcc32_to(p, fwd, p->n);
    } else {
        put(p, 0x89); modrm_mem(p, r1);                                /* mov [m], r1 */
        put(p, 0x89); put(p, (uint8_t)(0xC0 | r1 << 3 | r2));          /* mov r2, r1 */
        cmp_rr(p, r2, r1);
        out1 = jcc32(p);
        jmp_patch(p, j, p->n);
        put(p, 0x8B); modrm_mem(p, r1);                                /* T: mov r1, [m] */
        cmp_rr(p, r1, r2);
    }
    count_down(p, mem);
    unsigned jz = p->n;
    put(p, 0x0F); put(p, 0x84); put32(p, 0);                           /* jz out */
    rotated_body(p, m, smc, rnd() % 3);
    if (!b) {
        put(p, 0x83); put(p, (uint8_t)(0xC0 | (rnd() % 2 ? 0 : 5 << 3) | r3));
        put(p, (uint8_t)rnd());                                        /* add/sub r3, imm8 */
        unsigned back = p->n;
        for (unsigned i = 0; i < 5; i++)
            put(p, 0x90);
        jmp_patch(p, back, l);                                         /* jmp L */
    } else {
        cmp_rr(p, r1, r2);
        jcc32_to(p, jcc32(p), l);                                      /* jcc L */
        jcc32_to(p, out1, p->n);
    }
    jcc32_to(p, jz, p->n);
}
