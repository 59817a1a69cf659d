# undef386: the flags the SDM leaves undefined, as an Intel 80386 sets them
# (issue 20, item 9), on `-cpu 386`.  Every case is a data point that
# test386.asm's test E0 ("undefined behaviours and bugs", validated on
# 386SX hardware by its author) checks: the operand, the flags before, and
# all six arithmetic flags after.  docs/cpu-models.md says where this comes
# from, why the SingleStepTests 80386 captures could not be used, and what
# no data covers (those keep plex86's usual results).
#
#   AAA/AAS  SF, ZF, PF, OF are those of the 8-bit AL + 6 / AL - 6 the
#            adjustment does (of AL + 0 / AL - 0 without one), before AL's
#            high nibble is cleared.
#   SHL/SHR  bytes and words: AF is 1 for every count that is not 0 mod 32;
#            a byte shifted by 16 or 24 gives CF as by 8 (SHL: the LSB,
#            SHR: the MSB); OF follows the result (SHL: MSB xor CF).
#   BT*      OF is what RCR by the bit index with CF = 0 gives as CF xor
#            the result's MSB: bit (index - 1) xor bit (index - 2).
# DAA/DAS/AAD/AAM and RCL/RCR by 9 and 17 are here too: plex86 already
# gave the 386's results for them, and these cases keep it so.
#
# The other models keep their own results: on the default model this
# test is not run (Pentium-class chips set these flags differently).

    .include "rt.inc"

    .set CF, 0x001
    .set PF, 0x004
    .set AF, 0x010
    .set ZF, 0x040
    .set SF, 0x080
    .set OF, 0x800
    .set ARITH, CF|PF|AF|ZF|SF|OF
# Every case runs this many times, so that the translator (which takes a
# block after 16 runs, jit.h) gets each block too.
    .set ROUNDS, 24

# FLAGS_IS want, msg: the arithmetic flags now are `want` (EDX is used).
.macro FLAGS_IS want, msg
    pushfl
    popl %edx
    andl $ARITH, %edx
    CHECK %edx, $(\want), "\msg"
.endm

# BCD op, ax, before, after
.macro BCD op, ax, before, after
    pushl $(\before)
    popfl
    movw $\ax, %ax
    \op
    FLAGS_IS \after, "\op AX=\ax flags \before"
.endm

# SHIFT8 op, al, count, before, after: `op` of AL (AH = 0xFF) by CL, then
# by an immediate count.
.macro SHIFT8 op, al, count, before, after
    pushl $(\before)
    popfl
    movw $(0xFF00 | \al), %ax
    movb $\count, %cl
    \op %cl, %al
    FLAGS_IS \after, "\op AL=\al by CL=\count, flags \before"
    pushl $(\before)
    popfl
    movw $(0xFF00 | \al), %ax
    \op $\count, %al
    FLAGS_IS \after, "\op AL=\al by \count, flags \before"
.endm

# SHIFT16 op, ax, count, before, after: the same on AX.
.macro SHIFT16 op, ax, count, before, after
    pushl $(\before)
    popfl
    movw $\ax, %ax
    movb $\count, %cl
    \op %cl, %ax
    FLAGS_IS \after, "\op AX=\ax by CL=\count, flags \before"
    pushl $(\before)
    popfl
    movw $\ax, %ax
    \op $\count, %ax
    FLAGS_IS \after, "\op AX=\ax by \count, flags \before"
.endm

# BITS op, val, index, before, after: `op` on AX and EAX with the bit
# index as an immediate and in CX/ECX.
.macro BITS op, val, index, before, after
    pushl $(\before)
    popfl
    movl $\val, %eax
    \op\()w $\index, %ax
    FLAGS_IS \after, "\op AX=\val, \index, flags \before"
    pushl $(\before)
    popfl
    movl $\val, %eax
    movl $\index, %ecx
    \op\()w %cx, %ax
    FLAGS_IS \after, "\op AX=\val, CX=\index, flags \before"
    pushl $(\before)
    popfl
    movl $\val, %eax
    \op\()l $\index, %eax
    FLAGS_IS \after, "\op EAX=\val, \index, flags \before"
    pushl $(\before)
    popfl
    movl $\val, %eax
    movl $\index, %ecx
    \op\()l %ecx, %eax
    FLAGS_IS \after, "\op EAX=\val, ECX=\index, flags \before"
.endm

.macro BIT4 val, index, before, after
    BITS bt, \val, \index, \before, \after
    BITS btc, \val, \index, \before, \after
    BITS btr, \val, \index, \before, \after
    BITS bts, \val, \index, \before, \after
.endm

    .text
    .globl test_main
test_main:
    pushl %ebx
    movl $ROUNDS, rounds
again:

    # AAA: 7A + 6 = 80 (SF, OF); 7B + 6 = 81 (SF, PF, OF)
    BCD aaa, 0x0000, 0, PF|ZF
    BCD aaa, 0x0001, PF|ZF|SF|OF, 0
    BCD aaa, 0x007A, 0, CF|AF|SF|OF
    BCD aaa, 0x007B, AF, CF|PF|AF|SF|OF
    # AAS: 00 - 6 = FA (SF, PF); 80 - 6 = 7A (OF)
    BCD aas, 0x0000, SF|OF, PF|ZF
    BCD aas, 0x0000, AF, CF|PF|AF|SF
    BCD aas, 0x0001, PF|ZF|SF|OF, 0
    BCD aas, 0x0680, AF, CF|AF|OF
    # AAD and AAM (CF, AF, OF undefined): AAD's are those of AL + AH*10
    BCD aad, 0x0001, CF|AF|OF, 0
    BCD aad, 0x0D8E, 0, CF|AF|OF
    BCD aad, 0x0106, 0, AF
    BCD aad, 0x01F7, 0, CF|AF
    BCD aam, 0x0000, 0, ZF|PF
    BCD aam, 0x0000, CF|AF|OF, ZF|PF
    # DAA and DAS (OF undefined)
    BCD daa, 0x001A, AF|OF, AF
    BCD daa, 0x001A, CF, CF|AF|SF|OF
    BCD das, 0x0080, OF, SF
    BCD das, 0x0080, AF, AF|OF

    # SHR: AF = 1; CF of a byte by 8, 16, 24 = its MSB; by 32 = by 0
    SHIFT8 shrb, 0x81, 1, 0, CF|AF|OF
    SHIFT8 shrb, 0x82, 2, 0, CF|AF
    SHIFT8 shrb, 0x80, 8, 0, CF|PF|AF|ZF
    SHIFT8 shrb, 0x00, 8, CF, PF|AF|ZF
    SHIFT8 shrb, 0x80, 16, 0, CF|PF|AF|ZF
    SHIFT8 shrb, 0x00, 16, CF, PF|AF|ZF
    SHIFT8 shrb, 0x80, 24, 0, CF|PF|AF|ZF
    SHIFT8 shrb, 0x00, 24, CF, PF|AF|ZF
    SHIFT8 shrb, 0x80, 32, 0, 0
    SHIFT16 shrw, 0x8000, 16, 0, CF|PF|AF|ZF
    SHIFT16 shrw, 0x0000, 16, CF, PF|AF|ZF
    SHIFT16 shrw, 0x8000, 32, 0, 0
    # SHL: AF = 1; CF of a byte by 8, 16, 24 = its LSB; OF = MSB xor CF
    SHIFT8 shlb, 0x81, 1, 0, CF|AF|OF
    SHIFT8 shlb, 0x41, 2, 0, CF|AF|OF
    SHIFT8 shlb, 0x01, 8, 0, CF|PF|AF|ZF|OF
    SHIFT8 shlb, 0x00, 8, CF, PF|AF|ZF
    SHIFT8 shlb, 0x01, 16, 0, CF|PF|AF|ZF|OF
    SHIFT8 shlb, 0x00, 16, CF, PF|AF|ZF
    SHIFT8 shlb, 0x01, 24, 0, CF|PF|AF|ZF|OF
    SHIFT8 shlb, 0x00, 24, CF, PF|AF|ZF
    SHIFT8 shlb, 0x01, 32, 0, 0
    SHIFT16 shlw, 0x0001, 16, 0, CF|PF|AF|ZF|OF
    SHIFT16 shlw, 0x0000, 16, CF, PF|AF|ZF
    SHIFT16 shlw, 0x0001, 32, 0, 0

    # BT, BTC, BTR, BTS of 1: OF = bit (index-1) xor bit (index-2)
    BIT4 0x01, 0, 0, CF
    BIT4 0x01, 0, CF, CF
    BIT4 0x01, 1, 0, OF
    BIT4 0x01, 1, CF, OF
    BIT4 0x01, 2, 0, OF
    BIT4 0x01, 2, CF, OF
    BIT4 0x01, 3, 0, 0
    BIT4 0x01, 3, CF, 0

    # RCR and RCL by 9 (bytes) and 17 (words) rotate all the way round
    # but still set CF and OF
    SHIFT8 rcrb, 0x00, 9, 0, 0
    SHIFT8 rcrb, 0x00, 9, CF|OF, CF
    SHIFT8 rcrb, 0x40, 9, 0, OF
    SHIFT8 rcrb, 0x40, 9, CF|OF, CF|OF
    SHIFT16 rcrw, 0x0000, 17, 0, 0
    SHIFT16 rcrw, 0x0000, 17, CF|OF, CF
    SHIFT16 rcrw, 0x4000, 17, 0, OF
    SHIFT16 rcrw, 0x4000, 17, CF|OF, CF|OF
    SHIFT8 rclb, 0x00, 9, 0, 0
    SHIFT8 rclb, 0x00, 9, CF|OF, CF|OF
    SHIFT8 rclb, 0x80, 9, 0, OF
    SHIFT8 rclb, 0x80, 9, CF|OF, CF
    SHIFT16 rclw, 0x0000, 17, 0, 0
    SHIFT16 rclw, 0x0000, 17, CF|OF, CF|OF
    SHIFT16 rclw, 0x8000, 17, 0, OF
    SHIFT16 rclw, 0x8000, 17, CF|OF, CF

    decl rounds
    jnz again
    popl %ebx
    ret

    .data
rounds: .long 0

    .section .rodata
    .globl test_name
test_name: .asciz "undef386"
