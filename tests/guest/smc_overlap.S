# smc_overlap: jumps into the middle of an instruction.  Seed 003: each
# attribute byte describes only the instruction that starts there, so
# overlapping instructions coexist in one map, and a write to a byte they
# share discards it for both.
#  1. ov_a, 5 bytes b8 43 eb 01 90: from ov_a, `movl $0x9001EB43, %eax`;
#     from ov_a + 1, `incl %ebx; jmp ov_a + 5` (the JMP inside the MOV's
#     immediate).  Both end at the RET after it.  Called from either entry,
#     alternately, 1000 times.
#  2. ov_b, 6 bytes b0 b8 90 90 90 90: from ov_b, `movb $0xB8, %al` and
#     four NOPs; from ov_b + 1, `movl $0x90909090, %eax`, which runs past
#     the end of the first instruction into the NOPs.
#  3. The shared bytes rewritten: ov_a + 1 from INC to DEC EBX (the MOV's
#     immediate changes too); ov_b + 3 from NOP to INC EAX (an instruction
#     of one path, the immediate of the other).  Both entries see it.
# The code lives in .data.smc (writable; paging is off).

    .include "rt.inc"

    .text
    .globl test_main
test_main:
    pushl %ebx
    pushl %esi

    # --- 1 ---
    xorl %ebx, %ebx
    xorl %esi, %esi
1:  movl $0x55555555, %eax
    testl $1, %esi
    jnz 2f
    call ov_a                   # even: the MOV
    CHECK %eax, $0x9001EB43, "part 1: ov_a is MOV EAX"
    jmp 3f
2:  call ov_a + 1               # odd: INC EBX and a JMP, inside the MOV
    CHECK %eax, $0x55555555, "part 1: ov_a + 1 leaves EAX"
3:  incl %esi
    cmpl $1000, %esi
    jb 1b
    CHECK %ebx, $500, "part 1: ov_a + 1 ran INC EBX 500 times"

    # --- 2 ---
    movl $0x12345678, %eax
    call ov_b
    CHECK %eax, $0x123456B8, "part 2: ov_b is MOV AL and NOPs"
    call ov_b + 1
    CHECK %eax, $0x90909090, "part 2: ov_b + 1 is MOV EAX across the NOPs"

    # --- 3 ---
    movb $0x4B, ov_a + 1        # INC EBX -> DEC EBX
    xorl %ebx, %ebx
    call ov_a + 1
    CHECK %ebx, $-1, "part 3: ov_a + 1 runs the new DEC EBX"
    call ov_a
    CHECK %eax, $0x9001EB4B, "part 3: ov_a's immediate changed with it"
    CHECK %ebx, $-1, "part 3: ov_a leaves EBX"
    movb $0x40, ov_b + 3        # a NOP of ov_b -> INC EAX
    movl $0x12345678, %eax
    call ov_b
    CHECK %eax, $0x123456B9, "part 3: ov_b runs MOV AL, NOP, INC EAX"
    call ov_b + 1
    CHECK %eax, $0x90904090, "part 3: ov_b + 1's immediate changed"

    popl %esi
    popl %ebx
    ret

    .section .data.smc, "aw", @progbits
    .balign 4096
ov_a:
    .byte 0xB8, 0x43, 0xEB, 0x01, 0x90
    ret
ov_b:
    .byte 0xB0, 0xB8, 0x90, 0x90, 0x90, 0x90
    ret

    .section .rodata
    .globl test_name
test_name: .asciz "smc_overlap"
