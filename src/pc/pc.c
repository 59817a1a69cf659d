/* The PC board; see pc.h. */
#include "pc/pc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dev/debug_exit.h"
#include "dev/debugcon.h"
#include "dev/post.h"
#include "dev/serial.h"
#include "pc/hostfile.h"
#include "vm/vm.h"

int pc_map_bios(struct vm *vm, const uint8_t *data, size_t size, const char *what,
                char *err, size_t errlen)
{
    if (size == 0) {
        snprintf(err, errlen, "%s: firmware image is empty", what);
        return -1;
    }
    if (size % PHYS_PAGE_SIZE) {
        snprintf(err, errlen,
                 "%s: firmware image is %zu bytes, not a multiple of 4 KiB", what, size);
        return -1;
    }
    if (size > PC_BIOS_MAX_SIZE) {
        snprintf(err, errlen, "%s: firmware image is %zu bytes, more than %u MiB",
                 what, size, PC_BIOS_MAX_SIZE >> 20);
        return -1;
    }
    /* The reset vector, physical 0xFFFFFFF0, lands 16 bytes before the end
     * of the image (SDM vol. 3A, 9.1.4). */
    uint32_t top = (uint32_t)(0x100000000ull - size);
    if (physmem_add_rom(&vm->mem, top, data, (uint32_t)size, "bios") < 0) {
        snprintf(err, errlen, "%s: cannot map the firmware at 0x%08x: %s", what, top,
                 strerror(errno));
        return -1;
    }
    /* The alias below 1 MiB, where real-mode code reaches it after the
     * first far jump reloads CS (QEMU pc_sysfw.c, x86_isa_bios_init). */
    size_t low = size < PC_BIOS_LOW_MAX ? size : PC_BIOS_LOW_MAX;
    uint32_t low_base = (uint32_t)(0x100000 - low);
    if (physmem_add_rom(&vm->mem, low_base, data + (size - low), (uint32_t)low,
                        "isa-bios") < 0) {
        snprintf(err, errlen, "%s: cannot map the firmware at 0x%05x: %s", what,
                 low_base, strerror(errno));
        return -1;
    }
    return 0;
}

static int load_bios(struct vm *vm, const struct pc_config *cfg, char *err, size_t errlen)
{
    if (cfg->bios_data)
        return pc_map_bios(vm, cfg->bios_data, cfg->bios_size, "bios", err, errlen);
    if (!cfg->bios_path)
        return 0;
    uint8_t *data;
    size_t size;
    /* Read one byte past the cap so that "too large" comes from the size
     * check, with the same wording as for in-memory images. */
    if (host_read_file(cfg->bios_path, PC_BIOS_MAX_SIZE + (size_t)PHYS_PAGE_SIZE, &data,
                       &size, err, errlen) < 0)
        return -1;
    int rc = pc_map_bios(vm, data, size, cfg->bios_path, err, errlen);
    free(data);
    return rc;
}

static int add_devices(struct pc *pc, const struct pc_config *cfg, char *err,
                       size_t errlen)
{
    struct vm *vm = pc->vm;
    if (cfg->has_serial) {
        pc->serial = serial_create(vm, SERIAL_COM1_BASE, cfg->serial_out);
        if (!pc->serial)
            goto fail;
    }
    if (cfg->has_debugcon) {
        pc->debugcon = debugcon_create(vm, DEBUGCON_PORT, cfg->debugcon_out);
        if (!pc->debugcon)
            goto fail;
    }
    pc->debug_exit = debug_exit_create(vm, DEBUG_EXIT_PORT);
    pc->post = post_create(vm, cfg->post_log);
    if (!pc->debug_exit || !pc->post)
        goto fail;
    return 0;
fail:
    snprintf(err, errlen, "cannot create the board's devices (out of memory?)");
    return -1;
}

struct pc *pc_create(const struct pc_config *cfg, char *err, size_t errlen)
{
    if (cfg->bios_path && cfg->bios_data) {
        snprintf(err, errlen, "both a firmware file and an in-memory image given");
        return NULL;
    }
    struct pc *pc = calloc(1, sizeof(*pc));
    if (!pc) {
        snprintf(err, errlen, "out of memory for the board");
        return NULL;
    }
    struct vm_config vc = { .ram_mb = cfg->ram_mb, .cpu_level = cfg->cpu_level };
    pc->vm = vm_create(&vc, err, errlen);
    if (!pc->vm || load_bios(pc->vm, cfg, err, errlen) < 0 ||
        add_devices(pc, cfg, err, errlen) < 0) {
        pc_destroy(pc);
        return NULL;
    }
    /* Devices start in their reset state; the CPU is at the reset vector. */
    vm_reset(pc->vm);
    return pc;
}

void pc_destroy(struct pc *pc)
{
    if (!pc)
        return;
    vm_destroy(pc->vm);
    free(pc);
}
