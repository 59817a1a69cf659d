/* test_jit_diff: M_FILL2 (1ull << 37), 32-bit code: an inner loop that
 * is not its block's first instruction, with kept stack addresses, as
 * sort's partition loop has them (jit/tr_prefill.c: the first inner
 * loop's kept addresses are filled where the way from the block's start
 * comes into it, session 18):
 *
 *       [pushad ; xor eax, eax ; cpuid ; popad]   (a block starts after it)
 *       0-2 random ; mov ebp, n
 *   L:  op r1, [esp + d8] ; 0-2 random (stores into the code, interrupts)
 *       [mov eax, SCRATCH2 ; mov [eax], r]   (a slow path: the code's page)
 *       [mov dword [COUNTER2], m ; I: random ; dec dword [COUNTER2] ; jnz I]
 *       [test esp, esp ; jnz S ; op r, [esp + d32] ; S:]   (never runs, or
 *                                     on the last pass: a fault, #SS or #PF)
 *       op [esp + d8'], r2 ; dec ebp ; jnz L
 *
 * ESP is written by none of the loop's own instructions (random ones
 * may: then nothing is filled), so [esp + d8] is filled once at L's way
 * in; [esp + d32] lies outside the stack segment's limit or the mapped
 * pages, so the fill misses there and hands L's first instruction to the
 * interpreter. */
#include "jit_diff.h"

#define SCRATCH2 0x0F40u /* a dword in the code's page that nothing else uses */

static void esp_d8(struct prog *p, uint8_t op, unsigned r)
{
    put(p, op);
    put(p, (uint8_t)(0x44 | (r & 7) << 3));
    put(p, 0x24);                                                    /* [esp + d8] */
    put(p, (uint8_t)(rnd() & 0x3C));
}

void fill2_item(struct prog *p, struct smc *m, bool smc)
{
    static const uint8_t ops[] = { 0x8B, 0x03, 0x33, 0x3B };         /* mov add xor cmp r, m */
    static const uint8_t wops[] = { 0x89, 0x01, 0x29, 0x31 };        /* mov add sub xor m, r */
    if (p->n + 160 > sizeof(p->b))
        return;
    if (rnd() % 2) {
        put(p, 0x60); put(p, 0x31); put(p, 0xC0);                    /* pushad; xor eax, eax */
        put(p, 0x0F); put(p, 0xA2); put(p, 0x61);                    /* cpuid; popad */
    }
    for (unsigned i = rnd() % 3; i-- > 0;)
        random_insn(p);
    put(p, 0xBD); put32(p, 1 + rnd() % 5);                           /* mov ebp, n */
    unsigned head = p->n;
    esp_d8(p, ops[rnd() % 4], dreg());
    for (unsigned i = rnd() % 3; i-- > 0;) {
        random_insn(p);
        if (smc && rnd() % 3 == 0)
            smc_item(p, m, false);
        if ((mode & M_IRQ) && rnd() % 8 == 0)
            irq_item(p, false);
    }
    if (rnd() % 3 == 0) {
        /* A store to the code's page (not to code): its slow path, after
         * which the translation leaves (the slots are empty). */
        put(p, 0xB8); put32(p, bias() + SCRATCH2);                   /* mov eax, imm32 */
        put(p, 0x89); put(p, (uint8_t)(dreg() << 3));                /* mov [eax], r */
    }
    if (rnd() % 4 == 0) {
        /* An inner loop counted in the code's page: the fill misses there
         * (a watched page) and hands L to the interpreter at each entry. */
        put(p, 0xC7); put(p, 0x05); put32(p, bias() + COUNTER2); put32(p, 1 + rnd() % 3);
        unsigned inner = p->n;
        random_insn(p);
        put(p, 0xFF); put(p, 0x0D); put32(p, bias() + COUNTER2);      /* dec dword [COUNTER2] */
        jnz_back(p, inner);
    }
    if (rnd() % 4 == 0) {
        unsigned at;
        if (rnd() % 2) {
            put(p, 0x85); put(p, 0xE4);                              /* test esp, esp */
        } else {
            put(p, 0x83); put(p, 0xFD); put(p, 1);                   /* cmp ebp, 1 */
        }
        put(p, 0x75); at = p->n; put(p, 0);                          /* jnz S */
        put(p, ops[rnd() % 4]);
        put(p, (uint8_t)(0x84 | dreg() << 3));
        put(p, 0x24);                                                /* [esp + d32] */
        put32(p, flat ? 0x40000000u : 0x8000u);
        if (at < sizeof(p->b))
            p->b[at] = (uint8_t)(p->n - (at + 1));
    }
    esp_d8(p, wops[rnd() % 4], dreg());
    put(p, 0x4D);                                                    /* dec ebp */
    jnz_back(p, head);
}
