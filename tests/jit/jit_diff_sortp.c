/* M_EXCURSION (jit_diff.h): sort's partition loop shape (bench/README.md,
 * session 16), a loop with a side exit to a short line after it that
 * branches back into it:
 *
 *       [jmp M]
 *   L:  dec ebp / dword [COUNTER2] ; jz out
 *       body ; jcc X ; body ; jcc out
 *   M:  body ; jmp L
 *   X:  0-3 random ; jcc M or L (or a point of the bodies' straight line)
 *       0-1 random
 *   out:
 *
 * A block built at L ends with the JMP back to its start, one built at M
 * (entered by the first JMP, or after a side exit) with the Jcc that
 * falls into it: both go on at X (engine/cache.c excursion), the JCC to X
 * a jump ahead inside the translation, the JMP and the falling Jcc back
 * edges (jit/tr_excursion.c), the line's Jcc another.  Every way round
 * passes L's count (random instructions never write EBP; a wild store into
 * COUNTER2 is bounded by the run's budget). */
#include "jit_diff.h"

static unsigned jcc32(struct prog *p)
{
    unsigned at = p->n;
    put(p, 0x0F); put(p, (uint8_t)(0x80 | (rnd() & 15))); put32(p, 0);
    return at;
}

static void jcc32_patch(struct prog *p, unsigned at, unsigned to)
{
    if (at + 6 > sizeof(p->b))
        return;
    uint32_t rel = to - (at + 6);
    for (unsigned i = 0; i < 4; i++)
        p->b[at + 2 + i] = (uint8_t)(rel >> (8 * i));
}

void excursion_item(struct prog *p, struct smc *m, bool smc)
{
    bool mem = loop_count(p, false), enter_m = rnd() % 2 == 0;
    unsigned j = p->n;
    if (enter_m)
        for (unsigned i = 0; i < 5; i++)
            put(p, 0x90); /* (jmp_patch) */
    unsigned l = p->n;
    count_down(p, mem);
    unsigned jz = p->n;
    put(p, 0x0F); put(p, 0x84); put32(p, 0);                           /* jz out */
    unsigned mid = p->n; /* a point of the straight line to branch back to */
    rotated_body(p, m, smc, rnd() % 3);
    unsigned side = jcc32(p);                                          /* jcc X */
    rotated_body(p, m, smc, rnd() % 3);
    unsigned fall = jcc32(p);                                          /* jcc out */
    unsigned mm = p->n;
    if (enter_m)
        jmp_patch(p, j, mm);
    rotated_body(p, m, smc, rnd() % 3);
    unsigned back = p->n;
    for (unsigned i = 0; i < 5; i++)
        put(p, 0x90);
    jmp_patch(p, back, l);                                             /* jmp L */
    jcc32_patch(p, side, p->n);
    for (unsigned i = rnd() % 4; i-- > 0;)
        random_insn(p);
    unsigned to = rnd() % 3;
    unsigned line = jcc32(p);                                          /* jcc M / L / mid */
    jcc32_patch(p, line, to == 0 ? mm : to == 1 ? l : mid);
    if (rnd() % 2)
        random_insn(p);
    jcc32_patch(p, jz, p->n);
    jcc32_patch(p, fall, p->n);
}
