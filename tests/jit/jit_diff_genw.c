/* test_jit_diff: M_HOME, cpubench's gen_text word loop (engine/
 * cache_home.c: a block goes on at a conditional branch back out of it,
 * at its target or fall-through, where that path comes back to the
 * block's first instruction; a Jcc whose taken way is the block's next
 * instruction and whose not-taken way leaves, jit/tr_excursion.c):
 *       mov dword [COUNTER2], m
 *       pushad ; xor eax, eax ; cpuid ; popad
 *   H:  A: 0-3 random ; dec dword [COUNTER2] ; jz out
 *       0-3 random ; jcc X (a random condition)
 *       F: 0-3 random
 *   C:  0-3 (or 8-15) random
 *   B:  0-3 random ; jcc H ; jmp H or jmp out
 *   X:  0-2 random ; jcc C ; 0-2 random ; jcc B ; 0-2 random ; jmp C, B or H
 *   out:
 * CPUID virtualizes: a block starts at POPAD and takes F; the block at X
 * (entered by the taken JCC X) goes on back at C or B and from there at
 * H, whose JCC X closes the loop at the block's start.  C's longer form
 * leaves the walk no room at times (the block then goes on at the
 * fall-through, or ends as before).  Every way round passes H's count (a
 * wild store into COUNTER2 is bounded by the run's budget). */
#include "jit_diff.h"

static unsigned jcc32_at(struct prog *p)
{
    unsigned at = p->n;
    put(p, 0x0F); put(p, (uint8_t)(0x80 | (rnd() & 15))); put32(p, 0);
    return at;
}

static void rel32_to(struct prog *p, unsigned at, unsigned len, unsigned to)
{
    if (at + len > sizeof(p->b))
        return;
    uint32_t rel = to - (at + len);
    for (unsigned i = 0; i < 4; i++)
        p->b[at + len - 4 + i] = (uint8_t)(rel >> (8 * i));
}

/* A Jcc back to `to`, rel8 where it reaches and at random, else rel32. */
static void jcc_back(struct prog *p, unsigned to)
{
    uint8_t cc = (uint8_t)(rnd() & 15);
    int32_t rel8 = (int32_t)to - (int32_t)(p->n + 2);
    if (rel8 >= -128 && (rnd() & 1)) {
        put(p, (uint8_t)(0x70 | cc)); put(p, (uint8_t)rel8);
    } else {
        unsigned at = jcc32_at(p);
        p->b[at + 1] = (uint8_t)(0x80 | cc);
        rel32_to(p, at, 6, to);
    }
}

static unsigned jmp_at(struct prog *p)
{
    unsigned at = p->n;
    for (unsigned i = 0; i < 5; i++)
        put(p, 0x90); /* (jmp_patch) */
    return at;
}

void home_item(struct prog *p, struct smc *m, bool smc)
{
    /* Room for the whole item (under 240 bytes; see lzc_item). */
    if (p->n + 320 > sizeof(p->b))
        return;
    put(p, 0xC7); put(p, 0x05); put32(p, bias() + COUNTER2); put32(p, 2 + rnd() % 40);
    put(p, 0x60); put(p, 0x31); put(p, 0xC0);                       /* pushad; xor eax, eax */
    put(p, 0x0F); put(p, 0xA2); put(p, 0x61);                      /* cpuid; popad */
    unsigned h = p->n;
    rotated_body(p, m, smc, rnd() % 4);
    count_down(p, true);
    unsigned jz = p->n;
    put(p, 0x0F); put(p, 0x84); put32(p, 0);                        /* jz out */
    rotated_body(p, m, smc, rnd() % 4);
    unsigned side = jcc32_at(p);                                    /* jcc X */
    rotated_body(p, m, smc, rnd() % 4);
    unsigned c = p->n;
    rotated_body(p, m, smc, rnd() % 4 == 0 ? 8 + rnd() % 8 : rnd() % 4);
    unsigned b = p->n;
    rotated_body(p, m, smc, rnd() % 4);
    jcc_back(p, h);                                                 /* jcc H */
    unsigned after = jmp_at(p);                                     /* jmp H or out */
    bool loops = rnd() & 1;
    if (loops)
        jmp_patch(p, after, h);
    rel32_to(p, side, 6, p->n);                                     /* X: */
    rotated_body(p, m, smc, rnd() % 3);
    jcc_back(p, c);                                                 /* jcc C */
    rotated_body(p, m, smc, rnd() % 3);
    jcc_back(p, b);                                                 /* jcc B */
    rotated_body(p, m, smc, rnd() % 3);
    unsigned to[3] = { c, b, h };
    jmp_patch(p, jmp_at(p), to[rnd() % 3]);
    if (!loops)
        jmp_patch(p, after, p->n);                                  /* out: */
    rel32_to(p, jz, 6, p->n);
}
