# fpu: the x87 as an operating system sees it (SDM vol. 3A, 2.5 and 6.15
# #NM/#MF; vol. 1, 8.7 and D):
#   lazy switching: with CR0.TS set the first x87 instruction raises #NM;
#     the handler does CLTS and returns, and the instruction runs again
#   WAIT raises #NM only with CR0.MP and CR0.TS both set
#   CR0.EM: every x87 instruction raises #NM, WAIT does not
#   #MF with CR0.NE=1: an unmasked divide by zero is not reported by the
#     divide, nor by FNSTSW (no-wait), but by the next waiting x87
#     instruction; FNSTENV's FIP and FCS point at the divide; after FNCLEX
#     the same instruction runs
# QEMU (TCG) reports the pending error only on WAIT, not on the next x87
# instruction, and moves FIP and FOP on FNSTSW; the -qemu build checks the
# report with WAIT and leaves FIP and FOP out.

    .include "rt.inc"

    .set CR0_MP, 0x2
    .set CR0_EM, 0x4
    .set CR0_TS, 0x8
    .set CR0_NE, 0x20

    .text
    .globl test_main
test_main:
    movl %cr0, %eax
    orl $CR0_NE, %eax
    andl $~(CR0_MP | CR0_EM | CR0_TS), %eax
    movl %eax, %cr0
    fninit

    # --- lazy switching ---------------------------------------------------
    movl $on_nm, handlers + 4 * 7
    movl %cr0, %eax
    orl $(CR0_TS | CR0_MP), %eax
    movl %eax, %cr0
nm_insn:
    fld1                        # #NM, CLTS in the handler, runs again
    CHECK nm_count, $1, "lazy switch: one #NM"
    CHECK nm_eip, $nm_insn, "lazy switch: #NM at the x87 instruction"
    movl %cr0, %eax
    andl $CR0_TS, %eax
    CHECK %eax, $0, "lazy switch: TS clear after the handler"
    fstps value
    CHECK value, $0x3F800000, "lazy switch: FLD1 ran after CLTS"
    movl $0, handlers + 4 * 7

    # --- WAIT and TS/MP --------------------------------------------------
    movl %cr0, %eax
    andl $~CR0_MP, %eax
    orl $CR0_TS, %eax
    movl %eax, %cr0
    fwait                       # TS without MP: no fault
    orl $CR0_MP, %eax
    movl %eax, %cr0
    TRY 1f
2:  fwait
    NOFAULT "WAIT with MP and TS"
1:  EXPECT $7, $0, $2b, "WAIT with MP and TS"
    TRY 1f
2:  fnstsw %ax                  # TS: even the no-wait forms fault
    NOFAULT "FNSTSW with TS"
1:  EXPECT $7, $0, $2b, "FNSTSW with TS"
    clts

    # --- EM ----------------------------------------------------------------
    movl %cr0, %eax
    andl $~CR0_MP, %eax
    orl $CR0_EM, %eax
    movl %eax, %cr0
    fwait                       # EM does not concern WAIT
    TRY 1f
2:  fldz
    NOFAULT "FLDZ with EM"
1:  EXPECT $7, $0, $2b, "FLDZ with EM"
    movl %cr0, %eax
    andl $~CR0_EM, %eax
    movl %eax, %cr0

    # --- #MF ---------------------------------------------------------------
    fninit
    fnstcw cw
    andw $~4, cw                # unmask zero divide
    fldcw cw
    fld1
div_insn:
    fdivs zero_f                # 1 / 0: ZE unmasked, pending
    fnstsw %ax                  # no-wait: does not report it
    andl $0x8084, %eax
    CHECK %eax, $0x8084, "after the divide: ZE, ES and B"
    TRY 1f
.ifdef QEMU
2:  fwait
.else
2:  fld1                        # the next waiting x87 instruction
.endif
    NOFAULT "no #MF"
1:  EXPECT $16, $0, $2b, "#MF at the next waiting instruction"
    fnstenv env
.ifndef QEMU
    CHECK env + 12, $div_insn, "FIP points at the divide"
    movl env + 16, %eax
    shrl $16, %eax
    CHECK %eax, $0x035, "FOP: D8 /6 with ModRM 35"
.endif
    movzwl env + 16, %eax
    CHECK %eax, $SEL_CODE0, "FCS"
    fnclex                      # ES stays set until then: FLDCW would fault
    fldcw cw                    # FNSTENV masked everything
    fld1                        # now it runs
    fstps value
    CHECK value, $0x3F800000, "FLD1 after FNCLEX"
    fninit
    ret

# handlers[7]: the lazy-switching #NM handler: CLTS and return to rerun.
on_nm:
    movl 4(%esp), %edx
    incl nm_count
    movl F_EIP(%edx), %eax
    movl %eax, nm_eip
    clts
    ret

    .data
    .balign 4
nm_count: .long 0
nm_eip: .long 0
value: .long 0
zero_f: .long 0
cw: .word 0, 0
env: .space 28

    .section .rodata
    .globl test_name
test_name: .asciz "fpu"
