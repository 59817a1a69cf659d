/* Fuzz harness: the Linux bzImage loader (src/pc/linux_boot.c).
 *
 * The input is a kernel file, so the seeds are bzImages and a saved crash
 * can be given to `plex86 -kernel` as it is.  lb_parse() checks it against
 * three RAM sizes (1 MiB, 4 MiB, the largest); lb_load() loads it into a
 * 4 MiB VM (reused: RAM cleared, CPU reset), with an initrd when the
 * input's length is odd and a command line when bit 1 is set (a long one
 * when bit 2 is set too).  What a load promises is checked: the kernel's
 * memory inside RAM, the CPU at 1 MiB in 32-bit protected mode with ESI =
 * the zero page, the zero page's loader fields, the command line, and the
 * initrd page aligned in RAM above the kernel and under initrd_addr_max.
 * A loaded kernel then runs for up to 200 steps.  A refused kernel must
 * give one line that starts with the file's name. */
#include <stdbool.h>

#include "cpu/cpu.h"
#include "fuzz.h"
#include "pc/boot_util.h"
#include "pc/linux_boot.h"
#include "machine/vm.h"
#include "engine/engine.h"

static struct vm *vm;

static void check_error(const char *err)
{
    FUZZ_CHECK(err[0] && !strchr(err, '\n'), "error is not one line: \"%s\"", err);
    FUZZ_CHECK(!strncmp(err, "bzImage: ", 9) || !strncmp(err, "initrd.img: ", 12),
               "error does not start with the file's name: \"%s\"", err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    if (!vm) {
        vm = vm_create(&(struct vm_config){ .ram_mb = 4, .cpu_level = CPU_P6 }, err,
                       sizeof(err));
        if (!vm)
            fuzz_fail("vm_create: %s", err);
    }
    static const uint32_t rams[] = { 1u << 20, 4u << 20, VM_MAX_RAM_MB << 20 };
    for (unsigned k = 0; k < 3; k++) {
        struct lb_image m;
        err[0] = 0;
        if (lb_parse(data, size, rams[k], "bzImage", &m, err, sizeof(err)) < 0) {
            check_error(err);
            continue;
        }
        FUZZ_CHECK(m.version >= LB_MIN_VERSION, "version %#x", m.version);
        FUZZ_CHECK(m.header_end <= LB_OFF_HDR_MAX_END && m.header_end <= size,
                   "header ends at %#x", m.header_end);
        FUZZ_CHECK(m.kernel_offset == m.setup_size && m.kernel_size > 0 &&
                       (uint64_t)m.kernel_offset + m.kernel_size == size,
                   "kernel at %#x+%#x in %zu bytes", m.kernel_offset, m.kernel_size, size);
        FUZZ_CHECK(m.kernel_end <= rams[k] && m.kernel_end >= LB_KERNEL_ADDR + m.kernel_size,
                   "kernel ends at %#x with %#x of RAM", m.kernel_end, rams[k]);
    }

    memset(vm->mem.ram, 0, vm->mem.ram_size);
    vm_invalidate_code(vm);
    cpu_reset(&vm->cpu);
    vm->exit_reason = VM_EXIT_NONE;
    vm->cpu.stop_request = false;
    static const uint8_t initrd[] = "an initrd: 0123456789abcdef";
    static char longcmd[600];
    if (!longcmd[0])
        memset(longcmd, 'c', sizeof(longcmd) - 1);
    const char *cmd = !(size & 2) ? NULL : (size & 4) ? longcmd : "console=ttyS0 quiet";
    struct lb_boot b = {
        .kernel = data, .kernel_size = size, .kernel_name = "bzImage", .append = cmd,
        .initrd = (size & 1) ? initrd : NULL, .initrd_size = sizeof(initrd),
        .initrd_name = "initrd.img",
    };
    struct lb_result r;
    err[0] = 0;
    if (lb_load(vm, &b, &r, err, sizeof(err)) < 0) {
        check_error(err);
        return 0;
    }
    struct cpu *c = &vm->cpu;
    const uint8_t *zp = vm->mem.ram + LB_ZERO_PAGE;
    FUZZ_CHECK(c->eip == LB_KERNEL_ADDR && c->code32 && (c->cr0 & CR0_PE) &&
                   !(c->cr0 & CR0_PG) && c->seg[S_CS].sel == LB_BOOT_CS &&
                   c->seg[S_DS].sel == LB_BOOT_DS && c->gpr[R_ESI] == LB_ZERO_PAGE,
               "CPU not at the 32-bit entry");
    FUZZ_CHECK(zp[LB_OFF_TYPE_OF_LOADER] == LB_LOADER_TYPE &&
                   (zp[LB_OFF_LOADFLAGS] & (LB_LOADED_HIGH | LB_QUIET_FLAG)) == LB_LOADED_HIGH &&
                   boot_rd32(zp + LB_OFF_CMD_LINE_PTR) == LB_CMDLINE &&
                   zp[LB_OFF_SENTINEL] == 0,
               "zero page loader fields");
    const char *line = (const char *)vm->mem.ram + LB_CMDLINE;
    FUZZ_CHECK(memchr(line, 0, LB_CMDLINE_AREA) && !strcmp(line, cmd ? cmd : ""),
               "command line");
    if (b.initrd) {
        struct lb_image m;
        FUZZ_CHECK(lb_parse(data, size, vm->mem.ram_size, "bzImage", &m, err,
                            sizeof(err)) == 0, "loaded, but does not parse");
        FUZZ_CHECK(r.initrd_size == sizeof(initrd) && !(r.initrd_addr & 0xFFF) &&
                       r.initrd_addr >= m.kernel_end &&
                       (uint64_t)r.initrd_addr + r.initrd_size - 1 <= m.initrd_addr_max &&
                       (uint64_t)r.initrd_addr + r.initrd_size <= vm->mem.ram_size &&
                       boot_rd32(zp + LB_OFF_RAMDISK_IMAGE) == r.initrd_addr &&
                       !memcmp(vm->mem.ram + r.initrd_addr, initrd, sizeof(initrd)),
                   "initrd at %#x", r.initrd_addr);
    }
    engine_run(c->vm->engine, 200);
    return 0;
}
