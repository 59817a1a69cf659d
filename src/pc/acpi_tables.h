/* The board's ACPI tables (ACPI 6.4 chapter 5; what QEMU's "pc" machine
 * gives, hw/i386/acpi-build.c and acpi-common.c), built once per board:
 *
 *   "etc/acpi/tables": FACS, DSDT (src/pc/acpi/dsdt.asl, patched), FADT
 *     (revision 3: the PM1a blocks and PM timer at pm_base, GPE0 at
 *     0xAFE0, SCI 9, SMI_CMD 0xB2 with QEMU's enable/disable values, the
 *     reset register 0xCF9 value 6, century 0x32, IA-PC boot flags "legacy
 *     devices" and "8042"), MADT and HPET (only with `apic`), WAET, RSDT;
 *   "etc/acpi/rsdp": the RSDP, revision 0 (ACPI 1.0, RSDT only) as QEMU's
 *     pc machine;
 *   "etc/table-loader": the BIOS linker/loader commands (acpi_build.h)
 *     that place both and fill in their pointers and checksums.
 *
 * Pointers inside the files hold offsets into "etc/acpi/tables" until the
 * loader adds the file's address; checksums are right for the unlinked
 * files and are redone by the loader. */
#ifndef PLEX86_PC_ACPI_TABLES_H
#define PLEX86_PC_ACPI_TABLES_H

#include <stdbool.h>
#include <stdint.h>

#include "pc/acpi_build.h"

#define ACPI_FILE_TABLES "etc/acpi/tables"
#define ACPI_FILE_RSDP "etc/acpi/rsdp"
#define ACPI_FILE_LOADER "etc/table-loader"

/* The PIIX4 PM function's other fixed ports (dev/piix4_pm.h), and the
 * FADT's fixed values. */
#define ACPI_SCI_IRQ 9
#define ACPI_SMI_CMD 0xB2
#define ACPI_ENABLE_CMD 0xF1
#define ACPI_DISABLE_CMD 0xF0
#define ACPI_GPE0_BLK 0xAFE0
#define ACPI_RESET_PORT 0xCF9
#define ACPI_RESET_VALUE 0x06   /* PIIX RCR: SYS_RST | RST_CPU, a hard reset */
#define ACPI_RTC_CENTURY 0x32
/* The HPET's General Capabilities and ID register, low half (IA-PC HPET
 * 1.0a, 2.3.1), as QEMU's: vendor 8086, legacy replacement capable,
 * 64-bit counter, 3 comparators (NUM_TIM_CAP 2), revision 1.  The HPET
 * table's "event timer block ID" must equal it. */
#define ACPI_HPET_BLOCK_ID 0x8086A201u

/* FADT flags (ACPI 6.4 table 5.10). */
enum {
    ACPI_FADT_WBINVD = 1u << 0, ACPI_FADT_PROC_C1 = 1u << 2, ACPI_FADT_PWR_BUTTON = 1u << 4,
    ACPI_FADT_SLP_BUTTON = 1u << 5, ACPI_FADT_RTC_S4 = 1u << 7, ACPI_FADT_TMR_VAL_EXT = 1u << 8,
    ACPI_FADT_RESET_REG_SUP = 1u << 10, ACPI_FADT_USE_PLATFORM_CLOCK = 1u << 15,
};
/* IA-PC boot architecture flags (ACPI 6.4 table 5.11). */
enum { ACPI_BOOT_LEGACY_DEVICES = 1u << 0, ACPI_BOOT_8042 = 1u << 1 };

/* Byte offsets in the revision 3 FADT (ACPI 2.0, 244 bytes). */
enum {
    ACPI_FADT_FIRMWARE_CTRL = 36, ACPI_FADT_DSDT = 40, ACPI_FADT_SCI_INT = 46,
    ACPI_FADT_SMI_CMD = 48, ACPI_FADT_PM1A_EVT = 56, ACPI_FADT_PM1A_CNT = 64,
    ACPI_FADT_PM_TMR = 76, ACPI_FADT_GPE0 = 80, ACPI_FADT_CENTURY = 108,
    ACPI_FADT_BOOT_ARCH = 109, ACPI_FADT_FLAGS = 112, ACPI_FADT_RESET_REG = 116,
    ACPI_FADT_RESET_VALUE = 128, ACPI_FADT_X_DSDT = 140, ACPI_FADT_SIZE = 244,
};

struct acpi_config {
    unsigned cpus;         /* 1..8: a MADT entry and a processor device each */
    const uint8_t *apic_ids; /* CPU i's APIC ID (cpu/topo.h); NULL: i */
    bool apic;             /* local APICs, IOAPIC and HPET: MADT, HPET table */
    bool com1;             /* COM1's _STA */
    uint32_t pci_start;    /* the 32-bit PCI window: pci_start to the IOAPIC */
    uint16_t pm_base;      /* the PIIX4 PM block (PMBA) as the firmware sets it */
};

/* "etc/acpi/tables" is padded with zeros to this size, as QEMU's pc
 * machine pads it (ACPI_BUILD_TABLE_SIZE, kept for migration): SeaBIOS
 * then reserves the same top of RAM as under QEMU, and the e820 map the
 * guest sees is QEMU's. */
#define ACPI_TABLES_FILE_SIZE 0x20000u

struct acpi_tables {
    struct acpi_blob tables, rsdp, loader;
    size_t tables_used;    /* the tables' bytes before the padding */
};

/* Builds the three files for `c`.  Returns 0, or -1 when out of memory
 * (nothing to free then). */
int acpi_build_tables(const struct acpi_config *c, struct acpi_tables *t);
void acpi_tables_free(struct acpi_tables *t);

/* Links the files for the RSDP at `rsdp_addr` (16-byte aligned, in the F
 * segment) and the tables at `tables_addr` (64-byte aligned): runs the
 * loader's commands on `rsdp` and `tables`, copies of t's files of the
 * same sizes.  Returns 0, or -1 with a line in `err`. */
int acpi_tables_link(const struct acpi_tables *t, uint32_t rsdp_addr, uint32_t tables_addr,
                     uint8_t *rsdp, uint8_t *tables, char *err, size_t errlen);

#endif
