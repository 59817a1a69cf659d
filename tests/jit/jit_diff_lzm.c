/* test_jit_diff: M_LZM, lz's decompressor loop (engine/cache_loopx.c: a
 * block that is a loop, closed by a Jcc back to its start, goes on at an
 * earlier side exit's target M whose path comes back into the loop; the
 * closing Jcc's fall-through leaves, jit/translate.c ft_exit):
 *       mov dword [COUNTER2], m
 *       pushad ; xor eax, eax ; cpuid ; popad ; jmp M
 *   H:  A: 0-3 random ; jcc M (a random condition)
 *       B: 0-3 random ; C: 0-2 random
 *   D:  dec dword [COUNTER2] ; jnz H
 *       jmp out
 *   M:  0-4 random ; jmp B, C or D
 *   out:
 * CPUID virtualizes: a block starts after it, runs M first (scanned
 * before H's block is built, as lz's match path is) and ends at the
 * closing JNZ, a branch back out of it; the block at H is the loop, left
 * by the JNZ's fall-through on the last pass.  Every way round passes D's
 * count (a wild store into COUNTER2 is bounded by the run's budget). */
#include "jit_diff.h"

static unsigned jcc32_at(struct prog *p)
{
    unsigned at = p->n;
    put(p, 0x0F); put(p, (uint8_t)(0x80 | (rnd() & 15))); put32(p, 0);
    return at;
}

static void rel32_patch(struct prog *p, unsigned at, unsigned len, unsigned to)
{
    if (at + len > sizeof(p->b))
        return;
    uint32_t rel = to - (at + len);
    for (unsigned i = 0; i < 4; i++)
        p->b[at + len - 4 + i] = (uint8_t)(rel >> (8 * i));
}

void lzm_item(struct prog *p, struct smc *m, bool smc)
{
    /* Room for the whole item (under 200 bytes; see lzc_item). */
    if (p->n + 256 > sizeof(p->b))
        return;
    /* More passes than the translator's threshold (16): the loop's last
     * pass leaves by the closing Jcc's fall-through in the translation. */
    put(p, 0xC7); put(p, 0x05); put32(p, bias() + COUNTER2); put32(p, 2 + rnd() % 30);
    put(p, 0x60); put(p, 0x31); put(p, 0xC0);                       /* pushad; xor eax, eax */
    put(p, 0x0F); put(p, 0xA2); put(p, 0x61);                      /* cpuid; popad */
    unsigned first = p->n;
    put(p, 0xE9); put32(p, 0);                                      /* jmp M */
    unsigned h = p->n;
    rotated_body(p, m, smc, rnd() % 4);
    unsigned side = jcc32_at(p);                                    /* jcc M */
    unsigned b = p->n;
    rotated_body(p, m, smc, rnd() % 4);
    unsigned c = p->n;
    rotated_body(p, m, smc, rnd() % 3);
    unsigned d = p->n;
    count_down(p, true);
    unsigned close = p->n;
    put(p, 0x0F); put(p, 0x85); put32(p, 0);                        /* jnz H */
    rel32_patch(p, close, 6, h);
    unsigned exit = p->n;
    put(p, 0xE9); put32(p, 0);                                      /* jmp out */
    unsigned mm = p->n;
    rel32_patch(p, first, 5, mm);
    rel32_patch(p, side, 6, mm);
    rotated_body(p, m, smc, rnd() % 5);
    unsigned back = p->n;
    for (unsigned i = 0; i < 5; i++)
        put(p, 0x90);
    unsigned to[3] = { b, c, d };
    jmp_patch(p, back, to[rnd() % 3]);
    rel32_patch(p, exit, 5, p->n);                                  /* out: */
}
