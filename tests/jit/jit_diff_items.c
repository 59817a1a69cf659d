/* test_jit_diff: items placed between the body's instructions: stores
 * into the code (M_SMC), M_NEAR's pointer moves, the threaded
 * interpreter (M_PREDICT), table look-ups (M_TABLE), interrupts (M_IRQ),
 * system instructions (M_SYS, M_SYSNAT), the jump cache's sets
 * (M_JCWAYS) and inner loops (M_LOOPS). */
#include "jit_diff.h"

void smc_site(struct smc *m, unsigned at, unsigned kind)
{
    if (m->nsite < 64) {
        m->site[m->nsite] = (uint16_t)at;
        m->skind[m->nsite++] = (uint8_t)kind;
    }
}

/* A patch site (MOV r, imm: its immediate; INC/DEC r: its opcode, which
 * XOR 8 turns into the other), or a store into one: MOV, ADD, ADC, FST,
 * FIST into an immediate, a byte MOV into one of its bytes, XOR 8 or an
 * OR 0 (a write that changes nothing) into an opcode. */
void smc_item(struct prog *p, struct smc *m, bool code16)
{
    static const unsigned reg[] = { 1, 2, 7 };
    unsigned r = reg[rnd() % 3], form = rnd() % 10, kind = SITE_IMM, add = 0;
    if (form == 0 || form == 1) {
        put(p, (uint8_t)(0xB8 + r));
        smc_site(m, p->n, SITE_IMM);
        if (code16)
            put16(p, (uint16_t)(rnd() & 0xFFF));
        else
            put32(p, rnd() & 0xFFF);
        return;
    }
    if (form == 2) {
        put(p, (uint8_t)(0x40 + (rnd() & 8) + r));
        smc_site(m, p->n - 1, SITE_OP);
        return;
    }
    /* [disp] is ModRM mod 0, r/m 6 (16-bit) or 5 (32-bit). */
    uint8_t rm = code16 ? 6 : 5;
    uint8_t tail = 0;
    bool has_tail = false;
    switch (rnd() % 8) {
    case 0: put(p, 0x89); put(p, (uint8_t)(dreg() << 3 | rm)); break;
    case 1: put(p, 0x83); put(p, rm); tail = (uint8_t)rnd(); has_tail = true; break;
    case 2: put(p, 0x83); put(p, (uint8_t)(2 << 3 | rm)); tail = (uint8_t)rnd(); has_tail = true; break;
    case 3:
        if (code16) {
            put(p, 0xDF); put(p, (uint8_t)(2 << 3 | rm));                 /* fist m16 */
        } else {
            put(p, (rnd() & 1) ? 0xD9 : 0xDB); put(p, (uint8_t)(2 << 3 | rm)); /* fst/fist m32 */
        }
        break;
    case 4:
        put(p, 0xC6); put(p, rm); tail = (uint8_t)rnd(); has_tail = true;
        add = rnd() % (code16 ? 2 : 4);
        break;
    case 5: put(p, 0x80); put(p, (uint8_t)(6 << 3 | rm)); tail = 8; has_tail = true; kind = SITE_OP; break;
    default: put(p, 0x80); put(p, (uint8_t)(1 << 3 | rm)); tail = 0; has_tail = true; kind = rnd() & 1; break;
    }
    if (m->nfix < 64) {
        m->fix[m->nfix] = (uint16_t)p->n;
        m->fkind[m->nfix] = (uint8_t)kind;
        m->fbyte[m->nfix] = !code16 && (p->b[p->n - 2] == 0xC6 || p->b[p->n - 2] == 0x80);
        m->fadd[m->nfix++] = (uint8_t)add;
    }
    if (code16)
        put16(p, 0);
    else
        put32(p, 0);
    if (has_tail)
        put(p, tail);
}

/* Points every store at a site of its kind (else at an immediate). */
void smc_resolve(struct prog *p, struct smc *m, bool code16)
{
    for (unsigned f = 0; f < m->nfix; f++) {
        unsigned pick = rnd() % m->nsite;
        for (unsigned i = 0; i < m->nsite; i++) {
            unsigned k = (pick + i) % m->nsite;
            if (m->skind[k] == m->fkind[f]) {
                pick = k;
                break;
            }
        }
        if (m->skind[pick] != m->fkind[f] && m->skind[pick] == SITE_OP) {
            for (unsigned k = 0; k < m->nsite; k++)
                if (m->skind[k] == SITE_IMM)
                    pick = k;
        }
        uint32_t add = m->fadd[f];
        if ((mode & M_XPAGE) && !code16 && rnd() % 3) {
            /* Into the second page: a site there, or the crosser's bytes
             * there (a byte store: one that changes no byte of the first
             * page, whose map is then left alone). */
            unsigned b = 0x1000 - code_org;
            unsigned lo = m->cross < 0 ? 4 : m->site[m->cross] >= b ? 0 : b - m->site[m->cross];
            if (lo < 4 && m->fbyte[f] && (rnd() & 1)) {
                pick = (unsigned)m->cross;
                add = lo + rnd() % (4 - lo);
            } else {
                for (unsigned i = 0, k = rnd() % m->nsite; i < m->nsite; i++, k = (k + 1) % m->nsite)
                    if (m->site[k] >= b && m->skind[k] == m->fkind[f]) {
                        pick = k;
                        break;
                    }
            }
        }
        uint32_t a = code_org + m->site[pick] + add;
        /* M_XLINK: an ADD or ADC of an imm8 (which changes it on every
         * pass: a stale translation of the stub would show) into a
         * stub's immediate */
        if ((mode & M_XLINK) && xlsites.n && !code16 && p->b[m->fix[f] - 2] == 0x83)
            a = xlsites.at[rnd() % xlsites.n];
        if (code16) {
            p->b[m->fix[f]] = (uint8_t)a;
            p->b[m->fix[f] + 1] = (uint8_t)(a >> 8);
        } else {
            a += bias();
            if ((mode & M_PAGING) && flat && (rnd() & 1))
                a += 0x10000; /* the alias */
            for (int i = 0; i < 4; i++)
                p->b[m->fix[f] + i] = (uint8_t)(a >> (8 * i));
        }
    }
}

/* M_NEAR: EBX moved by a small constant, a random instruction, and EBX
 * moved back (so it stays near the page end from pass to pass). */
void near_item(struct prog *p)
{
    int8_t d = (int8_t)((int)(rnd() % 0x81) - 0x40);
    if (rnd() % 4 == 0) { /* a small index for [ebx+esi*4+d8] */
        put(p, 0x83);
        put(p, 0xE6);
        put(p, (uint8_t)(rnd() & 0x3F)); /* and esi, imm8 */
    }
    switch (rnd() % 3) {
    case 0: put(p, 0x83); put(p, 0xC3); put(p, (uint8_t)d); break;   /* add ebx, d */
    case 1: put(p, 0x83); put(p, 0xEB); put(p, (uint8_t)-d); break;  /* sub ebx, -d */
    default: put(p, 0x8D); put(p, 0x5B); put(p, (uint8_t)d); break;  /* lea ebx, [ebx+d] */
    }
    bool inc = rnd() & 1;
    if (inc)
        put(p, 0x43); /* inc ebx */
    random_insn(p);
    if (inc)
        put(p, 0x4B); /* dec ebx */
    put(p, 0x8D); put(p, 0x5B); put(p, (uint8_t)-d); /* lea ebx, [ebx-d] */
}

/* M_PREDICT (see the mode): its table, sequence and counters in the data
 * area's last KiB (random [d32] operands reach only its first 2 KiB). */
#define PRED_TBL (DATA + 0x1C00u)
#define PRED_SEQ (DATA + 0x1C20u)
#define PRED_STEPS (DATA + 0x1C28u)
#define PRED_IDX (DATA + 0x1C2Cu)

void pred_store(struct prog *p, uint32_t at, uint32_t v)
{
    put(p, 0xC7); put(p, 0x05); put32(p, bias() + at); put32(p, v);   /* mov dword [d32], imm32 */
}

/* dec dword [STEPS]; jz out (its rel32's offset noted); the next
 * bytecode; jmp [TBL + eax*4]. */
void pred_dispatch(struct prog *p, unsigned *outs, unsigned *nouts)
{
    put(p, 0xFF); put(p, 0x0D); put32(p, bias() + PRED_STEPS);
    put(p, 0x0F); put(p, 0x84); outs[(*nouts)++] = p->n; put32(p, 0);
    put(p, 0xA1); put32(p, bias() + PRED_IDX);                         /* mov eax, [IDX] */
    put(p, 0xFF); put(p, 0x05); put32(p, bias() + PRED_IDX);
    put(p, 0x83); put(p, 0xE0); put(p, 0x07);                          /* and eax, 7 */
    put(p, 0x0F); put(p, 0xB6); put(p, 0x80); put32(p, bias() + PRED_SEQ);
    put(p, 0xFF); put(p, 0x24); put(p, 0x85); put32(p, bias() + PRED_TBL);
}

void pred_item(struct prog *p)
{
    /* fix: one per table entry (nh) and at most one per handler (nh);
     * outs: one per dispatch (1 + nh). */
    unsigned nh = 2 + rnd() % 4, outs[8], nouts = 0, fix[2 * 5], nfix = 0;
    unsigned h[8], fix_h[2 * 5];
    /* The table (patched below, once the handlers' places are known). */
    for (unsigned k = 0; k < nh; k++) {
        fix[nfix] = p->n + 6;
        fix_h[nfix++] = k;
        pred_store(p, PRED_TBL + 4 * k, 0);
    }
    uint32_t seq[2];
    for (unsigned w = 0; w < 2; w++) {
        seq[w] = 0;
        for (unsigned i = 0; i < 4; i++)
            seq[w] |= (uint32_t)(rnd() % nh) << (8 * i);
        pred_store(p, PRED_SEQ + 4 * w, seq[w]);
    }
    pred_store(p, PRED_STEPS, 4 + rnd() % 37);
    pred_store(p, PRED_IDX, rnd() % 8);
    pred_dispatch(p, outs, &nouts);
    unsigned imm[8];
    for (unsigned k = 0; k < nh; k++) {
        h[k] = p->n;
        put(p, 0x81); put(p, (uint8_t)(0xC7 | (rnd() % 3 == 0 ? 0x30 : rnd() & 1 ? 0x28 : 0)));
        imm[k] = p->n;
        put32(p, rnd());                                              /* add/sub/xor edi, imm32 */
        if (rnd() % 3 == 0) {            /* another target for some bytecode */
            fix[nfix] = p->n + 6;
            fix_h[nfix++] = rnd() % nh;
            pred_store(p, PRED_TBL + 4 * (rnd() % nh), 0);
        }
        if (k > 0 && rnd() % 3 == 0) {   /* into an earlier handler's code */
            unsigned m = rnd() % k;
            /* add dword [imm], imm32: a new value on every pass */
            put(p, 0x81); put(p, 0x05); put32(p, bias() + code_org + imm[m]); put32(p, rnd() | 1);
        }
        pred_dispatch(p, outs, &nouts);
    }
    for (unsigned i = 0; i < nouts; i++) {
        uint32_t rel = p->n - (outs[i] + 4);
        memcpy(&p->b[outs[i]], &rel, 4);
    }
    for (unsigned i = 0; i < nfix; i++) {
        uint32_t eip = bias() + code_org + h[fix_h[i]];
        memcpy(&p->b[fix[i]], &eip, 4);
    }
}

/* M_TABLE: ESI given a known range, then one or two accesses to a table
 * indexed by it (see the mode's description). */
void table_item(struct prog *p)
{
    static const unsigned regs[] = { 0, 1, 2, 3, 7 };
    uint32_t bound;
    switch (rnd() % 5) {
    case 0:                                                        /* movzx esi, al..bl */
        put(p, 0x0F); put(p, 0xB6); put(p, (uint8_t)(0xF0 + rnd() % 4));
        bound = 0xFF;
        break;
    case 1:                                                        /* movzx esi, byte [ebx+d8] */
        put(p, 0x0F); put(p, 0xB6); put(p, 0x73); put(p, (uint8_t)(rnd() & 0x7F));
        bound = 0xFF;
        break;
    case 2: case 3:                                                /* and esi, imm8 */
        bound = rnd() & 0x7F;
        put(p, 0x83); put(p, 0xE6); put(p, (uint8_t)bound);
        break;
    default:                                                       /* and esi, imm32 */
        bound = rnd() & 0x3FF;
        put(p, 0x81); put(p, 0xE6); put32(p, bound);
        break;
    }
    if (rnd() % 3 == 0)
        random_insn(p);
    unsigned ss = rnd() % 3;                                       /* scale 1, 2, 4 */
    uint32_t span = (bound << ss) + 4, at;
    bool map_end = false;
    switch (rnd() % 16) {
    case 0: case 1: case 2:                                        /* in the code's page */
        if (span <= 0x400) {
            at = 0x0A00 + (rnd() & 0xFC);
            break;
        }
        /* fall through */
    case 3: case 4: case 5: case 6: case 7: case 8:                /* straddling a page end */
        at = DATA + 0x1000 - span / 2 - (rnd() % (span / 2 + 1));
        break;
    case 9:                                    /* at the end of the map (flat: not a #GP) */
        if (flat) {
            at = 0x1FF00 - (rnd() & 0xFC);
            map_end = true;
            break;
        }
        /* fall through */
    default:
        at = DATA + (rnd() & 0xFFC);
        break;
    }
    for (unsigned n = 1 + rnd() % 2; n-- > 0;) {
        unsigned r = regs[rnd() % 5];
        /* Only reads at the end of the map. */
        unsigned op = map_end ? rnd() % 3 : rnd() % 7;
        switch (op) {
        case 0: put(p, 0x8B); break;                               /* mov r32, m32 */
        case 1: put(p, 0x33); break;                               /* xor r32, m32 */
        case 2: put(p, 0x0F); put(p, 0xB6); break;                 /* movzx r32, m8 */
        case 3: put(p, 0x01); break;                               /* add m32, r32 */
        case 4: put(p, 0x89); break;                               /* mov m32, r32 */
        case 5: put(p, 0x88); break;                               /* mov m8, r8 */
        default: put(p, 0x83); r = 7; break;                       /* cmp m32, imm8 */
        }
        put(p, (uint8_t)(r << 3 | 4));
        put(p, (uint8_t)(ss << 6 | 6 << 3 | 5));                   /* [esi*s + d32] */
        put32(p, bias() + at);
        if (op == 6)
            put(p, (uint8_t)rnd());
    }
}

/* M_IRQ: an OUT to port 0xE0 (raises INTR), or CLI, an instruction, STI. */
void irq_item(struct prog *p, bool code16)
{
    if (rnd() & 1) {
        put(p, 0xE6);
        put(p, 0xE0);
    } else {
        put(p, 0xFA);
        if (code16)
            random_insn16(p);
        else
            random_insn(p);
        put(p, 0xFB);
    }
}

/* M_SYS: a system instruction or a kernel's pair of them (EAX kept). */
void sys_item(struct prog *p)
{
    switch (rnd() % 6) {
    case 0: /* pushfd; cli; popfd (local_irq_save/restore) */
        put(p, 0x9C);
        put(p, 0xFA);
        put(p, 0x9D);
        break;
    case 1: /* pushfd; popfd */
        put(p, 0x9C);
        put(p, 0x9D);
        break;
    case 2: /* push eax; mov eax, cr3; mov cr3, eax; pop eax: flushes the TLB */
    case 3: /* ... cr0 */ {
        uint8_t cr = rnd() & 1 ? 0xD8 : 0xC0;
        put(p, 0x50);
        put(p, 0x0F);
        put(p, 0x20);
        put(p, cr);
        put(p, 0x0F);
        put(p, 0x22);
        put(p, cr);
        put(p, 0x58);
        break;
    }
    case 4: /* invlpg [a data page] */
        put(p, 0x0F);
        put(p, 0x01);
        put(p, 0x3D);
        put32(p, bias() + DATA + (rnd() % DATA_LEN));
        break;
    default: {
        /* One subroutine called with DS flat (0x10, in flat programs) and
         * then with DS at selector 0x20 (base 0x100 higher), each time
         * right after the POP DS that loads it: the run loop goes on
         * past a segment load (engine/run.c goes_on_after), and the
         * subroutine's translation, made for the first DS, must not be
         * entered under the second (eng.unmet read again).
         *   push ds; push 0x10; pop ds; call S; push 0x20; pop ds; call S;
         *   pop ds; jmp over; S: cmp eax, [DATA + x]; ret; over: */
        if (!(mode & M_IRQ) || (mode & M_REAL)) /* (no GDT) */
            break;
        uint32_t x = DATA + rnd() % (DATA_LEN - 0x104);
        put(p, 0x1E);
        put(p, 0x6A); put(p, 0x10); put(p, 0x1F);
        put(p, 0xE8); put32(p, 3 + 1 + 4 + 1 + 2); /* to S */
        put(p, 0x6A); put(p, 0x20); put(p, 0x1F);
        put(p, 0xE8); put32(p, 1 + 2);             /* to S */
        put(p, 0x1F);
        put(p, 0xEB); put(p, 7);                   /* over S */
        put(p, 0x3B); put(p, 0x05); put32(p, bias() + x);
        put(p, 0xC3);
        break;
    }
    }
}

/* M_SYSNAT: one of the system instructions translations go on after
 * (EAX..EDX kept where they give them values; random instructions
 * between).  `irq`: port 0xE0 and the GDT are there (M_IRQ). */
void sysnat_item(struct prog *p)
{
    bool irq = (mode & M_IRQ) && !(mode & M_REAL);
    switch (rnd() % 11) {
    case 0: /* cli; [out 0xe0]; insn; sti; insn: the shadow */
        put(p, 0xFA);
        if (irq && rnd() % 2) {
            put(p, 0xE6);
            put(p, 0xE0);
        }
        random_insn(p);
        put(p, 0xFB);
        random_insn(p);
        break;
    case 1: /* pushfd; cli; [out 0xe0]; insn; popfd: IF back on, INTR raised */
        put(p, 0x9C);
        put(p, 0xFA);
        if (irq && rnd() % 2) {
            put(p, 0xE6);
            put(p, 0xE0);
        }
        random_insn(p);
        put(p, 0x9D);
        break;
    case 2: /* sti (IF already set: no shadow); pushfd; insn; popfd */
        put(p, 0xFB);
        put(p, 0x9C);
        random_insn(p);
        put(p, 0x9D);
        break;
    case 3: /* push eax; push edx; rdtsc; pop edx; pop eax */
        put(p, 0x50); put(p, 0x52);
        put(p, 0x0F); put(p, 0x31);
        put(p, 0x5A); put(p, 0x58);
        break;
    case 4: /* pushad; xor eax, eax; cpuid; popad */
        put(p, 0x60);
        put(p, 0x31); put(p, 0xC0);
        put(p, 0x0F); put(p, 0xA2);
        put(p, 0x61);
        break;
    case 5: /* push eax; mov eax, cr0 | mov eax, ds; pop eax */
        put(p, 0x50);
        if (rnd() % 2) {
            put(p, 0x0F); put(p, 0x20); put(p, 0xC0);
        } else {
            put(p, 0x8C); put(p, 0xD8);
        }
        put(p, 0x58);
        break;
    case 6: /* pushfd; cmp dword [COUNTER], 1; jne +7; or dword [esp], TF;
               popfd; insn: a single-step trap in the last pass (no IDT
               gate for #DB: the run shuts down, in both) */
        if (rnd() % 2)
            break;
        put(p, 0x9C);
        put(p, 0x83); put(p, 0x3D); put32(p, bias() + COUNTER); put(p, 1);
        put(p, 0x75); put(p, 7);
        put(p, 0x81); put(p, 0x0C); put(p, 0x24); put32(p, 0x100);
        put(p, 0x9D);
        random_insn(p);
        break;
    case 10: /* push eax; std; pushfd; cld; pop eax; add [FLAGSLOT], eax;
                pop eax: the image with DF set (and the others as they are)
                kept in memory, where the final state compares it: a
                native PUSHFD (jit/tr_block_end.c op_pushfd) that lost a
                bit of the image differs there */
        put(p, 0x50);
        put(p, 0xFD);
        put(p, 0x9C);
        put(p, 0xFC);
        put(p, 0x58);
        put(p, 0x01); put(p, 0x05); put32(p, bias() + FLAGSLOT);
        put(p, 0x58);
        break;
    default: { /* with the GDT: a data segment loaded, used, restored */
        if (!irq)
            break;
        static const uint8_t sreg_push[] = { 0x06, 0x1E, 0x0F, 0x0F }; /* es ds fs gs */
        static const uint8_t sreg_pop[] = { 0x07, 0x1F, 0x0F, 0x0F };
        static const uint8_t sreg_num[] = { 0, 3, 4, 5 };
        unsigned s = rnd() % 4;
        put(p, sreg_push[s]);
        if (s >= 2)
            put(p, (uint8_t)(0xA0 + (s - 2) * 8)); /* 0f a0 / 0f a8 */
        /* The selector by the pass: 0x10 (flat in flat programs) and
         * 0x20 (never flat) in turn, so that the code after the load
         * runs under both, whichever its translation was made for:
         *   push eax; mov eax, [COUNTER]; and eax, 1; shl eax, 4;
         *   add eax, 0x10 */
        put(p, 0x50);
        put(p, 0xA1); put32(p, bias() + COUNTER);
        put(p, 0x83); put(p, 0xE0); put(p, 1);
        put(p, 0xC1); put(p, 0xE0); put(p, 4);
        put(p, 0x83); put(p, 0xC0); put(p, 0x10);
        if (rnd() % 2) { /* push eax; pop sreg */
            put(p, 0x50);
            put(p, sreg_pop[s]);
            if (s >= 2)
                put(p, (uint8_t)(0xA1 + (s - 2) * 8));
        } else { /* mov sreg, eax */
            put(p, 0x8E); put(p, (uint8_t)(0xC0 | sreg_num[s] << 3));
        }
        put(p, 0x58); /* pop eax */
        /* an instruction or two with the segment's prefix, or DS's */
        for (unsigned k = 1 + rnd() % 2; k > 0; k--) {
            static const uint8_t prefix[] = { 0x26, 0x3E, 0x64, 0x65 };
            if (rnd() % 2)
                put(p, prefix[s]);
            random_insn(p);
        }
        put(p, sreg_pop[s]);
        if (s >= 2)
            put(p, (uint8_t)(0xA1 + (s - 2) * 8));
        break;
    }
    }
}

/* M_JCWAYS: three stubs at linear (= physical) addresses of one
 * jump-cache set, found once: the set of JCW_LO's, whose address range
 * holds about five more of its addresses 4 bytes apart. */
struct jcw_stubs jcw;

bool jcw_find(void)
{
    unsigned set = jit_jc_index(JCW_LO), k = 1;
    jcw.off[0] = JCW_LO;
    for (uint32_t o = JCW_LO + 4; o < JCW_HI && k < 3; o += 4)
        if (jit_jc_index(o) == set)
            jcw.off[k++] = o;
    return k == 3;
}

/* Each program's stub bytes: an ALU instruction of registers at times,
 * then RET. */
void jcw_stubs(void)
{
    for (unsigned s = 0; s < 3; s++) {
        struct prog q = { .n = 0 };
        if (rnd() & 1) {
            put(&q, (uint8_t)((rnd() % 8) * 8 + 1));
            modrm_reg(&q, dreg(), dreg());
        }
        put(&q, 0xC3);
        memcpy(jcw.b[s], q.b, q.n);
        jcw.n[s] = q.n;
    }
}

/* mov ecx, stub; call ecx; 2-6 times, the stubs in a random order. */
void jcw_item(struct prog *p)
{
    for (unsigned k = 2 + rnd() % 5; k > 0; k--) {
        put(p, 0xB9); put32(p, jcw.off[rnd() % 3]);
        put(p, 0xFF); put(p, 0xD1);
    }
}

/* JNZ back to `head` (rel8 when it reaches). */
void jnz_back(struct prog *p, unsigned head)
{
    int32_t rel8 = (int32_t)head - (int32_t)(p->n + 2);
    if (rel8 >= -128 && (rnd() & 3)) {
        put(p, 0x75);
        put(p, (uint8_t)rel8);
        return;
    }
    put(p, 0x0F);
    put(p, 0x85);
    put32(p, (uint32_t)((int32_t)head - (int32_t)(p->n + 4)));
}

/* M_LOOPS: an inner loop of 1-4 random instructions run 1-5 times,
 * counted in EBP (DEC, or SUB and a CMP whose flags the translator may
 * compute again on the way out) or in the dword at COUNTER2 (whose
 * loops may hold an EBP loop).  A wild store may change a memory count:
 * the runs are bounded. */
/* A loop's count, 1-5: in the dword at COUNTER2 (not for a nested loop)
 * or in EBP.  Returns whether it is in memory. */
bool loop_count(struct prog *p, bool nested)
{
    bool mem = !nested && (rnd() & 1);
    uint32_t iters = 1 + rnd() % 5;
    if (mem) {
        put(p, 0xC7); put(p, 0x05); put32(p, bias() + COUNTER2); put32(p, iters);
    } else {
        put(p, 0xBD); put32(p, iters);                                 /* mov ebp, imm32 */
    }
    return mem;
}

void loop_item(struct prog *p, bool nested)
{
    bool mem = loop_count(p, nested);
    unsigned head = p->n;
    for (unsigned i = 1 + rnd() % 4; i-- > 0;) {
        random_insn(p);
        if (mem && i == 1 && rnd() % 2 == 0)
            loop_item(p, true);
    }
    if (mem) {
        put(p, 0xFF); put(p, 0x0D); put32(p, bias() + COUNTER2);      /* dec dword [COUNTER2] */
    } else if (rnd() & 1) {
        put(p, 0x4D);                                                  /* dec ebp */
    } else {
        put(p, 0x83); put(p, 0xED); put(p, 0x01);                      /* sub ebp, 1 */
        put(p, 0x83); put(p, 0xFD); put(p, 0x00);                      /* cmp ebp, 0 */
    }
    jnz_back(p, head);
}
