/* The monitor's pieces without sockets: the paused clock, the -monitor/-qmp
 * spellings, `x`/`xp` through a page table built here, and the human
 * monitor's line handling. */
#define _GNU_SOURCE 1
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "dev/piix4_pm.h"
#include "host/chardev_sock.h"
#include "host/monitor.h"
#include "host/monitor_dump.h"
#include "host/vmctl.h"
#include "pc/pc.h"
#include "vm/clock.h"
#include "machine/vm.h"

static void sleep_ms(unsigned ms)
{
    struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)ms * 1000000L };
    nanosleep(&ts, NULL);
}

/* The clock's step counter: none move here. */
static uint64_t no_steps(const void *src)
{
    (void)src;
    return 0;
}

static void test_clock_pause(void)
{
    struct vm_clock clk;
    vm_clock_init_host(&clk, no_steps, NULL);
    vm_clock_slice(&clk, false);
    uint64_t t0 = vm_clock_now(&clk);
    vm_clock_pause(&clk);
    uint64_t p0 = vm_clock_now(&clk);
    sleep_ms(30);
    uint64_t p1 = vm_clock_now(&clk);
    CHECK_EQ(p1, p0);                 /* stands still while paused */
    vm_clock_resume(&clk);
    uint64_t r = vm_clock_now(&clk);
    CHECK(r >= p1 && r - p1 < 10000000u); /* the 30 ms are hidden */
    CHECK(r - t0 < 20000000u);
    sleep_ms(5);
    CHECK(vm_clock_now(&clk) > r);    /* and it runs again */
}

static void test_specs(void)
{
    struct chardev_spec s;
    char err[200];
    CHECK_EQ(chardev_spec_parse("unix:/tmp/a.sock,server,nowait", &s, err, sizeof(err)), 0);
    CHECK(s.kind == CHR_SPEC_UNIX && !s.wait && !strcmp(s.path, "/tmp/a.sock"));
    CHECK_EQ(chardev_spec_parse("unix:/tmp/b,server=on,wait=off", &s, err, sizeof(err)), 0);
    CHECK(s.kind == CHR_SPEC_UNIX && !s.wait && !strcmp(s.path, "/tmp/b"));
    CHECK_EQ(chardev_spec_parse("unix:/tmp/c,server", &s, err, sizeof(err)), 0);
    CHECK(s.wait);
    CHECK_EQ(chardev_spec_parse("stdio", &s, err, sizeof(err)), 0);
    CHECK(s.kind == CHR_SPEC_STDIO);
    CHECK_EQ(chardev_spec_parse("none", &s, err, sizeof(err)), 0);
    CHECK(s.kind == CHR_SPEC_NONE);
    CHECK_EQ(chardev_spec_parse("unix:/tmp/d", &s, err, sizeof(err)), -1);   /* no server */
    CHECK_EQ(chardev_spec_parse("unix:,server", &s, err, sizeof(err)), -1);
    CHECK_EQ(chardev_spec_parse("unix:/x,server,wait=maybe", &s, err, sizeof(err)), -1);
    CHECK_EQ(chardev_spec_parse("tcp:1234,server", &s, err, sizeof(err)), -1);
    char longpath[300];
    memset(longpath, 'a', sizeof(longpath));
    memcpy(longpath, "unix:", 5);
    longpath[sizeof(longpath) - 1] = 0;
    CHECK_EQ(chardev_spec_parse(longpath, &s, err, sizeof(err)), -1);
}

static char *run(struct vmctl *ctl, const char *line)
{
    char *out = monitor_execute_string(ctl, line);
    CHECK(out != NULL);
    return out ? out : strdup("");
}

static void expect(struct vmctl *ctl, const char *line, const char *want)
{
    char *got = run(ctl, line);
    CHECK_STR(got, want);
    free(got);
}

static void put32(struct vm *vm, uint32_t pa, uint32_t v)
{
    phys_copy_in(&vm->mem, pa, &v, 4);
}

static void test_memory_dump(struct vmctl *ctl)
{
    struct vm *vm = ctl->pc->vm;
    put32(vm, 0x5000, 0x11223344);
    put32(vm, 0x5004, 0xAABBCCDD);
    put32(vm, 0x800000 + 0x123000, 0xCAFEF00D);
    expect(ctl, "xp /2xw 0x5000", "0000000000005000: 0x11223344 0xaabbccdd\n");
    expect(ctl, "xp /4xb 0x5000", "0000000000005000: 0x44 0x33 0x22 0x11\n");
    expect(ctl, "xp /1xg 0x5000", "0000000000005000: 0xaabbccdd11223344\n");
    expect(ctl, "xp /2uh 0x5000", "0000000000005000: 13124  4386\n");
    expect(ctl, "xp /1dw 0x5000", "0000000000005000:  287454020\n");
    expect(ctl, "xp /1ob 0x5000", "0000000000005000: 0104\n");
    expect(ctl, "xp /5xw 0x5000",
           "0000000000005000: 0x11223344 0xaabbccdd 0x00000000 0x00000000\n"
           "0000000000005010: 0x00000000\n");
    expect(ctl, "xp /1xw 0xe0000000", "00000000e0000000: Cannot access memory\n");
    expect(ctl, "xp /1xw", "missing address\n");
    expect(ctl, "xp /1q 0", "invalid char in format\n");
    expect(ctl, "xp /1i 0", "format 'i' (disassembly) is not supported\n");
    expect(ctl, "xp /1xw zz", "invalid address expression\n");
    expect(ctl, "xp /100000xw 0", "invalid count\n");
    /* Paging: linear 0x400000 -> physical 0x5000 through a page table,
     * linear 0xC0000000 a 4 MiB page at 0x800000, the rest not present. */
    struct cpu *c = &vm->cpu;
    put32(vm, 0x1000 + (0x400000u >> 22) * 4, 0x2000 | 3);
    put32(vm, 0x2000, 0x5000 | 3);
    put32(vm, 0x1000 + (0xC0000000u >> 22) * 4, 0x800000 | 0x83);
    c->cr3 = 0x1000;
    c->cr4 |= CR4_PSE;
    c->cr0 |= CR0_PE | CR0_PG;
    expect(ctl, "x /2xw 0x400000", "00400000: 0x11223344 0xaabbccdd\n");
    expect(ctl, "x /1xw 0xc0123000", "c0123000: 0xcafef00d\n");
    expect(ctl, "x /1xw 0x401000", "00401000: Cannot access memory\n");
    expect(ctl, "x /1xw 0x10000000", "10000000: Cannot access memory\n");
    c->gpr[R_EBX] = 0x400000;
    expect(ctl, "x /1xw $ebx + 4", "00400004: 0xaabbccdd\n");
    /* A page walk sets no accessed bit. */
    uint32_t pte;
    memcpy(&pte, physmem_ptr(&vm->mem, 0x2000, false), 4);
    CHECK_EQ(pte, 0x5000u | 3);
    c->cr0 &= ~(uint32_t)(CR0_PE | CR0_PG);
    expect(ctl, "x /1xw 0x5000", "00005000: 0x11223344\n");
}

static char hmp_out[8192];
static size_t hmp_len;

static void capture(void *opaque, const char *data, size_t n)
{
    (void)opaque;
    if (n > sizeof(hmp_out) - 1 - hmp_len)
        n = sizeof(hmp_out) - 1 - hmp_len;
    memcpy(hmp_out + hmp_len, data, n);
    hmp_len += n;
    hmp_out[hmp_len] = 0;
}

static void test_session(struct vmctl *ctl)
{
    struct monitor *m = malloc(sizeof(*m));
    monitor_init(m, ctl, capture, NULL);
    monitor_start(m);
    CHECK(strstr(hmp_out, MONITOR_PROMPT) != NULL);
    hmp_len = 0;
    monitor_input(m, "info st", 7);
    CHECK_EQ(hmp_len, 0u);            /* half a line: nothing yet */
    monitor_input(m, "atus\r\n", 6);  /* CR LF is one end of line */
    CHECK_STR(hmp_out, "VM status: running\n" MONITOR_PROMPT);
    hmp_len = 0;
    char big[10000];
    memset(big, 'x', sizeof(big));
    monitor_input(m, big, sizeof(big));
    monitor_input(m, "\nstop\ninfo status\n", 18);
    CHECK(strstr(hmp_out, "line too long") != NULL);
    CHECK(strstr(hmp_out, "VM status: paused") != NULL);
    CHECK(ctl->stopped);
    hmp_len = 0;
    monitor_input(m, "c\n", 2);
    CHECK(!ctl->stopped);
    monitor_input(m, "unknown\x01\n", 9);
    CHECK(strstr(hmp_out, "unknown command: 'unknown?'") != NULL);
    free(m);
}

int main(void)
{
    test_clock_pause();
    test_specs();
    static uint8_t bios[4096];
    memset(bios, 0xF4, sizeof(bios));
    char err[256];
    struct pc_config cfg = { .ram_mb = 16, .cpu_level = CPU_486, .bios_data = bios,
                             .bios_size = sizeof(bios) };
    struct pc *pc = pc_create(&cfg, err, sizeof(err));
    CHECK(pc != NULL);
    if (pc) {
        struct vmctl ctl;
        vmctl_init(&ctl, pc);
        ctl.allow_files = false;
        expect(&ctl, "info status", "VM status: running\n");
        expect(&ctl, "stop", "");
        expect(&ctl, "info status", "VM status: paused\n");
        expect(&ctl, "cont", "");
        /* The ACPI power button: PWRBTN_STS in PM1a_STS. */
        expect(&ctl, "system_powerdown", "");
        CHECK(pc->pm->pm1_sts & PM1_PWRBTN_STS);
        expect(&ctl, "savevm /tmp/x", "savevm: snapshots are disabled here\n");
        expect(&ctl, "", "");
        char *regs = run(&ctl, "info registers");
        CHECK(strstr(regs, "EIP=0000fff0") != NULL);
        CHECK(strstr(regs, "CS =f000 ffff0000 0000ffff 00009b00\n") != NULL);
        free(regs);
        char *help = run(&ctl, "help");
        CHECK(strstr(help, "xp /fmt addr -- physical memory dump") != NULL);
        free(help);
        test_memory_dump(&ctl);
        test_session(&ctl);
        pc_destroy(pc);
    }
    return check_report();
}
