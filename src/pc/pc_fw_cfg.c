/* The board's fw_cfg contents; see pc_fw_cfg.h. */
#include "pc/pc_fw_cfg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dev/fw_cfg.h"
#include "dev/serial.h"
#include "pc/hostfile.h"
#include "pc/pc.h"

/* E820 types (ACPI 3.0 14.1). */
enum { E820_RAM = 1 };

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

long pc_bootorder_file(const char *const *paths, unsigned n, bool strict, char *out,
                       size_t cap)
{
    size_t len = 0;
    for (unsigned i = 0; i < n; i++) {
        size_t l = strlen(paths[i]);
        if (len + l + 1 > cap)
            return -1;
        memcpy(out + len, paths[i], l);
        len += l;
        out[len++] = i + 1 < n || strict ? '\n' : '\0';
    }
    if (n && strict) {
        if (len + 5 > cap)
            return -1;
        memcpy(out + len, "HALT", 5);
        len += 5;
    }
    return (long)len;
}

/* The base name of a path, as QEMU's rom_add_file names a genroms/ file. */
static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static int add_option_roms(struct fw_cfg *f, const struct pc_config *cfg, char *err,
                           size_t errlen)
{
    for (unsigned i = 0; i < cfg->noption_roms && i < PC_MAX_OPTION_ROMS; i++) {
        const char *path = cfg->option_roms[i];
        uint8_t *data;
        size_t size;
        if (host_read_file(path, PC_OPTION_ROM_MAX, &data, &size, err, errlen) < 0)
            return -1;
        char name[FW_CFG_MAX_FILE_PATH + 16];
        snprintf(name, sizeof(name), "genroms/%s", base_name(path));
        int rc = size == 0 ? -2 : fw_cfg_add_file(f, name, data, size);
        free(data);
        if (rc == -2) {
            snprintf(err, errlen, "%s: option ROM is empty", path);
            return -1;
        }
        if (rc < 0) {
            snprintf(err, errlen, "%s: cannot add \"%s\" to fw_cfg (a name of at most %d "
                                  "characters, no two alike)", path, name,
                     FW_CFG_MAX_FILE_PATH - 1);
            return -1;
        }
    }
    return 0;
}

int pc_fw_cfg_fill(struct fw_cfg *f, const struct pc_config *cfg, uint32_t ram,
                   unsigned cpus, unsigned apic_id_limit, char *err, size_t errlen)
{
    static const uint8_t uuid[16];
    int bad = 0;
    /* fw_cfg_common_realize */
    bad |= fw_cfg_add_bytes(f, FW_CFG_UUID, uuid, sizeof(uuid));
    bad |= fw_cfg_add_i16(f, FW_CFG_NOGRAPHIC, cfg->nographic);
    bad |= fw_cfg_add_i16(f, FW_CFG_BOOT_MENU, cfg->boot_menu);
    /* fw_cfg_arch_create: `cpus` CPUs (-smp); FW_CFG_MAX_CPUS is QEMU's
     * apic_id_limit, the bound of the APIC IDs SeaBIOS looks for (with
     * sockets=2,cores=3 the IDs are 0-2 and 4-6: 7), none to hot-plug. */
    if (apic_id_limit < cpus || apic_id_limit > PC_FW_CFG_MAX_APIC_IDS) {
        snprintf(err, errlen, "fw_cfg: APIC IDs below %u for %u CPUs", apic_id_limit, cpus);
        return -1;
    }
    bad |= fw_cfg_add_i16(f, FW_CFG_NB_CPUS, (uint16_t)cpus);
    bad |= fw_cfg_add_i16(f, FW_CFG_MAX_CPUS, (uint16_t)apic_id_limit);
    bad |= fw_cfg_add_i64(f, FW_CFG_RAM_SIZE, ram);
    /* ISA IRQ 0 is IOAPIC pin 2 (pc/pc_apic.h): SeaBIOS then says so in
     * its MP table (and its fallback MADT), as QEMU tells it. */
    if (cfg->apic)
        bad |= fw_cfg_add_i32(f, FW_CFG_IRQ0_OVERRIDE, 1);
    /* NUMA: the node count (0), then one word per APIC ID below the limit
     * (its node). */
    uint8_t numa[8 * (1 + PC_FW_CFG_MAX_APIC_IDS)] = { 0 };
    unsigned words = 1 + apic_id_limit;
    bad |= fw_cfg_add_bytes(f, FW_CFG_NUMA, numa, 8u * words);
    if (bad) {
        snprintf(err, errlen, "fw_cfg: out of memory");
        return -1;
    }

    /* Files, in any order: the device sorts them by name. */
    uint8_t e820[20];
    put_le(e820, 0, 8);
    put_le(e820 + 8, ram, 8);
    put_le(e820 + 16, E820_RAM, 4);
    bad |= fw_cfg_add_file(f, "etc/e820", e820, sizeof(e820));

    uint8_t wait[4];
    put_le(wait, cfg->has_reboot_timeout ? (uint32_t)cfg->reboot_timeout_ms : 0xFFFFFFFFu, 4);
    bad |= fw_cfg_add_file(f, "etc/boot-fail-wait", wait, sizeof(wait));
    if (cfg->has_splash_time) {
        uint8_t splash[2];
        put_le(splash, cfg->splash_time_ms, 2);
        bad |= fw_cfg_add_file(f, "etc/boot-menu-wait", splash, sizeof(splash));
    }

    /* QEMU's piix4_pm_realize: {S0?, -, -, S3, S4, S5}, bit 7 "enabled",
     * the low bits the SLP_TYP value.  Only S5 (SLP_TYP 0) here. */
    static const uint8_t states[6] = { 128, 0, 0, 1, 2, 128 };
    bad |= fw_cfg_add_file(f, "etc/system-states", states, sizeof(states));

    char order[PC_MAX_BOOT_PATHS * 128 + 8];
    long olen = pc_bootorder_file(cfg->boot_paths, cfg->nboot_paths < PC_MAX_BOOT_PATHS
                                                       ? cfg->nboot_paths : PC_MAX_BOOT_PATHS,
                                  cfg->boot_strict, order, sizeof(order));
    if (olen < 0) {
        snprintf(err, errlen, "bootorder: the boot device paths are too long");
        return -1;
    }
    bad |= fw_cfg_add_file(f, "bootorder", order, (size_t)olen);
    bad |= fw_cfg_add_file(f, "bios-geometry", "", 0);

    /* SeaBIOS's serial console (sercon) on COM1 when there is no display:
     * its banner, messages and boot menu go to the serial port, as with
     * QEMU's -nographic. */
    if (cfg->has_serial && cfg->nographic) {
        uint8_t port[2];
        put_le(port, SERIAL_COM1_BASE, 2);
        bad |= fw_cfg_add_file(f, "etc/sercon-port", port, sizeof(port));
    }
    if (bad) {
        snprintf(err, errlen, "fw_cfg: out of memory");
        return -1;
    }
    return add_option_roms(f, cfg, err, errlen);
}
