/* test_jit_diff: loop shapes (M_OVERLAP, M_ROTATED, M_SEQLOOP) and x87
 * loops (M_X87LOOP, M_FDP). */
#include "jit_diff.h"

/* M_OVERLAP: loops A and B, A's back edge inside B:
 *       mov dword [COUNTER2], m ; mov ebp, n
 *   A:  xor ebx, c ; 0-1 random
 *   B:  [ebx+d8] op ; 0-2 random ; dec ebp ; jnz A ; mov ebp, n2
 *       0-1 random ; dec dword [COUNTER2] ; jnz B
 * m passes of B, each with n2 passes of A (n the first time): bounded
 * (random instructions never write EBP; a wild store into COUNTER2 is
 * bounded by the run's budget). */
void overlap_item(struct prog *p)
{
    put(p, 0xC7); put(p, 0x05); put32(p, bias() + COUNTER2); put32(p, 1 + rnd() % 3);
    put(p, 0xBD); put32(p, 1 + rnd() % 3);                          /* mov ebp, n */
    unsigned a = p->n;
    put(p, 0x83); put(p, 0xF3); put(p, (uint8_t)(0x40 | (rnd() & 0x3C))); /* xor ebx, c */
    if (rnd() & 1)
        random_insn(p);
    unsigned b = p->n;
    static const uint8_t ops[] = { 0x8B, 0x89, 0x01, 0x03, 0x33, 0x39 }; /* mov ld/st add xor cmp */
    put(p, ops[rnd() % sizeof(ops)]);
    put(p, (uint8_t)(0x43 | (rnd() % 3) << 3));                      /* [ebx+d8], eax/ecx/edx */
    put(p, (uint8_t)(rnd() & 0x7C));
    for (unsigned i = rnd() % 3; i-- > 0;)
        random_insn(p);
    put(p, 0x4D);                                                    /* dec ebp */
    jnz_back(p, a);
    put(p, 0xBD); put32(p, 1 + rnd() % 3);                           /* mov ebp, n2 */
    if (rnd() & 1)
        random_insn(p);
    put(p, 0xFF); put(p, 0x0D); put32(p, bias() + COUNTER2);         /* dec dword [COUNTER2] */
    jnz_back(p, b);
}

/* M_ROTATED (see the modes above).  A JMP to patch: five bytes kept at
 * `at`, then JMP rel8 and three bytes of junk when `to` is near enough
 * (at times), else JMP rel32. */
void jmp_patch(struct prog *p, unsigned at, unsigned to)
{
    if (at + 5 > sizeof(p->b))
        return;
    int32_t rel8 = (int32_t)to - (int32_t)(at + 2);
    if (rel8 >= -128 && rel8 <= 127 && (rnd() & 1)) {
        p->b[at] = 0xEB;
        p->b[at + 1] = (uint8_t)rel8;
        for (unsigned i = 2; i < 5; i++)
            p->b[at + i] = (uint8_t)rnd();
        return;
    }
    int32_t rel = (int32_t)to - (int32_t)(at + 5);
    p->b[at] = 0xE9;
    for (unsigned i = 0; i < 4; i++)
        p->b[at + 1 + i] = (uint8_t)((uint32_t)rel >> (8 * i));
}

/* A rotated loop's body (or the loop_nt shape's parts): n random
 * instructions, at times a forward Jcc over the next one, a store into
 * the code or an interrupt. */
void rotated_body(struct prog *p, struct smc *m, bool smc, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        if (rnd() % 4 == 0) {
            unsigned at = p->n;
            put(p, (uint8_t)(0x70 | (rnd() & 15)));
            put(p, 0);
            random_insn(p);
            if (at + 1 < sizeof(p->b))
                p->b[at + 1] = (uint8_t)(p->n - (at + 2));
        } else {
            random_insn(p);
        }
        if (smc && rnd() % 3 == 0)
            smc_item(p, m, false);
        if ((mode & M_IRQ) && rnd() % 6 == 0)
            irq_item(p, false);
    }
}

void count_down(struct prog *p, bool mem)
{
    if (mem) {
        put(p, 0xFF); put(p, 0x0D); put32(p, bias() + COUNTER2);      /* dec dword [COUNTER2] */
    } else {
        put(p, 0x4D);                                                  /* dec ebp */
    }
}

void rotated_item(struct prog *p, struct smc *m, bool smc)
{
    bool mem = loop_count(p, false);
    unsigned j = p->n;
    for (unsigned i = 0; i < 5; i++)
        put(p, 0x90); /* (jmp_patch) */
    if (rnd() % 4 == 0) {
        /* jmp X; L: body; dec; jz out; X: 0-2 random; jmp L; out: */
        unsigned l = p->n;
        rotated_body(p, m, smc, rnd() % 3);
        count_down(p, mem);
        unsigned jz = p->n;
        put(p, 0x0F); put(p, 0x84); put32(p, 0);
        jmp_patch(p, j, p->n);
        rotated_body(p, m, smc, rnd() % 3);
        unsigned back = p->n;
        for (unsigned i = 0; i < 5; i++)
            put(p, 0x90);
        jmp_patch(p, back, l);
        if (jz + 6 <= sizeof(p->b)) {
            uint32_t rel = p->n - (jz + 6);
            for (unsigned i = 0; i < 4; i++)
                p->b[jz + 2 + i] = (uint8_t)(rel >> (8 * i));
        }
        return;
    }
    /* jmp T; junk; H: body; T: 0-1 random; dec; jnz H.  At times EBX
     * changes first and both the body and the test read [ebx+d8]: a
     * probe the body's access makes must not serve the test's on the
     * JMP's way (tr_alloc.c join_targets). */
    bool pair = rnd() % 2 == 0, range = !pair && rnd() % 2 == 0;
    if (pair) {
        put(p, 0x83); put(p, 0xF3); put(p, (uint8_t)(0x40 | (rnd() & 0x3C))); /* xor ebx, c */
    }
    /* Or ESI = 0x80 first, `and esi, 0x3C` last in the body and a read
     * of [esi*4 + d32] in the test, whose range (the body's AND) the JMP's
     * way does not keep: ESI * 4 reaches the next page (with paging, far
     * away) there (tr_alloc.c index_bound, join_targets). */
    uint32_t table = bias() + DATA + 0x1000 - 0x100 - (rnd() & 0x3C);
    if (range) {
        put(p, 0xBE); put32(p, 0x80);                                  /* mov esi, 0x80 */
    }
    for (unsigned i = rnd() % 16; i-- > 0;)
        put(p, (uint8_t)rnd());
    unsigned h = p->n;
    if (pair) {
        put(p, 0x8B); put(p, (uint8_t)(0x43 | (rnd() % 3) << 3)); put(p, (uint8_t)(rnd() & 0x3C));
    }
    rotated_body(p, m, smc, rnd() % 5);
    if (range) {
        put(p, 0x83); put(p, 0xE6); put(p, 0x3C);                      /* and esi, 0x3c */
    }
    jmp_patch(p, j, p->n);
    if (pair) { /* add eax/ecx/edx, [ebx+d8] */
        put(p, 0x03); put(p, (uint8_t)(0x43 | (rnd() % 3) << 3)); put(p, (uint8_t)(rnd() & 0x3C));
    }
    if (range) { /* add eax/ecx/edx, [esi*4 + table] */
        put(p, 0x03); put(p, (uint8_t)(0x04 | (rnd() % 3) << 3)); put(p, 0xB5); put32(p, table);
    }
    if (rnd() % 3 == 0)
        random_insn(p);
    count_down(p, mem);
    jnz_back(p, h);
}

/* M_SEQLOOP (above):
 *       mov dword [COUNTER2], m ; [fldz] ; mov ebp, n ; jmp B
 *   A:  [fstp m64 ; fld1 [; fdiv m] | x87 group] ; 0-1 random ; mov ebp, n2
 *   B:  [fnstenv] ; 1-3 random or x87 groups ; [dec ebp ; jnz B]
 *       0-1 random ; dec dword [COUNTER2] ; jz out ; 0-1 random ; jmp A
 *   out:
 * m passes of A..JMP (random instructions never write EBP; a wild store
 * into COUNTER2 is bounded by the run's budget). */

void seqloop_item(struct prog *p)
{
    bool x87 = rnd() & 1, inner = rnd() % 3 != 0;
    put(p, 0xC7); put(p, 0x05); put32(p, bias() + COUNTER2); put32(p, 1 + rnd() % 4);
    if (x87) {
        put(p, 0xD9); put(p, rnd() & 1 ? 0xEE : 0xE8);            /* fldz, fld1 */
    }
    put(p, 0xBD); put32(p, 1 + rnd() % 3);                          /* mov ebp, n */
    put(p, 0xE9); unsigned to_b = p->n; put32(p, 0);                /* jmp B */
    unsigned a = p->n;
    if (x87 && rnd() % 3) {
        put(p, 0xDD); modrm_mem(p, 3);                              /* fstp m64 */
        put(p, 0xD9); put(p, rnd() & 1 ? 0xEE : 0xE8);            /* fldz, fld1 */
        if (rnd() & 1) { /* (C1 any again: rounded up or not) */
            put(p, (uint8_t)(0xD8 + 4 * (rnd() & 1))); modrm_mem(p, 6 + (rnd() & 1)); /* fdiv, fdivr */
        }
    } else if (x87 && rnd() & 1) {
        x87_group(p); /* (its pop's C1, any, at the fall-through) */
    }
    if (rnd() & 1)
        random_insn(p);
    put(p, 0xBD); put32(p, 1 + rnd() % 3);                          /* mov ebp, n2 */
    unsigned b = p->n;
    uint32_t rel = b - (to_b + 4);
    if (to_b + 4 <= sizeof(p->b)) /* (a full program drops the rest) */
        memcpy(&p->b[to_b], &rel, 4);
    if (x87 && rnd() % 3 == 0) {
        put(p, 0xD9); modrm_mem(p, 6); /* fnstenv: C1 as the ways into B left it */
    }
    for (unsigned i = 1 + rnd() % 3; i-- > 0;) {
        if (x87 && rnd() % 3)
            x87_group(p);
        else
            random_insn(p);
    }
    if (inner) {
        put(p, 0x4D);                                               /* dec ebp */
        jnz_back(p, b);
    }
    if (rnd() & 1)
        random_insn(p);
    put(p, 0xFF); put(p, 0x0D); put32(p, bias() + COUNTER2);       /* dec dword [COUNTER2] */
    put(p, 0x0F); put(p, 0x84); unsigned to_out = p->n; put32(p, 0); /* jz out */
    if (rnd() & 1)
        random_insn(p);
    put(p, 0xE9); put32(p, (uint32_t)((int32_t)a - (int32_t)(p->n + 4))); /* jmp A */
    rel = p->n - (to_out + 4);
    if (to_out + 4 <= sizeof(p->b))
        memcpy(&p->b[to_out], &rel, 4);
}

/* M_X87LOOP: one x87 group that leaves the stack as it found it: a push
 * (FLD/FILD memory, FLD1/FLDZ/FLDPI, FLD ST(i)), 0-2 ops on ST(0), a pop
 * (FxxxP ST(1), FSTP/FISTP memory, FSTP ST(1)). */
void x87_group(struct prog *p)
{
    switch (rnd() % 4) {
    case 0: put(p, 0xDD); modrm_mem(p, 0); break;              /* fld m64 */
    case 1: put(p, 0xDB); modrm_mem(p, 0); break;              /* fild m32 */
    case 2: put(p, 0xD9); put(p, (uint8_t)(0xE8 + (unsigned[]){ 0, 3, 6 }[rnd() % 3])); break;
    default: put(p, 0xD9); put(p, (uint8_t)(0xC0 + (rnd() & 1))); break; /* fld st(0|1) */
    }
    for (unsigned i = rnd() % 3; i-- > 0;) {
        switch (rnd() % 5) {
        case 0: case 1:                                        /* add mul sub subr div divr */
            put(p, (uint8_t)(0xD8 + 4 * (rnd() & 1)));
            modrm_mem(p, (unsigned[]){ 0, 1, 4, 5, 6, 7 }[rnd() % 6]);
            break;
        case 2: put(p, 0xD8); put(p, (uint8_t)(0xC0 | (unsigned[]){ 0, 1, 4, 5, 6, 7 }[rnd() % 6] << 3 | 1)); break;
        case 3: put(p, 0xD9); put(p, 0xC9); break;             /* fxch st(1) */
        default: put(p, 0xD9); put(p, (uint8_t[]){ 0xE0, 0xE1, 0xFA }[rnd() % 3]); break;
        }
    }
    switch (rnd() % 4) {
    case 0: case 1: put(p, 0xDE); put(p, (uint8_t)(0xC1 | (unsigned[]){ 0, 1, 4, 5, 6, 7 }[rnd() % 6] << 3)); break;
    case 2: put(p, (uint8_t[]){ 0xDD, 0xD9, 0xDB }[rnd() % 3]); modrm_mem(p, 3); break; /* fstp m64/m32, fistp m32 */
    default: put(p, 0xDD); put(p, 0xD9); break;               /* fstp st(1) */
    }
}

void x87_loop_item(struct prog *p, bool nested)
{
    if (!nested && rnd() % 4 == 0) {
        /* Another precision or rounding, rarely an exception unmasked. */
        static const uint16_t cws[] = { 0x027F, 0x037F, 0x007F, 0x0E7F, 0x067F, 0x037B, 0x037E };
        put(p, 0x66); put(p, 0xC7); put(p, 0x05); put32(p, bias() + CWSLOT);
        put16(p, cws[rnd() % 7]);
        put(p, 0xD9); put(p, 0x2D); put32(p, bias() + CWSLOT);  /* fldcw */
    }
    put(p, 0xD9); put(p, rnd() & 1 ? 0xEE : 0xE8);               /* the accumulator: fldz, fld1 */
    bool mem = loop_count(p, nested);
    unsigned head = p->n;
    for (unsigned i = 1 + rnd() % 4; i-- > 0;) {
        unsigned r = rnd() % 8;
        if (r == 0)
            random_insn(p);
        else if (r <= 2 && mem && !nested)
            x87_loop_item(p, true);
        else
            x87_group(p);
    }
    if (mem) {
        put(p, 0xFF); put(p, 0x0D); put32(p, bias() + COUNTER2);  /* dec dword [COUNTER2] */
    } else {
        put(p, 0x4D);                                              /* dec ebp */
    }
    jnz_back(p, head);
    if (!nested && rnd() % 3 == 0) {
        put(p, 0xD9); modrm_mem(p, 6);     /* fnstenv: the pointers the last pass left */
    }
    if (rnd() % 4) {
        put(p, 0xDD); modrm_mem(p, 3);                             /* fstp m64: the accumulator */
    }
}

/* M_FDP (above): an accumulator, then 1-5 passes of 1-3 FADD/FMUL of
 * m64, m32 or an m32 integer at an address that moves with the count in
 * EBP or with ESI (or, in an outer loop, at [edi+d8]), each followed
 * sometimes by a store and FILD, and by INC ESI (a write to an address
 * register after the op) or a random instruction; sometimes a divide by
 * a count first that faults in a later pass. */
void fdp_item(struct prog *p)
{
    put(p, 0xD9); put(p, 0xEE);                                   /* fldz */
    /* Sometimes all in an outer loop of 2-3 passes (ECX) that moves EDI, an
     * address register of the inner loop's that only the outer one
     * writes (the inner loop keeps its host address: jit/tr_alloc.c
     * loop_site_head). */
    bool outer = rnd() & 1;
    unsigned ohead = 0;
    if (outer) {
        put(p, 0xB9); put32(p, 2 + rnd() % 2);                    /* mov ecx, imm32 */
        put(p, 0x89); put(p, 0xDF);                               /* mov edi, ebx */
        ohead = p->n;
    }
    put(p, 0xBE); put32(p, rnd() & 7);                            /* mov esi, imm32 */
    put(p, 0xBD); put32(p, 1 + rnd() % 5);                        /* mov ebp, imm32 */
    bool de = !outer && (rnd() & 1);
    if (de) {
        put(p, 0xB9); put32(p, 1 + rnd() % 4);                    /* mov ecx, imm32 */
    }
    unsigned head = p->n;
    if (de) {
        /* A #DE where ECX reaches 0, before the pass's first x87 op:
         * the FDP that the pass before left (its back edge stored it). */
        put(p, 0x89); put(p, 0xE8);                               /* mov eax, ebp */
        put(p, 0x31); put(p, 0xD2);                               /* xor edx, edx */
        put(p, 0xF7); put(p, 0xF1);                               /* div ecx */
        put(p, 0x49);                                             /* dec ecx */
    }
    for (unsigned i = 1 + rnd() % 3; i-- > 0;) {
        put(p, (uint8_t[]){ 0xDC, 0xD8, 0xDA }[rnd() % 3]);      /* m64, m32, m32int */
        if (outer && rnd() % 3 == 0) {
            put(p, (uint8_t)(0x47 | (rnd() & 1) << 3));           /* fadd / fmul [edi+d8] */
        } else {
            put(p, (uint8_t)(0x44 | (rnd() & 1) << 3));           /* fadd / fmul [sib+d8] */
            put(p, rnd() & 1 ? 0xEB : 0xB3);                      /* ebx+ebp*8, ebx+esi*4 */
        }
        put(p, (uint8_t)(rnd() & 0x38));
        if (rnd() % 3 == 0) {
            /* gcc's conversion: a store, then FILD of the same dword
             * (jit/tr_mem.c follows_store), or of the next one; into the
             * data or into the code's page (a slow path each time). */
            bool code = rnd() & 1;
            uint8_t d = (uint8_t)(rnd() & 0x38);
            put(p, 0x89);                                         /* mov [..], eax */
            if (code) {
                put(p, 0x05); put32(p, bias() + FILDSLOT);
            } else {
                put(p, 0x44); put(p, 0xB3); put(p, d);           /* [ebx+esi*4+d8] */
            }
            unsigned next = rnd() % 4 == 0 ? 4 : 0;
            put(p, 0xDB);                                         /* fild m32 */
            if (code) {
                put(p, 0x05); put32(p, bias() + FILDSLOT + next);
            } else {
                put(p, 0x44); put(p, 0xB3); put(p, (uint8_t)(d + next));
            }
            put(p, 0xDE); put(p, 0xC1);                           /* faddp st(1), st */
        }
        switch (rnd() % 4) {
        case 0: put(p, 0x46); break;                              /* inc esi */
        case 1: random_insn(p); break;
        default: break;
        }
    }
    put(p, 0x4D);                                                 /* dec ebp */
    jnz_back(p, head);
    if (outer) {
        put(p, 0x83); put(p, 0xC7); put(p, 0x08);                 /* add edi, 8 */
        put(p, 0x49);                                             /* dec ecx */
        jnz_back(p, ohead);
    }
    uint32_t env = bias() + DATA + (rnd() & 0x780);
    switch (rnd() % 3) {
    case 0:
        put(p, 0xD9); put(p, 0x35); put32(p, env);               /* fnstenv [env] */
        break;
    case 1:
        put(p, 0xDD); put(p, 0x35); put32(p, env);               /* fnsave [env] */
        put(p, 0xDD); put(p, 0x25); put32(p, env);               /* frstor [env] */
        break;
    default:
        break;
    }
    put(p, 0xDD); put(p, 0xD8);                                   /* fstp st(0) */
}
