/* test_jit_diff: M_FILL (1ull << 39), 32-bit code: a loop of a table
 * look-up whose base and index are the same register, given a known range
 * each pass (`movzx esi, r8` after an add to r8, or `and esi, imm8`):
 *
 *       mov ebp, n
 *   L:  add r, imm8 ; movzx esi, r8 (or and esi, imm8 after it)
 *       op [esi + esi * s + d32] ; 0-1 random ; dec ebp ; jnz L
 *
 * The index moves every pass, and so does the base: a range site (tr.h
 * site_ext) keeps base + disp, so it must not keep this one (tr_alloc.c
 * tr_choose_sites), least of all from the translation's entry (tr_prefill.c,
 * which fills a loop's kept addresses before its first pass).  Random
 * instructions never write EBP; ESI and the other registers they may. */
#include "jit_diff.h"

void fill_item(struct prog *p)
{
    static const unsigned regs[] = { 0, 1, 2, 3, 7 };
    if (p->n + 64 > sizeof(p->b))
        return;
    put(p, 0xBD); put32(p, 2 + rnd() % 4);                          /* mov ebp, n */
    unsigned head = p->n;
    unsigned src = rnd() % 4;
    put(p, 0x83); put(p, (uint8_t)(0xC0 + src)); put(p, (uint8_t)(1 + rnd() % 0x7F)); /* add */
    if (rnd() & 1) {
        put(p, 0x0F); put(p, 0xB6); put(p, (uint8_t)(0xF0 + src));  /* movzx esi, al..bl */
    } else {
        put(p, 0x89); put(p, (uint8_t)(0xC6 + (src << 3)));        /* mov esi, r */
        put(p, 0x83); put(p, 0xE6); put(p, (uint8_t)(rnd() & 0x7F)); /* and esi, imm8 */
    }
    unsigned ss = rnd() % 3;                                       /* scale 1, 2, 4 */
    uint32_t at = DATA + (rnd() & 0x3FC);            /* + 0xFF * 5 + 4: in the data area */
    unsigned r = regs[rnd() % 5];
    switch (rnd() % 4) {
    case 0: put(p, 0x8B); break;                                   /* mov r32, m32 */
    case 1: put(p, 0x33); break;                                   /* xor r32, m32 */
    case 2: put(p, 0x01); break;                                   /* add m32, r32 */
    default: put(p, 0x89); break;                                  /* mov m32, r32 */
    }
    put(p, (uint8_t)(0x84 | r << 3));                              /* mod 10, SIB */
    put(p, (uint8_t)(ss << 6 | 6 << 3 | 6));                       /* [esi + esi*s + d32] */
    put32(p, bias() + at);
    if (rnd() & 1)
        random_insn(p);
    count_down(p, false);                                          /* dec ebp */
    jnz_back(p, head);
}
