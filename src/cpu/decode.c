/* Instruction decoding on Zydis (seed 003: one decoder shared by the
 * interpreter, the fault handler and the scanner).  Zydis says what the bytes
 * are; we keep what execution needs in a struct insn and look the operation
 * up in the one instruction table (insn_table.def). */
#include "cpu/insn.h"

#include <Zydis/Zydis.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/ops.h"
#include "cpu/ops_fast.h"

/* decode_insn_memo's memory: the last few decodes, by their input. */
#define MEMO_SIZE 4
struct memo {
    uint8_t n;               /* bytes given; 0: empty */
    uint8_t code32;
    uint8_t st;              /* enum decode_status */
    uint8_t bytes[CPU_MAX_INSN_LEN];
    struct insn in;
};

struct decoder {
    ZydisDecoder dec[2];     /* [0] 16-bit code segment, [1] 32-bit */
    ZydisFormatter fmt;
    struct memo memo[MEMO_SIZE];
    unsigned memo_next;      /* the entry to replace next */
};

/* Mnemonic -> operation, generated from the table. */
static const uint16_t op_of_mnemonic[ZYDIS_MNEMONIC_MAX_VALUE + 1] = {
#define X(mn, ...) [ZYDIS_MNEMONIC_##mn] = OP_##mn,
#define P(nm, ...)
#include "cpu/insn_table.def"
#undef X
#undef P
};

struct decoder *decoder_create(void)
{
    struct decoder *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    if (!ZYAN_SUCCESS(ZydisDecoderInit(&d->dec[0], ZYDIS_MACHINE_MODE_LEGACY_16,
                                       ZYDIS_STACK_WIDTH_16)) ||
        !ZYAN_SUCCESS(ZydisDecoderInit(&d->dec[1], ZYDIS_MACHINE_MODE_LEGACY_32,
                                       ZYDIS_STACK_WIDTH_32)) ||
        !ZYAN_SUCCESS(ZydisFormatterInit(&d->fmt, ZYDIS_FORMATTER_STYLE_INTEL))) {
        free(d);
        return NULL;
    }
    /* Prefix reinterpretations from later processors that an IA-32 CPU of
     * the P6 era does not make: CET's NOTRACK (3E before an indirect
     * branch is a DS override here), MPX's BND (F2 before a branch is an
     * ignored REPNE), and F3 0F BC/BD/09/1C meaning TZCNT/LZCNT/WBNOINVD/
     * CLDEMOTE instead of BSF/BSR/WBINVD/NOP. */
    static const ZydisDecoderMode later_modes[] = {
        ZYDIS_DECODER_MODE_CET, ZYDIS_DECODER_MODE_MPX, ZYDIS_DECODER_MODE_LZCNT,
        ZYDIS_DECODER_MODE_TZCNT, ZYDIS_DECODER_MODE_WBNOINVD, ZYDIS_DECODER_MODE_CLDEMOTE,
    };
    for (unsigned m = 0; m < 2; m++)
        for (unsigned k = 0; k < sizeof(later_modes) / sizeof(later_modes[0]); k++)
            ZydisDecoderEnableMode(&d->dec[m], later_modes[k], ZYAN_FALSE);
    return d;
}

void decoder_destroy(struct decoder *d)
{
    free(d);
}

/* Zydis register -> (kind, our index).  Returns false for registers the
 * integer core does not model (MMX, XMM, ...). */
static bool map_reg(ZydisRegister r, uint8_t *kind, uint8_t *idx)
{
    if (r >= ZYDIS_REGISTER_AL && r <= ZYDIS_REGISTER_BH) {
        *kind = OPK_GPR; *idx = (uint8_t)(r - ZYDIS_REGISTER_AL);
    } else if (r >= ZYDIS_REGISTER_AX && r <= ZYDIS_REGISTER_DI) {
        *kind = OPK_GPR; *idx = (uint8_t)(r - ZYDIS_REGISTER_AX);
    } else if (r >= ZYDIS_REGISTER_EAX && r <= ZYDIS_REGISTER_EDI) {
        *kind = OPK_GPR; *idx = (uint8_t)(r - ZYDIS_REGISTER_EAX);
    } else if (r >= ZYDIS_REGISTER_ES && r <= ZYDIS_REGISTER_GS) {
        *kind = OPK_SREG; *idx = (uint8_t)(r - ZYDIS_REGISTER_ES);
    } else if (r >= ZYDIS_REGISTER_CR0 && r <= ZYDIS_REGISTER_CR15) {
        *kind = OPK_CREG; *idx = (uint8_t)(r - ZYDIS_REGISTER_CR0);
    } else if (r >= ZYDIS_REGISTER_DR0 && r <= ZYDIS_REGISTER_DR15) {
        *kind = OPK_DREG; *idx = (uint8_t)(r - ZYDIS_REGISTER_DR0);
    } else if (r >= ZYDIS_REGISTER_ST0 && r <= ZYDIS_REGISTER_ST0 + 7) {
        *kind = OPK_X87; *idx = (uint8_t)(r - ZYDIS_REGISTER_ST0);
    } else if (r >= ZYDIS_REGISTER_MM0 && r <= ZYDIS_REGISTER_MM7) {
        *kind = OPK_MMX; *idx = (uint8_t)(r - ZYDIS_REGISTER_MM0);
    } else if (r >= ZYDIS_REGISTER_XMM0 && r <= ZYDIS_REGISTER_XMM7) {
        *kind = OPK_XMM; *idx = (uint8_t)(r - ZYDIS_REGISTER_XMM0);
    } else {
        return false;
    }
    return true;
}

/* Address registers: 16- or 32-bit GPRs only. */
static uint8_t map_addr_reg(ZydisRegister r)
{
    uint8_t kind, idx;
    if (r == ZYDIS_REGISTER_NONE || !map_reg(r, &kind, &idx) || kind != OPK_GPR)
        return NOREG;
    return idx;
}

static void take_mem(struct insn *i, const ZydisDecodedOperand *op)
{
    i->seg = (uint8_t)(op->mem.segment - ZYDIS_REGISTER_ES);
    i->mbase = map_addr_reg(op->mem.base);
    i->mindex = map_addr_reg(op->mem.index);
    i->mscale = op->mem.scale ? op->mem.scale : 1;
    i->disp = (int32_t)op->mem.disp.value;
}

/* The decoder's refinement of the table's flow and virtualize columns. */
static void refine(struct insn *i)
{
    const struct op_info *info = &op_table[i->op];
    i->flow = info->flow;
    i->virt = info->virt;
    if (info->flow == FLOW_BRANCH) {
        bool call = i->op == OP_CALL;
        switch (i->o[0].kind) {
        case OPK_REL: i->flow = call ? FLOW_CALL_REL : FLOW_JMP_REL; break;
        case OPK_PTR: i->flow = FLOW_FAR; break;
        default:
            i->flow = i->far ? FLOW_FAR : call ? FLOW_CALL_IND : FLOW_JMP_IND;
        }
        if (i->flow != FLOW_JMP_REL && i->flow != FLOW_CALL_REL)
            i->virt = VIRT_BRANCH;
    }
    /* MOV/PUSH/POP with a segment register load it (or reveal its RPL);
     * MOV with CRn/DRn is a control register access. */
    for (unsigned k = 0; k < i->nops; k++) {
        if (i->o[k].kind == OPK_SREG && i->virt == VIRT_NONE)
            i->virt = VIRT_SEG;
        if (i->o[k].kind == OPK_CREG || i->o[k].kind == OPK_DREG)
            i->virt = VIRT_CR;
    }
}

enum decode_status decode_insn(const struct decoder *d, int code32, const uint8_t *bytes,
                               unsigned n, struct insn *out)
{
    ZydisDecodedInstruction zi;
    ZydisDecodedOperand zo[ZYDIS_MAX_OPERAND_COUNT];
    ZyanStatus st = ZydisDecoderDecodeFull(&d->dec[code32 ? 1 : 0], bytes, n, &zi, zo);
    if (!ZYAN_SUCCESS(st)) {
        if (st == ZYDIS_STATUS_NO_MORE_DATA)
            return n < CPU_MAX_INSN_LEN ? DECODE_MORE : DECODE_TOO_LONG;
        if (st == ZYDIS_STATUS_INSTRUCTION_TOO_LONG)
            return DECODE_TOO_LONG;
        if (st == ZYDIS_STATUS_ILLEGAL_LOCK)
            return DECODE_BAD_LOCK;
        return DECODE_UD;
    }

    struct insn *i = out;
    memset(i, 0, sizeof(*i));
    i->len = zi.length;
    i->osize = zi.operand_width == 32 ? 4 : zi.operand_width == 8 ? 1 : 2;
    i->asize = zi.address_width == 32 ? 4 : 2;
    i->seg = S_DS;
    i->mbase = i->mindex = NOREG;
    i->mscale = 1;
    i->opcode = zi.opcode;
    i->modrm_reg = zi.raw.modrm.reg;
    i->modrm = (uint8_t)(zi.raw.modrm.mod << 6 | zi.raw.modrm.reg << 3 | zi.raw.modrm.rm);
    i->cc = zi.opcode & 0x0F;
    i->far = zi.meta.branch_type == ZYDIS_BRANCH_TYPE_FAR;
    i->lock = (zi.attributes & ZYDIS_ATTRIB_HAS_LOCK) != 0;
    if (zi.attributes & ZYDIS_ATTRIB_HAS_REPNE)
        i->rep = REP_NE;
    else if (zi.attributes & (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE))
        i->rep = REP_E;

    if (zi.mnemonic == ZYDIS_MNEMONIC_NOP && zi.opcode_map == ZYDIS_OPCODE_MAP_0F) {
        i->op = OP_NOPL;      /* multi-byte NOP: P6 and later */
    } else {
        i->op = op_of_mnemonic[zi.mnemonic];
        /* An x87 escape the table has no row for (FISTTP) */
        if (zi.opcode_map == ZYDIS_OPCODE_MAP_DEFAULT && (zi.opcode & 0xF8) == 0xD8 &&
            i->op == OP_INVALID)
            i->op = OP_FPU_ESC;
        /* SSE2's MOVSD and CMPSD share their names with the string
         * instructions. */
        if (zi.opcode_map == ZYDIS_OPCODE_MAP_0F && i->op == OP_MOVSD)
            i->op = OP_MOVSD_XMM;
        if (zi.opcode_map == ZYDIS_OPCODE_MAP_0F && i->op == OP_CMPSD)
            i->op = OP_CMPSD_XMM;
    }

    bool have_imm = false;
    unsigned nvis = zi.operand_count_visible;
    for (unsigned k = 0; k < zi.operand_count; k++) {
        const ZydisDecodedOperand *op = &zo[k];
        if (k >= nvis) {
            /* Hidden operands: only the string source (DS:SI, overridable)
             * and XLAT's DS:BX tell us something we need, their segment;
             * MASKMOVQ/MASKMOVDQU's DS:(E)DI (overridable) becomes the
             * memory operand, so that ea_offset() gives DI or EDI. */
            if (op->type != ZYDIS_OPERAND_TYPE_MEMORY)
                continue;
            if (i->op == OP_MASKMOVQ || i->op == OP_MASKMOVDQU)
                take_mem(i, op);
            else if (op->mem.base == ZYDIS_REGISTER_SI || op->mem.base == ZYDIS_REGISTER_ESI ||
                     op->mem.base == ZYDIS_REGISTER_BX || op->mem.base == ZYDIS_REGISTER_EBX)
                i->seg = (uint8_t)(op->mem.segment - ZYDIS_REGISTER_ES);
            continue;
        }
        if (k >= 3)
            return DECODE_UD; /* not an integer-core instruction */
        struct opnd *o = &i->o[k];
        o->size = (uint8_t)(op->size / 8);
        switch (op->type) {
        case ZYDIS_OPERAND_TYPE_REGISTER:
            if (!map_reg(op->reg.value, &o->kind, &o->reg))
                return DECODE_UD; /* a register no instruction here uses */
            break;
        case ZYDIS_OPERAND_TYPE_MEMORY:
            o->kind = OPK_MEM;
            take_mem(i, op);
            break;
        case ZYDIS_OPERAND_TYPE_POINTER:
            o->kind = OPK_PTR;
            i->imm = op->ptr.offset;
            i->imm2 = op->ptr.segment;
            break;
        case ZYDIS_OPERAND_TYPE_IMMEDIATE:
            o->kind = op->imm.is_relative ? OPK_REL : OPK_IMM;
            if (!have_imm)
                i->imm = (uint32_t)op->imm.value.u;
            else
                i->imm2 = (uint32_t)op->imm.value.u;
            have_imm = true;
            break;
        default:
            return DECODE_UD;
        }
        i->nops = (uint8_t)(k + 1);
    }
    if (i->op == OP_INVALID)
        return DECODE_UD;
    refine(i);
    i->fn = fast_handler(i); /* op_table's handler or a specialised form */
    if (insn_locked(i))
        i->fn = h_locked; /* atomic on the host (ops_locked.c) */
    return DECODE_OK;
}

enum decode_status decode_insn_memo(struct decoder *d, int code32, const uint8_t *bytes,
                                    unsigned n, struct insn *out)
{
    if (n == 0 || n > CPU_MAX_INSN_LEN) /* (an empty entry has n 0) */
        return decode_insn(d, code32, bytes, n, out);
    for (unsigned k = 0; k < MEMO_SIZE; k++) {
        const struct memo *m = &d->memo[k];
        if (m->n == n && m->code32 == (code32 != 0) && memcmp(m->bytes, bytes, n) == 0) {
            if (m->st == DECODE_OK)
                memcpy(out, &m->in, sizeof(*out));
            return (enum decode_status)m->st;
        }
    }
    enum decode_status st = decode_insn(d, code32, bytes, n, out);
    {
        struct memo *m = &d->memo[d->memo_next];
        d->memo_next = (d->memo_next + 1) % MEMO_SIZE;
        m->n = (uint8_t)n;
        m->code32 = code32 != 0;
        m->st = (uint8_t)st;
        memcpy(m->bytes, bytes, n);
        if (st == DECODE_OK)
            memcpy(&m->in, out, sizeof(*out));
    }
    return st;
}

void decode_format(const struct decoder *d, int code32, const uint8_t *bytes, unsigned n,
                   uint32_t eip, char *buf, unsigned buflen)
{
    ZydisDecodedInstruction zi;
    ZydisDecodedOperand zo[ZYDIS_MAX_OPERAND_COUNT];
    if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&d->dec[code32 ? 1 : 0], bytes, n, &zi, zo)) ||
        !ZYAN_SUCCESS(ZydisFormatterFormatInstruction(&d->fmt, &zi, zo, zi.operand_count_visible,
                                                      buf, buflen, eip, NULL)))
        snprintf(buf, buflen, "(bad)");
}
