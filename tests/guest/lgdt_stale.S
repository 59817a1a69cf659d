# lgdt_stale: LGDT changes where descriptors come from, not what the
# segment registers hold (SDM vol. 3A, 3.4.3: the hidden part is loaded by
# segment loads only).  A second GDT differs from the first: entry 0x30
# (DS's) has another base, entry 0x10 (SS's and ES's) has base 0x1000, and
# it has a code segment at 0x48 that the first lacks.  After LGDT of the
# second table and a far jump to 0x48:
#   - DS (0x30) still reads through its old base, its selector unchanged;
#   - SS and ES still have base 0 (a push is seen at ES:ESP, data at ES:x);
#   - CS = 0x48; reloading DS gets the new table's base.
# Back on the first table (LGDT), CS = 0x48 keeps running although that
# entry is empty there, until the far jump to 0x08.

    .include "rt.inc"

    .text
    .globl test_main
test_main:
    pushl $0x4093               # DS's entry: byte granular data, base A
    pushl $0xFFF
    pushl $buf_a
    pushl $0x30
    call gdt_set
    addl $16, %esp
    movl $gdt, %esi             # the second table: a copy, then changes
    movl $gdt2, %edi
    movl $GDT_ENTRIES * 2, %ecx
    cld
    rep movsl
    pushl $0x4093
    pushl $0xFFF
    pushl $buf_b
    pushl $gdt2 + 0x30
    call desc_write
    movl $gdt2 + 0x10, (%esp)
    movl $0x1000, 4(%esp)
    movl $0xFFFFF, 8(%esp)
    movl $A_DATA0, 12(%esp)
    call desc_write
    movl $gdt2 + 0x48, (%esp)
    movl $0, 4(%esp)
    movl $A_CODE0, 12(%esp)
    call desc_write
    addl $16, %esp

    # From here to the far jump back, no checks: DS is not flat.
    movw $0x30, %ax
    movw %ax, %ds
    lgdt %es:gdt2_desc
    movl 0, %ebx                # DS:0 after LGDT
    ljmp $0x48, $1f
1:  movw %cs, %cx
    movzwl %cx, %ecx
    movl 0, %edx                # DS:0 after the far jump
    movw %ds, %si
    movzwl %si, %esi
    pushl $0x77777777
    movl %es:(%esp), %edi       # ES base 0: sees the push iff SS base is 0
    addl $4, %esp
    pushl %es:buf_c             # ES base 0 reads buf_c
    movw $0x30, %ax             # reload DS: the second table's base
    movw %ax, %ds
    pushl 0
    lgdt %es:gdt_desc
    movw %cs, %ax
    movzwl %ax, %eax
    pushl %eax                  # CS on the first table, entry 0x48 empty
    movl $0x8888, %eax          # and still running
    pushl %eax
    ljmp $SEL_CODE0, $2f
2:  movl $SEL_DATA0, %eax
    movw %ax, %ds

    CHECK %ebx, $0xAAAA0001, "after LGDT: DS still reads through base A"
    CHECK %ecx, $0x48, "CS after the far jump into the new table"
    CHECK %edx, $0xAAAA0001, "after the far jump: DS still reads through base A"
    CHECK %esi, $0x30, "DS selector unchanged"
    CHECK %edi, $0x77777777, "SS kept base 0 (push seen at ES:ESP)"
    popl %eax
    CHECK %eax, $0x8888, "ran on with CS 0x48 after LGDT of the first table"
    popl %eax
    CHECK %eax, $0x48, "CS selector after LGDT of the first table"
    popl %eax
    CHECK %eax, $0xBBBB0002, "after reloading DS: base B from the new table"
    popl %eax
    CHECK %eax, $0xCCCC0003, "ES kept base 0"
    sgdt sbuf
    CHECK sbuf+2, $gdt, "GDTR is the runtime's again"
    ret

    .section .rodata
    .globl test_name
test_name: .asciz "lgdt_stale"

    .data
    .balign 16
buf_a: .long 0xAAAA0001
    .balign 16
buf_b: .long 0xBBBB0002
buf_c: .long 0xCCCC0003
    .balign 8
gdt2_desc:
    .word GDT_ENTRIES * 8 - 1
    .long gdt2
sbuf: .skip 8
    .balign 8
gdt2: .skip GDT_ENTRIES * 8
