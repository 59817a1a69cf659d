/* The translator's internal state, shared by translate.c (driver, flags,
 * memory operands, integer instructions) and tr_x87.c (the x87 window).
 * Not for use outside src/jit. */
#ifndef PLEX86_JIT_TR_H
#define PLEX86_JIT_TR_H

#include <stddef.h>

#include "cpu/exec.h"
#include "jit/jit.h"
#include "jit/jit_prof.h"
#include "jit/x86emit.h"

/* Every arithmetic flag: what is observable at a translation's exits. */
#define ALLF F_ARITH

/* Offsets into struct cpu for generated code (rbx holds the cpu). */
#define CPU_OFF(field) ((int32_t)offsetof(struct cpu, field))
#define GPR_OFF(r) (CPU_OFF(gpr) + 4 * (int32_t)(r))

/* What generated code assumes of struct cpu beyond the offsets themselves
 * (STYLE.md item 3): the width of every field it loads or stores with a
 * fixed operand size, the scratch operand's alignment, and the hot fields
 * within reach of an 8-bit displacement from rbx. */
#define CPU_SIZE(field) sizeof(((struct cpu *)0)->field)
_Static_assert(CPU_SIZE(gpr[0]) == 4 && CPU_SIZE(eip) == 4 && CPU_SIZE(eflags) == 4 &&
                   CPU_SIZE(insn_eip) == 4 && CPU_SIZE(insn_esp) == 4 && CPU_SIZE(icount) == 8 &&
                   CPU_SIZE(async) == 8 && CPU_SIZE(cr0) == 4,
               "architectural fields as generated code reads and writes them");
_Static_assert(CPU_SIZE(eng.calm) == 8 && CPU_SIZE(eng.icount_end) == 8 &&
                   CPU_SIZE(eng.eip0) == 4 && CPU_SIZE(eng.off) == 4 && CPU_SIZE(eng.noted) == 1 &&
                   CPU_SIZE(eng.host_cw) == 2 && CPU_SIZE(eng.env) == 28 &&
                   CPU_SIZE(eng.site[0]) == 8 && CPU_SIZE(eng.scratch) == 16 &&
                   CPU_SIZE(eng.page_la) == 64 && CPU_SIZE(eng.page_add[0]) == 8 &&
                   CPU_SIZE(eng.cs_flat) == 1 && CPU_SIZE(eng.unmet) == 4,
               "the engine context as generated code reads and writes it");
_Static_assert(offsetof(struct cpu, eng.scratch) % 16 == 0, "eng.scratch is 16-byte aligned");
_Static_assert(offsetof(struct cpu, gpr) + 32 <= 128 && offsetof(struct cpu, eip) < 128 &&
                   offsetof(struct cpu, eflags) < 128,
               "guest registers reached with a disp8 from rbx");

/* Host registers with a fixed role inside a translation:
 *   rbx  the struct cpu
 *   r12  the TLB's entries (c->tlb->e)
 *   r13  cpu.async's value while nothing is pending (eng.calm)
 *   rsi  the guest offset of the current memory operand
 *   [rsp] an 8-byte slot for images of host RFLAGS (translate.c) that
 *        may still be observed, [rsp + 8] a loop's budget limit
 * r8-r11, r14, r15 and rbp hold guest registers (the cache below); rax
 * rcx rdx rdi are scratch, and rdx holds the host address of a memory
 * operand between its probe and its use. */
enum { R_CPU = XBX, R_TLB = X12, R_CALM = X13, R_OFF = XSI };

/* The host stack below the saved registers: the flag images at [rsp] (the
 * saved flags' image at +0, tr_flags_save; the pending ones' at +2 while
 * tr_materialise merges them), eng.icount_end at [rsp + SLOT_LIMIT]
 * (STUB_ENTER: the loops' budget check, tr_count.c), an operand read before another access of the same
 * instruction (PUSH m32, MOVS, CMPS) at [rsp + SLOT_TMP]; FRAME keeps
 * calls 16-byte aligned (above the saved registers: the return address
 * of the translation's call to STUB_ENTER, then the one to C; tr_stubs.c). */
enum { SLOT_SAVED = 0, SLOT_PENDING = 2, SLOT_LIMIT = 8, SLOT_TMP = 16, FRAME = 32 };

/* The host register that caches each guest register (EAX ECX EDX EBX ESP
 * EBP ESI EDI), the same in every translation, so that a chained jump can
 * leave the registers both translations cache where they are (jit.h
 * chain_regs); ESP and EBP share rbp (a translation caches the one it
 * uses more).  r8-r11 are caller-saved: every call from generated code
 * writes the cache back first and reloads it afterwards anyway. */
#define GUEST_HOST_REGS { X8, X9, X10, X11, XBP, XBP, X14, X15 }

static inline struct xrm cpu_rm(int32_t off)
{
    return xr_mem(xm(R_CPU, off));
}

/* A jump cache entry (jit.h): the host address of a block's first byte
 * and its translation's chained entry, and its chain_regs entry with what
 * that one assumes (`need`, jit_jc_need): a predecessor that guarantees
 * all of it jumps there, past the entry conditions and the register
 * loads, as jit_link's patched jumps do.  Its index, from the linear
 * address it was entered at, is what generated code computes too
 * (tr_xtlb.c tr_jc_lookup). */
struct jit_jc {
    const uint8_t *host;
    void *entry;
    void *regs;
    uint32_t need;
    uint32_t pad;
};
_Static_assert(sizeof(struct jit_jc) == 32, "generated code scales the index by 32");
#define JIT_JC_SHIFT 5

/* What a translation's chain_regs entry assumes, or what a predecessor
 * that calls no handler guarantees at its exit (the entry conditions its
 * own entry checked still hold, its host registers hold the guest
 * registers it caches): the entry conditions as jit_unmet's bits that
 * must be clear (CPL, stack size, flat segments), the cached guest
 * registers above them.  chain_regs may be entered when need & ~guarantee
 * is 0 (jit_link's condition for it: the same CPL, at least the same
 * conditions, every register cached). */
static inline uint32_t jit_jc_need(unsigned cpl, uint8_t flat, bool stack32, uint8_t cached)
{
    uint32_t u = (1u << (JIT_UNMET_CPL + cpl)) | (uint32_t)flat << JIT_UNMET_FLAT;
    if (stack32)
        u |= 1u << JIT_UNMET_STACK;
    return u | (uint32_t)cached << 16;
}

/* A multiplicative hash (Knuth's golden-ratio constant, 2^32 / phi): the
 * index is the top bits of la times it, which every bit of la reaches, the
 * low ones too (16-byte aligned function entries use every slot), in three
 * host instructions (imul, shr, and: tr_xtlb.c), two fewer than the fold
 * la ^ la >> 16 it replaced.  That fold put two kernel addresses
 * 0xC3AB0xyz and 0xC3CD0xyz' in one slot whenever AB ^ CD == xyz ^ xyz' in
 * the low byte: in the Linux guest's fork+exec loop 329 of the 335
 * jump-cache fills per exec replaced another hot target (bench/README.md,
 * session 13, branches `sys` and `dispatch`). */
#define JIT_JC_MUL 0x9E3779B1u
static inline unsigned jit_jc_index(uint32_t la)
{
    return (uint32_t)(la * JIT_JC_MUL) >> (32 - JIT_JC_BITS);
}

/* Slots of cpu.eng.site: a loop's kept addresses and the shared probes
 * (a loop's moving operands keep their pages in cpu.eng.page_la and
 * page_add instead). */
#define TR_SITES 16
_Static_assert(TR_SITES <= sizeof(((struct cpu *)0)->eng.site) / 8,
               "cpu.eng.site holds them all");

/* Shared sequences at the arena's start (tr_stubs.c). */
enum { STUB_MEM_SLOW, STUB_MEM_COMMIT, STUB_EVENT, STUB_MERGE_SLOT, STUB_CALL, STUB_ENTER,
       STUB_MERGE, STUB_EPILOGUE, STUB_COUNT };

/* Kinds of memory access for the slow path (jit_mem_slow). */
enum { JM_READ = 1, JM_WRITE = 2, JM_RMW = 3 };

/* What the translation knows at a point of the block: where the guest's
 * flags are, which cached registers are dirty, and the x87 window. */
struct tstate {
    uint32_t pending;      /* guest flags whose values are in host RFLAGS
                              and not yet in cpu.eflags */
    uint32_t saved;        /* guest flags whose values are in the RFLAGS
                              image at [rsp] and not yet in cpu.eflags
                              (disjoint from pending) */
    uint8_t dirty;         /* cached guest registers newer than struct cpu */
    /* Flags held nowhere but equal to what instruction redo - 1 (a CMP or
     * TEST of registers, or of a register and an immediate, whose operands
     * have not changed since) computes: tr_materialise runs it again
     * (0: none; a loop's back edge, tr_back_edge's peel). */
    uint8_t redo;
    /* Instruction cand - 1 (an ADD/SUB/AND/OR/XOR/CMP/TEST of registers
     * or a register and an immediate, tr_flags.c tr_redo_deps) left the
     * pending flags and its operands have not changed since: a probe
     * after which they die before those change turns them into redo
     * instead of saving them (0: none). */
    uint8_t cand;
    uint32_t pending_zero; /* guest flags that must become 0 in cpu.eflags
                              (undefined on the host, cleared by the
                              interpreter) */
    /* x87 (tr_x87.c): the top `w` guest registers ST(0..w-1) are on the
     * host's x87 stack as ST(0..w-1). */
    bool x87_live;         /* the host x87 holds the window (guest CW
                              loaded, entry conditions checked) */
    int w;                 /* window depth */
    unsigned top;          /* guest TOP now */
    uint8_t tag_known, tag_full; /* physical registers whose tag we know */
    int last_x87, last_x87_mem; /* indices of the last native x87 op
                                   (and with memory), or -1 */
    uint8_t fdp_k1;        /* 1 + the x87 memory op whose FDP is not in
                              struct cpu yet (x87_note_mem), 0: none */
    int ghost;             /* tr.h ghost_ok: the physical register whose
                              value (it is empty) the cell holds, newer
                              than its struct cpu slot; -1: none */
    unsigned flushed;      /* instructions already added to cpu.icount
                              in this pass */
    bool sites_full;       /* an inner loop's steady copy (tr_block_end.c
                              steady_copy): every kept address (site) is
                              filled, so a use needs no test of it */
};

struct plan {
    bool native;
    bool x87;              /* a native x87 instruction */
    bool faults;           /* the native form may raise an exception */
    uint32_t R, W, H, Z;   /* flags read, written, valid from the host,
                              forced to zero */
    uint32_t live_after;   /* guest flags observable after it */
    /* x87 stack effect of a native x87 op */
    int8_t push, pop, reads;
    uint8_t mem_size;      /* x87 memory operand bytes, 0 for registers */
    uint8_t mem_kind;      /* JM_* */
    uint8_t gw;            /* guest registers it writes (or uses a high
                              byte of), bit per register (allocate_gprs) */
    /* A shift by CL: W is empty (a count of 0 writes nothing, so the flags
     * before it stay live); when it does write, H are valid from the host
     * and Z are the interpreter's zeros. */
    bool by_cl;
    /* Flags that a form by CL leaves undefined on the host when it writes
     * them (SHLD/SHRD's OF for counts above 1): they must not be
     * observable (tr_flags_exact), as W's undefined ones. */
    uint32_t U;
    /* The access is not at the operand's effective address (BT m32, r32:
     * the bit offset moves it): no kept address, last page or shared
     * probe. */
    bool moved;
    /* A two- or three-operand IMUL whose undefined SF ZF AF PF are
     * observable: computed as the interpreter does (translate.c
     * imul_flags), into the slot. */
    bool szp;
    uint8_t why;           /* not native: enum jit_why (PLEX86_JIT_STATS) */
};

struct tr {
    struct cpu *c;
    const struct jit_source *b;
    struct xbuf hot, cold, *cur;
    struct xlabels L;
    struct tstate s;
    struct plan plan[JIT_MAX_INSNS];
    uint32_t off[JIT_MAX_INSNS + 1]; /* byte offset of each instruction
                                        (from the block's first; a
                                        superblock's JMP skips bytes) */
    uint32_t nxt[JIT_MAX_INSNS];     /* ... and of the byte after it: the
                                        EIP it falls through to */
    bool user;             /* specialised for CPL 3 */
    bool uses_stack;       /* guard on stack32 */
    uint8_t flat;          /* segments specialised as flat (bit per sreg):
                              base 0, limit 4 GiB - 1, no check bits; the
                              prologue checks it, accesses skip it */
    bool x87;              /* has native x87 ops: guard and window */
    int depth0;            /* x87 window loaded at entry */
    unsigned top0;
    uint8_t need_full, need_empty;
    /* The guest's TOP before each instruction of the window (x87_prepass;
     * the window's bottom, TOP + w, stays where the entry put it, so TOP
     * says the depth and every tag too): a join inside the translation
     * (an inner loop's head, an internal side exit's target) takes in
     * only ways that agree on it. */
    uint8_t x87_top[JIT_MAX_INSNS + 1];
    /* The ghost cell (tr_x87.c): one host x87 register below the window,
     * ST(w), that keeps the value a pop leaves in the register it frees,
     * so that a pop costs an FST ST(w) instead of a store to struct cpu;
     * ghost_join[j] is the cell's state (tstate.ghost) that every way into
     * join j (and j = 0: the body's start) agrees on. */
    bool ghost_ok;
    int8_t ghost_join[JIT_MAX_INSNS + 1];
    /* Guest registers cached in host registers for the whole translation
     * (loaded by the prologue, written back before calls and at exits). */
    uint8_t cached;        /* guest GPRs (bit per register number) */
    uint8_t written;       /* cached ones some native instruction writes */
    /* A block that branches back to its start (a loop) may keep the host
     * address of a memory operand whose address stays the same in
     * cpu.eng.site[site[k]] (-1: none), filled by its first probe. */
    bool loop;
    bool loop_nt;          /* ... by its last Jcc's not-taken way */
    /* Inner loops (tr_back_edge): back[k] is the instruction j that
     * branch k jumps back to inside the translation, with only native
     * instructions from j to k, else -1 (and for the last instruction's
     * branch to the start: tr_branch_end's loop); `backs` says whether
     * any does. */
    int8_t back[JIT_MAX_INSNS];
    bool backs;
    uint32_t live_in;      /* flags observable at the first instruction */
    /* A loop's instruction count in a host register (a free one of the
     * guest register cache's, XNONE: none), equal to cpu.icount at every
     * point of the body: it holds the count less eng.icount_end (at [rsp +
     * SLOT_LIMIT]) less the translation's length less one, so that a
     * back edge's add turns it non-negative when the budget has no room
     * for another pass (tr_loop_checks).  When every one of those
     * holds a guest register, r13 counts (translate.c free_host_reg). */
    uint8_t icreg;
    bool in_body;          /* past the entries' checks (where r13 may count) */
    bool calls;            /* some instruction goes to the interpreter */
    int8_t site[JIT_MAX_INSNS];
    /* A site whose index register the loop writes but which is known to
     * lie in [0, m] at k (set by MOVZX r32, r/m8 or AND r32, imm on the
     * straight line to k: tr_alloc.c index_bound) keeps the host address
     * of base + disp instead, probed for the whole range the index may
     * reach: bytes 0 to m * scale (site_ext[k]) + the access's size - 1,
     * within a page; each pass adds index * scale (crc32's table).  -1: a
     * plain site (or none). */
    int16_t site_ext[JIT_MAX_INSNS];
    uint8_t nsites;
    /* A site's address registers (guest register bits): an instruction
     * that writes one of them forgets it (tr_sites_written), so a kept
     * address is 0 or the one its registers give now. */
    uint8_t site_regs[TR_SITES];
    /* After a MOV store's tr_with_memory, rdx holds its host address (0
     * after its slow path): the instruction (-1: none) and where its code
     * ended (buffer, offset), for an x87 load of the same bytes right
     * after it (gcc's `mov [esp+4], eax; fild dword [esp+4]`). */
    int rdx_k;
    uint8_t rdx_buf;
    uint32_t rdx_off;
    /* The label the store's slow path rejoins by (bound where its hot
     * code ended): the x87 load binds it again at its own cold probe, so
     * that its hot path needs no test of rdx. */
    unsigned rdx_rejoin;
    /* The host address of the memory operand that the op of a
     * tr_with_memory_fold call works on (tr_hm): [rdx] but on the hot
     * path of a page site ([rdx + rsi]: rdx the page's host - linear
     * addend) or of a range site whose index is cached ([rdx + index *
     * scale]), where the add that made rdx the address was one more
     * instruction, and for the range site one more cycle between the
     * index and the load (crc32's loop-carried CRC). */
    struct xmem hm;
    /* Shared probes (tr_choose_shares): memory operands that lie in the
     * page of an earlier one (the leader) of the same straight-line run,
     * by the same address registers unchanged or moved by a known
     * constant (PUSH/POP, ADD/SUB/INC/DEC, LEA r,[r+d]).  The leader
     * probes the group's whole range [lo, hi] (relative to its own
     * address) once, as a write if any member writes, and leaves its host
     * address in cpu.eng.site[slot] (0 when that probe missed); a member
     * adds its delta to it, or probes alone when it finds 0.  Slots come
     * after the loop's sites; a C call on a memory slow path zeroes them. */
    struct {
        int8_t slot;       /* -1: not shared */
        bool lead;
        bool write;        /* the group's probe is a write probe */
        uint8_t size;      /* member: the access size planned */
        bool idx;          /* its index register is known to lie in
                              [0, m] (after AND r,imm or MOVZX r,r/m8):
                              the slot holds the host address of base +
                              disp (the leader's, probed from there),
                              and each access adds index * scale */
        int32_t lo, hi;    /* leader: the group's first and last byte */
        int32_t delta;     /* member: its address less the leader's */
    } share[JIT_MAX_INSNS];
    uint8_t nshare;        /* slots used for shared probes */
    /* ... and one whose address changes, through a flat segment (page[k]
     * is 1 + its slot, 0 before it has one; -1: not), keeps the last page it hit and that page's host
     * minus linear address in one of cpu.eng.page_la/page_add's slots
     * (round robin: nread, nwrite; shared by all translations and valid
     * until the next call to C): an access within that page needs no TLB
     * probe (translate.c page_site_probe). */
    int8_t page[JIT_MAX_INSNS];
    uint8_t nread, nwrite;
    uint8_t host_of[8];    /* the host register of each cached one */
    unsigned l_epilogue, l_body;
    /* Chaining (jit.h struct jit_code): whether another translation may
     * jump in (l_chain), and the exits that may jump out: where their
     * jmp's rel32 field is (buffer, offset) and which page offset they go
     * to. */
    bool chainable;
    unsigned l_chain;
    unsigned l_start;      /* the entry from C (jit.h jit_code entry) */
    unsigned l_chain_fast; /* the chained entry without the entry
                              conditions (jit.h chain_fast) */
    unsigned l_chain_regs; /* ... and without reloading the registers */
    unsigned l_chain_same[3]; /* the three after the stamp's check (jit.h
                                 chain_same) */
    unsigned l_merge;      /* chainable: the slot's flags into cpu.eflags,
                              then the epilogue (tr_flags_handoff) */
    unsigned l_fail;       /* where a failed entry check goes */
    struct jit_jc *jc;     /* the jump cache */
    bool predict;          /* the jump cache's lookup at a computed JMP:
                              with a prediction (tr_predict.c) */
    struct jit_site *psite;  /* that prediction, once allocated */
    struct jit_site *psites; /* (jit.c's, for tr_predict.c site_new) */
    uint32_t *npsites;
    unsigned nchain;
    struct {
        int32_t target;
        bool across;       /* (jit.h struct jit_code exit) */
        unsigned lookup;   /* across: the label of its jump-cache lookup */
        uint8_t buf;
        uint32_t off;
    } chain[JIT_MAX_CHAIN];
    /* Superblocks: a side exit whose target is a later instruction j of
     * the same translation, with only native ones in between, jumps there
     * inside it (tr_side_exit), and so does a back edge (tr_back_edge);
     * join[j] is that label + 1 (0: none), where all ways meet in one
     * state (tr_join_state). */
    uint16_t join[JIT_MAX_INSNS];
    /* The instruction count at join j (tstate.flushed, -1: not yet
     * agreed), which every way into j brings (tr_count.c tr_count_to):
     * the first way in sets it, and a jump ahead that skips instructions
     * sets it to its own count plus the skipped ones, so that its taken
     * way (the common one of an `if` without `else`: sieve's `if
     * (flags[i])`) jumps straight to j and the fall-through adds them
     * instead; fl_pre[k]: the body's count before instruction k, its
     * join's adjustment not yet made (where a peel rejoins). */
    int16_t join_fl[JIT_MAX_INSNS];
    int16_t fl_pre[JIT_MAX_INSNS + 1];
    /* A back edge k whose head j may observe flags that a compare just
     * before the branch made runs a copy of instructions j..peel[k] (-1:
     * none) with those flags to be computed again on a fault (tstate.redo),
     * instead of keeping them in the slot each pass; the copy goes on in
     * the translation's own code after peel[k], at rejoin[peel[k] + 1]
     * (label + 1, 0: none). */
    int8_t peel[JIT_MAX_INSNS];
    uint16_t rejoin[JIT_MAX_INSNS + 1];
    /* An inner loop's steady copy (tr_block_end.c steady_copy): the
     * state of the last join bound (join_s, at instruction join_s_j; -1:
     * none), where each memory operand's slow path goes on in the
     * translation's own code (mem_rejoin[k], label + 1, 0: none), and
     * whether the copy is being emitted (its slow paths go on there);
     * kept[k]: the kept address (site) instruction k used, -1: none. */
    struct tstate join_s;
    int join_s_j;
    uint16_t mem_rejoin[JIT_MAX_INSNS];
    int8_t kept[JIT_MAX_INSNS];
    bool steady;
    unsigned k;            /* instruction being translated */
    uint32_t next_off;     /* EIP after it, from eng.eip0: the next
                              instruction's offset, or a CALL's target */
    struct jit_prof *prof; /* PLEX86_JIT_STATS: count call-outs */
    uint64_t *runs;        /* ... and entries into this translation */
    uint32_t stub_off[STUB_COUNT]; /* the stubs' offsets in the arena */
    unsigned l_stub[STUB_COUNT];   /* ... and their labels (buffer 2) */
    uint32_t part[JB_PARTS]; /* ... and its bytes by part */
    /* Bit k: Jcc k in the block's middle falls through to an earlier
     * instruction (engine/cache.c excursion: the block went on at a side
     * exit's target after it), and back[k] is that not-taken way's back
     * edge (tr_excursion.c tr_back_edge_nt); its taken way is a side
     * exit as any.  Else the not-taken way of such a Jcc leaves. */
    uint64_t nt_back;
    /* Kept addresses filled before the loop (tr_prefill.c, session 17):
     * a loop to the block's start that calls nothing keeps the sites
     * whose registers no instruction writes filled from the entry on, so
     * their accesses need no test and save no flags; pf_ok[i] says which
     * slots, pf_* their access (recorded as the body is emitted), the
     * entry's state and the label of the fill (cold, after the body). */
    bool prefill;
    bool pf_ok[TR_SITES], pf_seen[TR_SITES];
    uint8_t pf_seg[TR_SITES], pf_size[TR_SITES], pf_kind[TR_SITES];
    int16_t pf_k[TR_SITES];
    unsigned l_prefill;
    struct tstate prefill_s;
    /* Bit k: Jcc k in the block's middle branches back to back[k] and
     * falls through to no instruction of the block (engine/cache_loopx.c:
     * the block went on at a side exit's target after the Jcc that closes
     * a loop): its not-taken way leaves (tr_back_edge_to). */
    uint64_t ft_exit;
    /* The fill's place (tr_prefill.c, session 18, branch `fill2`): 0,
     * the entry; else the head of the translation's first inner loop,
     * where the linear way comes in (every way into pf_from.. passes
     * there), pf_end: the instruction after the loops it fills for (the
     * translation's end at 0), l_pf_back where the fill comes back to. */
    unsigned pf_from, pf_end;
    unsigned l_pf_back;
    /* A kept address tested before its flag writer (tr_hoist.c, session
     * 18): hoist_j[k], the instruction before which access k's slot is
     * tested (-1: at the access); the tests emitted whose access is still
     * to come (bit per slot), each with its access, writer, fill and
     * return labels and the state before the writer. */
    int16_t hoist_j[JIT_MAX_INSNS];
    uint32_t hoist_pend;
    int16_t hoist_k[TR_SITES], hoist_from[TR_SITES];
    unsigned hoist_fill[TR_SITES], hoist_back[TR_SITES];
    struct tstate hoist_s[TR_SITES];
};

/* A guest register operand: the host register caching it, else its slot
 * in struct cpu.  A cached register's high byte (AH..BH) is never asked
 * for: registers used that way are not cached. */
static inline struct xrm gpr_rm(const struct tr *t, unsigned r, unsigned size)
{
    if (size == 1 && r >= 4)
        return xr_mem(xm(R_CPU, GPR_OFF(r - 4) + 1)); /* AH CH DH BH */
    if (t->cached & (1u << r))
        return xr_reg(t->host_of[r]);
    return xr_mem(xm(R_CPU, GPR_OFF(r)));
}

static inline struct xrm R(uint8_t r)
{
    return xr_reg(r);
}

/* The instruction's native recipe (insn_table.def's tr column). */
static inline enum tr_kind tr_kind_of(const struct insn *in)
{
    return (enum tr_kind)op_table[in->op].tr;
}

static inline bool tr_is_jcc(unsigned op)
{
    return op_table[op].tr == TR_JCC;
}

static inline bool tr_is_stack_op(const struct insn *in)
{
    return tr_kind_of(in) == TR_PUSH || tr_kind_of(in) == TR_POP || tr_kind_of(in) == TR_CALL ||
           tr_kind_of(in) == TR_LEAVE || in->flow == FLOW_RET;
}

/* An operation on a memory operand at [rdx], emitted once for the fast
 * path and once for the slow path (on the scratch copy). */
typedef void (*mem_op_fn)(struct tr *t, const struct insn *in);
/* A dword in memory by CL: `op` on a write access when CL & 31, else a
 * read access only (translate.c). */
void tr_by_cl_mem(struct tr *t, const struct insn *in, mem_op_fn op);
/* BT BTS BTR BTC of `dst` (a host register or [rdx]) by ecx (modulo 32
 * there) or the immediate; CF left pending (translate.c). */
void tr_bt_on(struct tr *t, const struct insn *in, struct xrm dst);

/* translate.c: the whole translation of t->b into t->hot and t->cold
 * (false: too big for the buffers or labels); counts for the stats. */
bool tr_translate(struct tr *t);
void tr_count(const struct tr *t, uint64_t *native, uint64_t *callout);
void tr_materialise(struct tr *t);
void tr_emit_exit(struct tr *t, unsigned k, bool to_target, uint32_t target_off);
void tr_ret_value(struct tr *t, unsigned k);
void tr_emit_side_exit(struct tr *t, unsigned k, uint32_t target_off);
void tr_mem_operand(struct tr *t, const struct insn *in, unsigned size, unsigned kind,
                    unsigned seg, unsigned cold_label);
void tr_sync_for_call(struct tr *t, unsigned k);
void tr_gpr_writeback(struct tr *t);
void tr_gpr_writeback_count(struct tr *t, int64_t n);
void tr_gpr_reload(struct tr *t);
void tr_icount_reload(struct tr *t);
void tr_eip_at(struct tr *t, uint8_t reg, uint32_t off);
/* ... and the pieces the other translator files emit with */
void tr_icount_add(struct tr *t, int64_t n);
void tr_icount_inside(struct tr *t, int64_t n);
void tr_loop_checks(struct tr *t, uint32_t count, unsigned again, unsigned l_out);
unsigned tr_join_count(struct tr *t, unsigned j, unsigned skipped);
void tr_count_to(struct tr *t, unsigned fl, unsigned skipped);
uint32_t tr_pass_count(const struct tr *t, unsigned k, unsigned j);
void tr_event_check(struct tr *t, unsigned label);
void tr_event_check_near(struct tr *t, unsigned label);
void tr_calm_restore(struct tr *t);
void tr_flags_save(struct tr *t);
void tr_carry_pending(struct tr *t, uint32_t live);
void tr_flags_handoff(struct tr *t);
bool tr_flags_handoff_keeps_rflags(const struct tr *t);
unsigned tr_cond_host(struct tr *t, unsigned cc);
void tr_ea_to(struct tr *t, const struct insn *in, uint8_t dst);
void tr_probe(struct tr *t, unsigned seg, unsigned size, unsigned kind, unsigned l_slow);
void tr_probe_shared(struct tr *t, unsigned seg, unsigned size, unsigned kind, unsigned l_slow);
void tr_probe_read_at(struct tr *t, unsigned k, unsigned seg, unsigned size, unsigned l_cold);
/* tr_mem.c: guest register r as a host register (its cache register, or
 * `scratch` loaded from struct cpu); a segment's check bits for an access
 * kind; after a call to C (which may change the TLB), the kept host
 * addresses of the loop's operands and the kept pages forgotten. */
uint8_t tr_gpr_in(struct tr *t, unsigned r, unsigned size, uint8_t scratch);
/* tr_flags.c: the stack slot's image from cpu.eflags; before something
 * that clobbers the host's flags, keep the `live` ones that are pending. */
void tr_slot_from_eflags(struct tr *t);
void tr_slot_from_eflags_in(struct xbuf *b);
void tr_eflags_from_slot(struct xbuf *b, int32_t at);
uint8_t tr_redo_deps(const struct tr *t, unsigned p);
void tr_redo_now(struct tr *t, unsigned p);
/* tr_peel.c: the last instruction of back edge k's peel to j, or -1. */
int tr_peel_end(const struct tr *t, unsigned k, unsigned j);
void tr_flags_before_clobber(struct tr *t, uint32_t live);
unsigned tr_seg_check_bits(unsigned kind);
/* A segment the translation may assume flat (its accesses skip the checks). */
static inline bool tr_seg_flat(const struct seg *sg)
{
    return sg->base == 0 && sg->limit == 0xFFFFFFFFu && !(sg->check & tr_seg_check_bits(JM_RMW));
}
void tr_sites_forget(struct tr *t);
void tr_sites_written(struct tr *t, unsigned k);
/* Kept address i's slot (cpu.eng.site[i], tr.h site). */
static inline struct xrm tr_site_rm(unsigned i)
{
    return cpu_rm(CPU_OFF(eng.site) + 8 * (int32_t)i);
}
/* rdx = kept address i, and to l_empty where it is 0 (not filled yet, or
 * forgotten: tr_sites_forget); clobbers the host's flags (tr_mem.c). */
void tr_site_test(struct tr *t, unsigned i, unsigned l_empty);
/* Whether a back edge of the translation goes to instruction j (its
 * loop's head: translate.c find_back_edges). */
bool tr_back_target(const struct tr *t, unsigned j);
/* tr_prefill.c: which kept addresses are filled before the loop; the
 * jump to that fill at the body's start and the fill itself (after the
 * body); whether instruction k's access is one of them (recorded). */
void tr_prefill_plan(struct tr *t);
void tr_prefill_entry(struct tr *t);
void tr_prefill_emit(struct tr *t);
bool tr_prefilled(struct tr *t, unsigned seg, unsigned size, unsigned kind);
void tr_prefill_mid(struct tr *t, unsigned k);
bool tr_prefill_leaves(const struct tr *t);
/* tr_hoist.c: kept addresses tested before the flag writer (plan, the
 * tests before instruction i, the access's untested form, the check). */
void tr_hoist_plan(struct tr *t);
void tr_hoist_before(struct tr *t, unsigned i);
bool tr_hoisted(struct tr *t, const struct insn *in, unsigned seg, unsigned size,
                unsigned kind);
void tr_hoist_done(struct tr *t);
void tr_pages_forget(struct xbuf *b);
/* The jump cache's inline lookup of cpu.eip, at an exit whose state is
 * written back (tr_xtlb.c). */
void tr_jc_lookup(struct tr *t);
/* tr_predict.c: a computed JMP's prediction before the jump cache's
 * lookup, and what a hit in the cache teaches it. */
struct jit_site *tr_site_predict(struct tr *t);
void tr_site_learn(struct tr *t, struct jit_site *s);
/* At a two-page translation's chained entry: its second page still maps
 * as when it was built, else out to l_merge (tr_xtlb.c). */
void tr_next_page_check(struct tr *t);
void tr_with_memory(struct tr *t, const struct insn *in, unsigned seg, unsigned size,
                    unsigned kind, mem_op_fn op, bool ea_done);
/* The same for an op that makes exactly one access, through tr_hm(t),
 * and writes neither rdx nor rsi nor a guest register before it: the
 * host address may then be an addressing mode of its own (tr.h hm). */
void tr_with_memory_fold(struct tr *t, const struct insn *in, unsigned seg, unsigned size,
                         unsigned kind, mem_op_fn op);
static inline struct xrm tr_hm(const struct tr *t)
{
    return xr_mem(t->hm);
}
/* The first of an instruction's two accesses, a read at [R_OFF] (set by
 * the caller): the fast path only; anything else runs the whole
 * instruction in the interpreter and leaves the translation after it. */
void tr_read_first(struct tr *t, const struct insn *in, unsigned seg, unsigned size,
                   mem_op_fn op);
void tr_cold_callout(struct tr *t, const struct insn *in, unsigned label,
                     const struct tstate *at);
void tr_callout(struct tr *t, const struct insn *in, bool last, bool x87_dirty);
void tr_alu_on(struct tr *t, const struct insn *in, struct xrm dst);
/* The host's flags after the instruction into the state its plan says
 * (translate.c). */
void tr_set_flags_after(struct tr *t, const struct plan *p);
void tr_emit_range(struct tr *t, unsigned from, unsigned to);

/* tr_block_end.c: a block's last instruction when it is a native control
 * transfer (JMP/Jcc rel32 with the loop back to the start, CALL rel32,
 * near RET and computed JMP with the jump cache). */
void tr_branch_end(struct tr *t, const struct insn *in, uint32_t live_in);
void tr_seq_end(struct tr *t, unsigned k, uint32_t live_in);
void tr_ind_end(struct tr *t, const struct insn *in);
void tr_call_end(struct tr *t, const struct insn *in);
/* ... and a system instruction its handler ran, after which the
 * translation goes on through the jump cache (tr_system_goes_on). */
bool tr_system_goes_on(const struct insn *in);
/* CLI/STI as the block's last instruction, natively when that is exact
 * (false: not done, call the handler). */
bool tr_system_native(struct tr *t, const struct insn *in);
void tr_system_end(struct tr *t, const struct insn *in);
/* ... and a native Jcc in the middle of a superblock: the taken way is a
 * side exit (in the cold section), the fall-through goes on. */
void tr_side_exit(struct tr *t, const struct insn *in);
/* ... and a JMP/Jcc back to an earlier instruction of the translation
 * (back[k]), an inner loop that stays inside it. */
void tr_back_edge(struct tr *t, const struct insn *in, unsigned j);
/* tr_back_edge for the not-taken way of Jcc in (tr.h nt_back), or, with
 * j < 0, that way's exit; the taken way is tr_side_exit's
 * (tr_excursion.c).  tr_back_edge_to: tr_back_edge with `cond` false for
 * a jump that always goes back. */
void tr_back_edge_nt(struct tr *t, const struct insn *in, int j);
void tr_back_edge_to(struct tr *t, const struct insn *in, unsigned j, bool cond);
void tr_join_state(struct tr *t, unsigned j);
/* A JMP rel32 in a superblock's middle whose target is not the next
 * instruction (a rotated loop's: engine/cache.c rotated_head): the jump
 * inside the translation to instruction tr_jmp_target(t, k),
 * or an exit to the target when that is -1 (the liveness pass agrees:
 * tr_alloc.c tr_compute_liveness). */
void tr_jmp_ahead(struct tr *t, const struct insn *in);
int tr_inside_target(const struct tr *t, unsigned k, uint32_t target);
int tr_jmp_target(const struct tr *t, unsigned k);

/* tr_alloc.c: flag liveness and the host register and kept-address
 * allocation over a planned block. */
int tr_memory_segment(const struct insn *in, const struct plan *p);
uint32_t tr_compute_liveness(struct tr *t);
bool tr_flags_exact(const struct plan *p);
void tr_allocate_gprs(struct tr *t);
void tr_choose_sites(struct tr *t);
void tr_choose_shares(struct tr *t);

/* tr_stubs.c: the stubs into the arena's first `room` bytes (returns
 * their length, 0: no room); a call to one; their labels. */
uint32_t tr_stubs_emit(uint8_t *at, uint32_t room, uint32_t off[STUB_COUNT]);
void tr_call_stub(struct tr *t, unsigned stub);
void tr_stub_labels(struct tr *t);
/* tr_string.c */
void tr_string_op(struct tr *t, const struct insn *in);
/* tr_plan.c */
bool tr_int_classify(const struct tr *t, const struct insn *in, struct plan *p);
/* tr_bits.c: SHLD/SHRD, BSF/BSR, XADD, CMPXCHG (the plan and the code). */
bool tr_bits_plan(const struct tr *t, const struct insn *in, struct plan *p);
void tr_bits_emit(struct tr *t, const struct insn *in);
void tr_bt_mem_reg(struct tr *t, const struct insn *in);
/* tr_muldiv.c: MUL/IMUL/DIV (TR_IMUL, TR_DIV). */
void tr_muldiv_emit(struct tr *t, const struct insn *in);
bool tr_is_ind_end(const struct insn *in);
unsigned tr_shift_ext(unsigned op);
bool tr_two_step(unsigned op);
/* tr_x87.c */
bool x87_classify(const struct cpu *c, const struct insn *in, struct plan *p);
bool x87_prepass(struct tr *t, unsigned nnative);
void x87_emit_checks(struct tr *t, unsigned l_fail);
void x87_emit_entry(struct tr *t);
bool x87_join_ok(const struct tr *t, unsigned from, unsigned j);
void x87_ghost_plan(struct tr *t);
void x87_ghost_to(struct tr *t, int ghost, bool keep_c1);
void x87_spill(struct tr *t);
void x87_note_ips(struct tr *t);
void x87_reload(struct tr *t);
void x87_emit_op(struct tr *t, const struct insn *in, const struct plan *p);
void x87_note_mem(struct tr *t);
void x87_fdp_before(struct tr *t, unsigned k);
void x87_note_loop(struct tr *t, unsigned id);
void x87_fdp_store(struct tr *t);

#endif
