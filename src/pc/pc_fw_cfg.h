/* The board's fw_cfg contents (dev/fw_cfg.h), as QEMU's "pc" machine gives
 * them to SeaBIOS (hw/nvram/fw_cfg.c fw_cfg_common_realize and
 * fw_cfg_machine_reset, hw/i386/fw_cfg.c fw_cfg_arch_create):
 *
 *   numbered: SIGNATURE "QEMU", ID (traditional and DMA), UUID (16 zero
 *   bytes: no -uuid), RAM_SIZE, NOGRAPHIC, NB_CPUS, MAX_CPUS, BOOT_MENU,
 *   NUMA (no nodes: a zero count and one zero word per CPU);
 *   files: "bootorder" (the OpenFirmware paths, newline separated, "HALT"
 *   last with strict=on; empty without any, as QEMU), "bios-geometry"
 *   (empty: no LCHS overrides), "etc/boot-fail-wait" (reboot-timeout, -1
 *   by default: SeaBIOS then never retries), "etc/boot-menu-wait" (only
 *   with splash-time), "etc/e820" (the RAM below 4 GiB, QEMU's 20-byte
 *   entries), "etc/system-states" (S3 and S4 off: the PIIX4 function only
 *   powers off), "etc/sercon-port" (0x3F8 with COM1 and no display), and
 *   "genroms/NAME" per -option-rom.
 *
 * The ACPI tables ("etc/acpi/tables", "etc/acpi/rsdp", "etc/table-loader")
 * are added by pc_acpi.c.  Left out as this board has no such hardware: the
 * SMBIOS tables ("etc/smbios/...": SeaBIOS builds its own), the IRQ0
 * override and HPET items (no I/O APIC, no HPET), "etc/smi/..." (no SMM), "etc/reserved-memory-end" (no
 * memory hotplug), QEMU's "genroms/kvmvapic.bin" (a KVM helper). */
#ifndef PLEX86_PC_PC_FW_CFG_H
#define PLEX86_PC_PC_FW_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The most APIC IDs (cpu/topo.h) 8 CPUs can spread over: a socket field
 * above the core and thread fields, each rounded up to a power of two,
 * stays below 16. */
#define PC_FW_CFG_MAX_APIC_IDS 16u

struct fw_cfg;
struct pc_config;

/* Fills `f` for `cfg` with `ram` bytes of RAM (all below 4 GiB) and
 * `cpus` CPUs whose APIC IDs are below `apic_id_limit` (at most 16,
 * cpu_topo_apic_id_limit); reads the option ROM files.  Returns 0, or -1 with one
 * line in `err` (an unreadable or oversized option ROM, a bad -boot
 * value, more files than fw_cfg has slots). */
int pc_fw_cfg_fill(struct fw_cfg *f, const struct pc_config *cfg, uint32_t ram,
                   unsigned cpus, unsigned apic_id_limit, char *err, size_t errlen);

/* The "bootorder" file's bytes for `paths` (QEMU's get_boot_devices_list:
 * the paths joined by newlines, NUL terminated, "HALT" appended with
 * `strict` when there is any path).  Writes at most `cap` bytes to `out`;
 * returns the file's size (0 without paths), or -1 if it does not fit. */
long pc_bootorder_file(const char *const *paths, unsigned n, bool strict, char *out,
                       size_t cap);

#endif
