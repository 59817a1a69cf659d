# smc_repmovs: REP MOVS copying new code over the loop that runs it.  The
# copy lands on instructions that were scanned (and cached) when the loop
# was entered, and that the same block is about to execute: the write rule
# discards the page's map during the copy, and execution goes on from the
# new bytes (SDM vol. 3A, 11.6).
#  1. Each iteration copies one of four 8-byte bodies over `body`, right
#     after the REP MOVSB, with DF=0; 20 iterations.
#  2. The same copied backwards (DF=1, from the last byte).
#  3. The same with REP MOVSL (two 4-byte stores per body).
#  4. A 5013-byte REP MOVSB that copies a whole region over itself: the
#     REP MOVSB instruction itself (same bytes), the ADD after it (a new
#     immediate) and a 5000-byte pad; longer than one 4096-iteration slice,
#     so the copy stops and the instruction restarts from the rewritten
#     bytes before it finishes.
# The code lives in .data.smc (writable; paging is off).

    .include "rt.inc"

    .set BODY_LEN, 8
    .set PAD, 5000
    .set REGION_LEN, 2 + 6 + 5 + PAD
    # 20 iterations of the four bodies below, from EBX = 0.
    .set EXPECT20, -143011

    .text
    .globl test_main
test_main:
    pushl %ebx
    pushl %esi
    pushl %edi
    pushl %ebp
    call rm_part1
    CHECK %ebx, $EXPECT20, "part 1: REP MOVSB forwards over the loop body"
    call rm_part2
    CHECK %ebx, $EXPECT20, "part 2: REP MOVSB backwards (DF=1) over the loop body"
    call rm_part3
    CHECK %ebx, $EXPECT20, "part 3: REP MOVSL over the loop body"
    call rm_part4
    CHECK %ebx, $0x1400, "part 4: REP MOVSB over itself, in slices"
    CHECK region + 4, $0x400, "part 4: the last copy landed"
    popl %ebp
    popl %edi
    popl %esi
    popl %ebx
    ret

    .section .data.smc, "aw", @progbits
    .balign 4096

# --- 1: forwards ---
rm_part1:
    xorl %ebx, %ebx
    xorl %ebp, %ebp
1:  movl %ebp, %eax
    andl $3, %eax
    leal bodies(,%eax,BODY_LEN), %esi
    movl $body1, %edi
    movl $BODY_LEN, %ecx
    cld
    rep movsb
body1:
    ud2                         # never runs: replaced before the first pass
    .fill BODY_LEN - 2, 1, 0x90
    incl %ebp
    cmpl $20, %ebp
    jb 1b
    ret

# --- 2: backwards ---
rm_part2:
    xorl %ebx, %ebx
    xorl %ebp, %ebp
1:  movl %ebp, %eax
    andl $3, %eax
    leal bodies + BODY_LEN - 1(,%eax,BODY_LEN), %esi
    movl $body2 + BODY_LEN - 1, %edi
    movl $BODY_LEN, %ecx
    std
    rep movsb
body2:
    ud2
    .fill BODY_LEN - 2, 1, 0x90
    cld
    incl %ebp
    cmpl $20, %ebp
    jb 1b
    ret

# --- 3: REP MOVSL ---
rm_part3:
    xorl %ebx, %ebx
    xorl %ebp, %ebp
1:  movl %ebp, %eax
    andl $3, %eax
    leal bodies(,%eax,BODY_LEN), %esi
    movl $body3, %edi
    movl $BODY_LEN / 4, %ecx
    cld
    rep movsl
body3:
    ud2
    .fill BODY_LEN - 2, 1, 0x90
    incl %ebp
    cmpl $20, %ebp
    jb 1b
    ret

# --- 4: a region copied over itself ---
# REGION value: REP MOVSB; addl $value, %ebx; a jump over the pad; the pad.
.macro REGION value
    rep movsb
    .byte 0x81, 0xC3
    .long \value
    .byte 0xE9
    .long PAD
    .fill PAD, 1, 0xCC
.endm

rm_part4:
    xorl %ebx, %ebx
    xorl %ebp, %ebp
1:  movl %ebp, %eax
    andl $3, %eax
    imull $REGION_LEN, %eax, %esi
    addl $templates, %esi
    movl $region, %edi
    movl $REGION_LEN, %ecx
    cld
region:
    REGION 0x0BAD0000           # replaced by the copy it starts
    incl %ebp
    cmpl $8, %ebp
    jb 1b
    ret

    .data
# The four bodies: an ADD and one more instruction, BODY_LEN bytes each.
bodies:
    addl $1000, %ebx            # 81 c3 imm32
    incl %ebx
    nop
    addl $2000, %ebx
    shll $1, %ebx               # d1 e3
    addl $3000, %ebx
    decl %ebx
    nop
    addl $4000, %ebx
    negl %ebx                   # f7 db
bodies_end:
    .if bodies_end - bodies - 4 * BODY_LEN
    .error "bodies are not BODY_LEN bytes each"
    .endif

templates:
    REGION 0x100
    REGION 0x200
    REGION 0x300
    REGION 0x400

    .section .rodata
    .globl test_name
test_name: .asciz "smc_repmovs"
