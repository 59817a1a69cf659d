# v86: virtual-8086 mode (SDM vol. 3A, 20.2-20.3), entered by IRET from
# ring 0 with EFLAGS.VM in the image.  The V86 code is copied to linear
# 0x20000 and runs with CS = DS = SS = 0x2000.
#  1. IOPL 0: real-mode style code runs (segment arithmetic, a store
#     through ES = 0x3000 at linear 0x30000, push/pop, MOV from CS), then
#     INT 0x21 is #GP(0) in the protected-mode handler: EIP = the INT's
#     offset, CS = 0x2000 and VM set in the frame, the V86 ES/DS/FS/GS
#     pushed after SS:ESP, and DS/ES/FS/GS null in the handler.
#  2. IOPL 0: CLI, PUSHF, POPF and OUT are #GP(0) (no I/O bitmap).
#  3. IOPL 3: CLI/STI and PUSHF run (PUSHF shows IOPL 3); INT 0x80 goes
#     through the protected-mode IDT (a DPL 3 gate) to ring 0; INT 0x31
#     (DPL 0 gate) is #GP(0x31 * 8 + 2).
#  4. A #GP handler that emulates INT 0x21 (AX = 0x5555, EIP past it) and
#     IRETs back to V86: the V86 code goes on with its segment registers
#     restored from the frame, stores AX, then HLT faults (#GP(0)).

    .include "rt.inc"

    .set V86_SEG, 0x2000
    .set V86_BASE, V86_SEG << 4

# V86 enter_offset, iopl: IRETs to V86 at CS:offset (DS = SS = V86_SEG,
# ES = FS = GS = 0, SP = 0xFFF0).
.macro V86 entry, iopl
    pushl $0                    # GS
    pushl $0                    # FS
    pushl $V86_SEG              # DS
    pushl $0                    # ES
    pushl $V86_SEG              # SS
    pushl $0xFFF0               # ESP
    pushl $0x20002 | (\iopl << 12)  # EFLAGS: VM, IOPL
    pushl $V86_SEG              # CS
    pushl $\entry - v86_blob    # EIP
    pushl %esp
    call enter_iret
    addl $40, %esp
.endm

# V86GP entry, at, msg: runs entry at IOPL 0; expects #GP(0) at `at`.
.macro V86GP entry, at, msg
    TRY 1f
    V86 \entry, 0
    ENDTRY
1:  EXPECT $13, $0, $\at-v86_blob, "\msg"
    CHECK exc_cs, $V86_SEG, "\msg: CS"
.endm

    .text
    .globl test_main
test_main:
    movl $v86_blob, %esi
    movl $V86_BASE, %edi
    movl $v86_end - v86_blob, %ecx
    cld
    rep movsb

    # --- 1 ---
    TRY 1f
    V86 v86_p1, 0
    ENDTRY
1:  EXPECT $13, $0, $v86_p1_int-v86_blob, "INT 0x21 in V86 at IOPL 0"
    CHECK exc_cs, $V86_SEG, "#GP from V86: CS"
    movl exc_eflags, %eax
    andl $0x20000, %eax
    CHECK %eax, $0x20000, "#GP from V86: VM set in the frame"
    CHECK exc_ss, $V86_SEG, "#GP from V86: SS"
    CHECK exc_esp, $0xFFF0, "#GP from V86: ESP"
    movl exc_frame, %ebx
    CHECK F_V86_ES(%ebx), $0x3000, "#GP from V86: ES in the frame"
    CHECK F_V86_DS(%ebx), $V86_SEG, "#GP from V86: DS in the frame"
    CHECK F_V86_FS(%ebx), $0, "#GP from V86: FS in the frame"
    CHECK F_V86_GS(%ebx), $0, "#GP from V86: GS in the frame"
    CHECK exc_ds, $0, "in the handler: DS null"
    CHECK exc_es, $0, "in the handler: ES null"
    CHECK exc_fs, $0, "in the handler: FS null"
    CHECK exc_gs, $0, "in the handler: GS null"
    movzwl V86_BASE + 0x100, %eax
    CHECK %eax, $0x2345, "V86 arithmetic, stored at DS:0x100"
    movzwl 0x30000, %eax
    CHECK %eax, $0xBEEF, "V86 store through ES = 0x3000"
    movzwl V86_BASE + 0x102, %eax
    CHECK %eax, $0x2345, "V86 push/pop"
    movzwl V86_BASE + 0x104, %eax
    CHECK %eax, $0x2000, "V86 MOV from CS"
    movzwl V86_BASE + 0xFFEE, %eax
    CHECK %eax, $0x2345, "V86 push landed at SS:SP-2 (linear 0x2FFEE)"

    # --- 2 ---
    V86GP v86_cli, v86_cli, "CLI in V86 at IOPL 0"
    V86GP v86_pushf, v86_pushf, "PUSHF in V86 at IOPL 0"
    V86GP v86_popf, v86_popf, "POPF in V86 at IOPL 0"
    V86GP v86_out, v86_out, "OUT in V86 (no I/O bitmap)"

    # --- 3 ---
    V86 v86_p3, 3
    CHECK %eax, $0x600D, "INT 0x80 from V86 at IOPL 3 reached ring 0"
    CHECK exc_vector, $VEC_RING0, "INT 0x80 from V86: vector"
    CHECK exc_cs, $V86_SEG, "INT 0x80 from V86: CS in the frame"
    CHECK exc_eip, $v86_p3_after-v86_blob, "INT 0x80 from V86: EIP after the INT"
    movzwl V86_BASE + 0x108, %eax
    andl $0x3000, %eax
    CHECK %eax, $0x3000, "PUSHF in V86 at IOPL 3 shows IOPL 3"
    TRY 1f
    V86 v86_int31, 3
    ENDTRY
1:  EXPECT $13, $0x31*8+2, $v86_int31-v86_blob, "INT 0x31 (DPL 0 gate) from V86"

    # --- 4 ---
    movl $emulate_int21, handlers + 4 * 13
    TRY 1f
    V86 v86_p4, 0
    ENDTRY
1:  movl $0, handlers + 4 * 13
    EXPECT $13, $0, $v86_p4_hlt-v86_blob, "HLT in V86 after the emulated INT"
    CHECK emulated, $1, "the #GP handler emulated INT 0x21"
    movzwl V86_BASE + 0x10A, %eax
    CHECK %eax, $0x5555, "V86 went on after IRET with the handler's AX"
    movzwl V86_BASE + 0x10C, %eax
    CHECK %eax, $0x3000, "V86 went on with ES restored from the frame"
    ret

# handlers[13] in part 4: INT 0x21 at CS:EIP is emulated, the rest goes to
# the TRY.
emulate_int21:
    movl 4(%esp), %edx
    testl $0x20000, F_EFLAGS(%edx)
    jz 1f
    movl F_CS(%edx), %eax
    shll $4, %eax
    addl F_EIP(%edx), %eax
    cmpw $0x21CD, (%eax)
    jne 1f
    incl emulated
    movw $0x5555, F_EAX(%edx)
    addl $2, F_EIP(%edx)
    ret
1:  jmp rt_resume

# The V86 code, copied to V86_BASE (offsets from v86_blob are IPs).
    .code16
v86_blob:
v86_p1:
    movw $0x1234, %ax
    addw $0x1111, %ax
    movw %ax, %ds:0x100
    movw $0x3000, %bx
    movw %bx, %es
    movw $0xBEEF, %es:0
    pushw %ax
    popw %cx
    movw %cx, %ds:0x102
    movw %cs, %ds:0x104
v86_p1_int:
    int $0x21
    hlt
v86_cli:
    cli
    hlt
v86_pushf:
    pushfw
    hlt
v86_popf:
    popfw
    hlt
v86_out:
    outb %al, $0x80
    hlt
v86_p3:
    cli
    sti
    cli
    pushfw
    popw %ax
    movw %ax, %ds:0x108
    movl $0x600D, %eax
    int $VEC_RING0
v86_p3_after:
    hlt
v86_int31:
    int $VEC_KERNEL
    hlt
v86_p4:
    movw $0x3000, %bx
    movw %bx, %es
    int $0x21
    movw %ax, %ds:0x10A
    movw %es, %ds:0x10C
v86_p4_hlt:
    hlt
v86_end:
    .code32

    .section .rodata
    .globl test_name
test_name: .asciz "v86"

    .data
emulated: .long 0
