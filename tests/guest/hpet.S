# The HPET (IA-PC HPET 1.0a) as Linux uses it: its capabilities (period,
# three timers, legacy replacement), the main counter running while
# enabled; in legacy replacement mode timer 0 periodic on ISA IRQ 0 (IOAPIC
# pin 2) with the 8254 cut from that line (programmed 10 times faster, it
# must not shorten the periods), timer 1 one-shot on IRQ 8 (pin 8); then
# out of legacy mode timer 0 routed to pin 2 level-triggered, its interrupt
# status bit cleared by writing 1.

    .include "rt.inc"
    .include "apic.inc"

    .set HPET, 0xFED00000
    .set H_CAP, HPET
    .set H_PERIOD, HPET + 4
    .set H_CONF, HPET + 0x10
    .set H_STATUS, HPET + 0x20
    .set H_COUNT, HPET + 0xF0
    .set H_T0_CONF, HPET + 0x100
    .set H_T0_ROUTE, HPET + 0x104
    .set H_T0_CMP, HPET + 0x108
    .set H_T1_CONF, HPET + 0x120
    .set H_T1_CMP, HPET + 0x128
    .set VEC_T0, 0x50
    .set VEC_T1, 0x51
    .set VEC_LVL, 0x52

    .text
    .globl test_main
test_main:
    APIC_ON
    movl $on_t0, handlers + 4 * VEC_T0
    movl $on_t1, handlers + 4 * VEC_T1
    movl $on_lvl, handlers + 4 * VEC_LVL

    movl H_PERIOD, %eax
    CHECK %eax, $10000000, "HPET period (fs)"
    movl H_CAP, %eax
    movl %eax, %ebx
    andl $0xFFFF8000, %eax
    CHECK %eax, $0x80868000, "vendor and legacy route capability"
    shrl $8, %ebx
    andl $0x1F, %ebx
    CHECK %ebx, $2, "three timers"
    movl H_T0_ROUTE, %eax
    CHECK %eax, $4, "timer 0 routes to pin 2 only (QEMU's pc)"
    movl H_T0_CONF, %eax
    andl $0x10, %eax
    CHECK %eax, $0x10, "timer 0 periodic capable"

    # The counter runs only while enabled.
    movl $0, H_CONF
    movl $0, H_COUNT
    movl $0, H_COUNT + 4
    movl $1, H_CONF
    movl $1000, %ecx
1:  loop 1b
    movl $0, H_CONF
    movl H_COUNT, %ebx
    cmpl $0, %ebx
    jne 2f
    FAIL "the main counter did not run"
2:  movl $1000, %ecx
3:  loop 3b
    movl H_COUNT, %eax
    CHECK %eax, %ebx, "the counter moved while halted"

    # --- legacy replacement: timer 0 every 1 ms on IRQ 0 -------------------
    # The PIT at ~10 kHz, then legacy mode on (not yet enabled): the PIT
    # is cut from IRQ 0 before pin 2 is unmasked (programming it raises
    # its output, an edge of its own).
    movb $0x34, %al
    outb %al, $0x43
    movb $119, %al
    outb %al, $0x40
    movb $0, %al
    outb %al, $0x40
    movl $2, H_CONF
    IOWR $0x15, $0
    IOWR $0x14, $VEC_T0         # pin 2: ISA IRQ 0
    IOWR $0x21, $0
    IOWR $0x20, $VEC_T1         # pin 8: ISA IRQ 8
    movl $0, H_COUNT
    movl $0, H_COUNT + 4
    # Timer 0: periodic, enabled, comparator and period 100000 (1 ms),
    # 32-bit as Linux sets it (the comparator's high half is all ones
    # after RESET, 2.3.9).
    movl $0x14C, H_T0_CONF      # 32-bit | INT_ENB | periodic | VAL_SET
    movl $100000, H_T0_CMP
    movl $100000, H_T0_CMP      # the period
    # Timer 1: one-shot at 3.5 ms.
    movl $0x04, H_T1_CONF
    movl $350000, H_T1_CMP
    movl $0, H_T1_CMP + 4
    movl $3, H_CONF             # ENABLE | LEG_RT
    sti
4:  hlt
    cmpl $10, t0_n
    jb 4b
    cli
    movl $2, H_CONF             # halted, legacy still on
    movl H_COUNT, %eax
    cmpl $(10 * 100000), %eax
    jae 5f
    FAIL "10 periods of timer 0 in less than 10 ms: the PIT got through"
5:
    CHECK t1_n, $1, "timer 1 on IRQ 8"
    CHECK t1_count_ok, $1, "timer 1 fired before its comparator"

    # --- out of legacy mode: timer 0 level-triggered on pin 2 -------------
    movl $0, H_CONF
    movb $0x30, %al             # PIT channel 0 to mode 0, stopped
    outb %al, $0x43
    IOWR $0x14, $(0x8000 | VEC_LVL)
    movl $0, H_T0_CONF
    movl $0, H_COUNT
    movl $1000, H_T0_CMP
    movl $0, H_T0_CMP + 4
    movl $((2 << 9) | 0x06), H_T0_CONF  # route 2, INT_ENB, level
    movl $1, H_CONF
    sti
6:  hlt
    cmpl $0, lvl_n
    je 6b
    cli
    CHECK lvl_n, $1, "level timer interrupt"
    CHECK status_in_handler, $1, "Tn_INT_STS while asserted"
    movl H_STATUS, %eax
    CHECK %eax, $0, "status after write-1-to-clear"
    movl $0, H_CONF
    movl $0, H_T0_CONF
    movl $0, H_T1_CONF
    IOWR $0x14, $0x10000
    IOWR $0x20, $0x10000
    ret

on_t0:
    incl t0_n
    movl $0, A_EOI
    ret

on_t1:
    incl t1_n
    movl H_COUNT, %eax
    cmpl $350000, %eax
    jb 1f
    movl $1, t1_count_ok
1:  movl $0, A_EOI
    ret

# Level: clear the status bit (the line drops) before the EOI, or the
# interrupt would come again.
on_lvl:
    incl lvl_n
    movl H_STATUS, %eax
    movl %eax, status_in_handler
    movl $1, H_STATUS
    movl $0, A_EOI
    ret

    .data
t0_n: .long 0
t1_n: .long 0
t1_count_ok: .long 0
lvl_n: .long 0
status_in_handler: .long 0

    .section .rodata
    .globl test_name
test_name: .asciz "hpet"
