# gs_stale: seed 001, scenario 1.  A segment register's hidden cache is
# loaded only by a segment load: not by a write to its descriptor, not by
# LGDT, not by a privilege change (SDM vol. 3A, 3.4.3 and 5.x).
#  1. Ring 3 loads GS (entry 0x30, base A), enters ring 0 through a DPL 3
#     interrupt gate; ring 0 rewrites that descriptor (base B) and IRETs:
#     ring 3 still reads through base A; after `mov %ax, %gs` through B.
#  2. The same, but ring 0 loads a copy of the GDT (LGDT) whose entry 0x30
#     has base B, and leaves the original alone.
#  3. Ring 0 loads GS (DPL 3, base A), rewrites the entry (base B, DPL 0),
#     IRETs to ring 3: IRET checks GS against its cache (DPL 3), so GS
#     stays, base A (SDM IRET: "descriptor cache for SegReg").
#  4. Ring 0 loads GS from a DPL 0 entry, rewrites the entry to DPL 3,
#     IRETs to ring 3: GS's cached DPL 0 < CPL 3, so IRET nulls it:
#     its selector reads 0 and an access through it is #GP(0).

    .include "rt.inc"

    .set SEL_GS, 0x30 | 3
    .set A_DATA3_BYTE, 0x40F3   # byte granular, B, P, DPL 3, RW data
    .set A_DATA0_BYTE, 0x4093

    .text
    .globl test_main
test_main:
    movl $on_int, handlers + 4 * VEC_USER

    # --- 1: the descriptor rewritten by ring 0 ---
    movl $1, part
    call set_old
    pushl $r3_part12
    call enter_ring3
    addl $4, %esp
    CHECK %eax, $0x600D, "part 1: ring 3 did not finish"
    CHECK calls, $1, "part 1: the INT 0x30 handler ran"

    # --- 2: LGDT to an edited copy ---
    movl $2, part
    call set_old
    pushl $r3_part12
    call enter_ring3
    addl $4, %esp
    CHECK %eax, $0x600D, "part 2: ring 3 did not finish"
    CHECK calls, $2, "part 2: the INT 0x30 handler ran"
    sgdt sgdt_buf
    CHECK sgdt_buf + 2, $gdt_copy, "part 2: GDTR base is the copy"
    lgdt gdt_desc

    # --- 3: IRET checks GS against its cache, not the table ---
    call set_old
    movw $SEL_GS, %ax
    movw %ax, %gs
    pushl $A_DATA0_BYTE         # the table now says DPL 0, base B
    pushl $0xFFF
    pushl $buf_new
    pushl $SEL_GS
    call gdt_set
    addl $16, %esp
    CHECK %gs:0, $0x11111111, "part 3: ring 0 after the rewrite reads base A"
    pushl $r3_part3
    call enter_ring3
    addl $4, %esp
    CHECK %eax, $0x600D, "part 3: ring 3 did not finish"

    # --- 4: IRET nulls GS when its cached DPL is below the new CPL ---
    pushl $A_DATA0_BYTE
    pushl $0xFFF
    pushl $buf_old
    pushl $SEL_GS
    call gdt_set
    addl $16, %esp
    movw $SEL_GS & ~3, %ax
    movw %ax, %gs
    pushl $A_DATA3_BYTE         # the table now says DPL 3
    pushl $0xFFF
    pushl $buf_new
    pushl $SEL_GS
    call gdt_set
    addl $16, %esp
    TRY 1f
    pushl $r3_part4
    call enter_ring3
    ENDTRY
1:  CHECK r3_gs_sel, $0, "part 4: IRET nulled the GS selector"
.ifndef QEMU    # QEMU (TCG) does not fault on an access through a null GS
    EXPECT $13, $0, $r3_part4_read, "part 4: access through the nulled GS"
    CHECK exc_cs, $SEL_CODE3, "part 4: the #GP came from ring 3"
.endif
    movl $SEL_DATA0, %eax
    movw %ax, %gs
    ret

# Entry 0x30: DPL 3 data, base A.
set_old:
    pushl $A_DATA3_BYTE
    pushl $0xFFF
    pushl $buf_old
    pushl $SEL_GS
    call gdt_set
    addl $16, %esp
    ret

# Ring 3, parts 1 and 2.
r3_part12:
    movw $SEL_GS, %ax
    movw %ax, %gs
    CHECK %gs:0, $0x11111111, "ring 3 before INT 0x30: GS reads base A"
    int $VEC_USER
    CHECK %gs:0, $0x11111111, "ring 3 after ring 0 changed the table: GS still reads base A"
    movw %gs, %ax
    movzwl %ax, %eax
    CHECK %eax, $SEL_GS, "ring 3: GS selector unchanged"
    movw %ax, %gs
    CHECK %gs:0, $0x22222222, "ring 3 after reloading GS: base B"
    movl $0x600D, %eax
    ret

# Ring 3, part 3.
r3_part3:
    movw %gs, %ax
    movzwl %ax, %eax
    CHECK %eax, $SEL_GS, "part 3: IRET kept GS (cached DPL 3)"
    CHECK %gs:0, $0x11111111, "part 3: ring 3 reads base A through GS"
    movl $0x600D, %eax
    ret

# Ring 3, part 4.
r3_part4:
    movw %gs, %ax
    movzwl %ax, %eax
    movl %eax, r3_gs_sel
r3_part4_read:
    movl %gs:0, %eax
    ret

# handlers[VEC_USER]: ring 0 changes the table under ring 3's GS.
on_int:
    incl calls
    cmpl $2, part
    je 1f
    pushl $A_DATA3_BYTE
    pushl $0xFFF
    pushl $buf_new
    pushl $SEL_GS
    call gdt_set
    addl $16, %esp
    ret
1:  pushl %esi
    pushl %edi
    movl $gdt, %esi
    movl $gdt_copy, %edi
    movl $GDT_ENTRIES * 2, %ecx
    cld
    rep movsl
    popl %edi
    popl %esi
    pushl $A_DATA3_BYTE
    pushl $0xFFF
    pushl $buf_new
    pushl $gdt_copy + (SEL_GS & ~7)
    call desc_write
    addl $16, %esp
    lgdt gdt_copy_desc
    ret

    .section .rodata
    .globl test_name
test_name: .asciz "gs_stale"

    .data
    .balign 16
buf_old:   .long 0x11111111
    .balign 16
buf_new:   .long 0x22222222
part:      .long 0
calls:     .long 0
r3_gs_sel: .long 0xFFFFFFFF
    .balign 8
gdt_copy_desc:
    .word GDT_ENTRIES * 8 - 1
    .long gdt_copy
sgdt_buf: .skip 8
    .balign 8
gdt_copy: .skip GDT_ENTRIES * 8
