/* What the board writes into the RTC's NVRAM for the firmware, as QEMU's
 * pc_cmos_init does (hw/i386/pc.c): the memory sizes, the equipment byte,
 * the CPU count and the boot order.  The drive bytes (floppy types 0x10,
 * hard disks 0x12 and 0x19-0x2D, translation 0x39) belong to the drives'
 * code, through cmos_set_byte. */
#ifndef PLEX86_PC_PC_CMOS_H
#define PLEX86_PC_PC_CMOS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cmos;

#define PC_CMOS_EQUIPMENT 0x14
#define PC_CMOS_BOOT_FLAG1 0x38   /* bits 7-4: third boot device; bit 0: no
                                     floppy signature check */
#define PC_CMOS_BOOT_FLAG2 0x3D   /* bits 3-0: first, 7-4: second */
#define PC_CMOS_CPUS 0x5F         /* CPUs less one */
#define PC_DEFAULT_BOOT_ORDER "cad"

/* Memory (cmos_set_memory), the equipment byte (0x02 FPU when the CPU has
 * one, 0x04 PS/2 mouse: the 8042's aux port), the CPU count less one and
 * the boot order.  Returns 0, or -1 with a message for a bad order. */
int pc_cmos_init(struct cmos *c, uint32_t ram_below_4g, unsigned cpus, bool fpu,
                 const char *boot_order, char *err, size_t errlen);

/* QEMU's set_boot_dev: up to three of the letters a, b (floppy), c (hard
 * disk), d (CD-ROM), n (network) into 0x3D and 0x38, the floppy signature
 * check left on.  Returns 0, or -1 with QEMU's message ("Too many boot
 * devices for PC", "Invalid boot device for PC: 'x'") and nothing
 * written. */
int pc_cmos_boot_order(struct cmos *c, const char *order, char *err, size_t errlen);

#endif
