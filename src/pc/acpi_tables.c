/* The board's ACPI tables; see acpi_tables.h.  Layouts: ACPI 6.4 chapter
 * 5.2 (RSDP 5.2.5, RSDT 5.2.7, FADT 5.2.9 in its 2.0 form, FACS 5.2.10,
 * MADT 5.2.12), the IA-PC HPET specification 1.0a (3.2.4, the HPET
 * table) and Microsoft's WAET specification; the values are those of
 * QEMU 7.2's "pc" machine where it has the same hardware. */
#include "pc/acpi_tables.h"

#include <stdio.h>
#include <string.h>

#include "pc/acpi_dsdt.h"
#include "pc/pc_platform.h"

#define T ACPI_FILE_TABLES

static void pointer(struct acpi_tables *t, size_t at, unsigned size, size_t target)
{
    acpi_set_le(&t->tables, at, target, size);
    acpi_loader_add_pointer(&t->loader, T, (uint32_t)at, (uint8_t)size, T);
}

/* FACS (5.2.10): 64 bytes, 64-byte aligned, no header checksum; the
 * firmware waking vector and global lock stay 0 (no S3, no SMM). */
static size_t build_facs(struct acpi_blob *b)
{
    acpi_align(b, 64);
    size_t at = acpi_put(b, "FACS", 4);
    acpi_put_le(b, 64, 4);
    acpi_put(b, NULL, 56);
    return at;
}

/* The DSDT, with the board's values in its Names (acpi_dsdt.h). */
static size_t build_dsdt(struct acpi_tables *t, const struct acpi_config *c)
{
    struct acpi_blob *b = &t->tables;
    size_t at = acpi_put(b, acpi_dsdt_aml, acpi_dsdt_aml_len);
    acpi_set_le(b, at + acpi_dsdt_off_pcis, c->pci_start, 4);
    acpi_set_le(b, at + acpi_dsdt_off_hpte, c->apic, 4);
    acpi_set_le(b, at + acpi_dsdt_off_ncpu, c->cpus, 4);
    acpi_set_le(b, at + acpi_dsdt_off_uar1, c->com1, 4);
    acpi_table_end(b, at, &t->loader, T);
    return at;
}

/* FADT revision 3 (the ACPI 2.0 layout QEMU's q35 uses; the pc machine's
 * revision 1 has no reset register). */
static size_t build_fadt(struct acpi_tables *t, const struct acpi_config *c, size_t facs,
                         size_t dsdt)
{
    struct acpi_blob *b = &t->tables;
    uint16_t pm = c->pm_base;
    size_t at = acpi_table_begin(b, "FACP", 3);
    size_t firmware_ctrl = acpi_put_le(b, 0, 4);
    size_t dsdt_ptr = acpi_put_le(b, 0, 4);
    acpi_put_le(b, 1, 1);                         /* INT_MODEL (1.0): APIC */
    acpi_put_le(b, 0, 1);                         /* preferred PM profile: unspecified */
    acpi_put_le(b, ACPI_SCI_IRQ, 2);
    acpi_put_le(b, ACPI_SMI_CMD, 4);
    acpi_put_le(b, ACPI_ENABLE_CMD, 1);
    acpi_put_le(b, ACPI_DISABLE_CMD, 1);
    acpi_put_le(b, 0, 1);                         /* S4BIOS_REQ */
    acpi_put_le(b, 0, 1);                         /* PSTATE_CNT */
    acpi_put_le(b, pm, 4);                        /* PM1a_EVT_BLK: PM1a_STS, PM1a_EN */
    acpi_put_le(b, 0, 4);                         /* PM1b_EVT_BLK */
    acpi_put_le(b, pm + 4u, 4);                   /* PM1a_CNT_BLK */
    acpi_put_le(b, 0, 4);                         /* PM1b_CNT_BLK */
    acpi_put_le(b, 0, 4);                         /* PM2_CNT_BLK */
    acpi_put_le(b, pm + 8u, 4);                   /* PM_TMR_BLK */
    acpi_put_le(b, ACPI_GPE0_BLK, 4);
    acpi_put_le(b, 0, 4);                         /* GPE1_BLK */
    acpi_put_le(b, 4, 1);                         /* PM1_EVT_LEN */
    acpi_put_le(b, 2, 1);                         /* PM1_CNT_LEN */
    acpi_put_le(b, 0, 1);                         /* PM2_CNT_LEN */
    acpi_put_le(b, 4, 1);                         /* PM_TMR_LEN */
    acpi_put_le(b, 4, 1);                         /* GPE0_BLK_LEN */
    acpi_put_le(b, 0, 1);                         /* GPE1_BLK_LEN */
    acpi_put_le(b, 0, 1);                         /* GPE1_BASE */
    acpi_put_le(b, 0, 1);                         /* CST_CNT */
    acpi_put_le(b, 0xFFF, 2);                     /* P_LVL2_LAT: no C2 */
    acpi_put_le(b, 0xFFF, 2);                     /* P_LVL3_LAT: no C3 */
    acpi_put_le(b, 0, 2);                         /* FLUSH_SIZE */
    acpi_put_le(b, 0, 2);                         /* FLUSH_STRIDE */
    acpi_put_le(b, 0, 1);                         /* DUTY_OFFSET */
    acpi_put_le(b, 0, 1);                         /* DUTY_WIDTH */
    acpi_put_le(b, 0, 1);                         /* DAY_ALRM */
    acpi_put_le(b, 0, 1);                         /* MON_ALRM */
    acpi_put_le(b, ACPI_RTC_CENTURY, 1);
    /* ISA devices and an 8042: without the 8042 bit a revision 2+ FADT
     * makes Linux skip the keyboard controller. */
    acpi_put_le(b, ACPI_BOOT_LEGACY_DEVICES | ACPI_BOOT_8042, 2);
    acpi_put_le(b, 0, 1);                         /* reserved */
    /* PWR_BUTTON clear: the power button is the fixed-feature one. */
    acpi_put_le(b, ACPI_FADT_WBINVD | ACPI_FADT_PROC_C1 | ACPI_FADT_SLP_BUTTON |
                       ACPI_FADT_RTC_S4 | ACPI_FADT_RESET_REG_SUP |
                       ACPI_FADT_USE_PLATFORM_CLOCK, 4);
    acpi_put_gas(b, ACPI_GAS_IO, 8, 0, 0, ACPI_RESET_PORT);
    acpi_put_le(b, ACPI_RESET_VALUE, 1);
    acpi_put(b, NULL, 3);                         /* reserved */
    acpi_put_le(b, 0, 8);                         /* X_FIRMWARE_CTRL: FIRMWARE_CTRL rules */
    size_t x_dsdt = acpi_put_le(b, 0, 8);
    acpi_put_gas(b, ACPI_GAS_IO, 32, 0, 0, pm);           /* X_PM1a_EVT_BLK */
    acpi_put_gas(b, ACPI_GAS_MEMORY, 0, 0, 0, 0);         /* X_PM1b_EVT_BLK */
    acpi_put_gas(b, ACPI_GAS_IO, 16, 0, 0, pm + 4u);      /* X_PM1a_CNT_BLK */
    acpi_put_gas(b, ACPI_GAS_MEMORY, 0, 0, 0, 0);         /* X_PM1b_CNT_BLK */
    acpi_put_gas(b, ACPI_GAS_MEMORY, 0, 0, 0, 0);         /* X_PM2_CNT_BLK */
    acpi_put_gas(b, ACPI_GAS_IO, 32, 0, 0, pm + 8u);      /* X_PM_TMR_BLK */
    acpi_put_gas(b, ACPI_GAS_IO, 32, 0, 0, ACPI_GPE0_BLK); /* X_GPE0_BLK */
    acpi_put_gas(b, ACPI_GAS_MEMORY, 0, 0, 0, 0);         /* X_GPE1_BLK */
    pointer(t, firmware_ctrl, 4, facs);
    pointer(t, dsdt_ptr, 4, dsdt);
    pointer(t, x_dsdt, 8, dsdt);
    acpi_table_end(b, at, &t->loader, T);
    return at;
}

/* MADT (5.2.12), as QEMU's acpi_build_madt: a Processor Local APIC per CPU
 * (processor ID = the CPU index, the DSDT's _UID; APIC ID from the
 * topology, cpu/topo.h), the IOAPIC with GSI base 0, IRQ 0 on
 * GSI 2 (the PIT on the IOAPIC's pin 2), the PCI link IRQs 5, 9, 10 and 11
 * level triggered, active high, and LINT1 as NMI on every CPU. */
static size_t build_madt(struct acpi_tables *t, const struct acpi_config *c)
{
    struct acpi_blob *b = &t->tables;
    size_t at = acpi_table_begin(b, "APIC", 1);
    acpi_put_le(b, PC_LAPIC_BASE, 4);
    acpi_put_le(b, 1, 4);                         /* PCAT_COMPAT: 8259s too */
    for (unsigned i = 0; i < c->cpus; i++) {
        acpi_put_le(b, 0, 1);                     /* Processor Local APIC */
        acpi_put_le(b, 8, 1);
        acpi_put_le(b, i, 1);                     /* ACPI processor UID */
        acpi_put_le(b, c->apic_ids ? c->apic_ids[i] : i, 1); /* APIC ID */
        acpi_put_le(b, 1, 4);                     /* enabled */
    }
    acpi_put_le(b, 1, 1);                         /* I/O APIC */
    acpi_put_le(b, 12, 1);
    acpi_put_le(b, PC_IOAPIC_ID, 1);
    acpi_put_le(b, 0, 1);
    acpi_put_le(b, PC_IOAPIC_BASE, 4);
    acpi_put_le(b, 0, 4);                         /* GSI base */
    static const struct { uint8_t irq, gsi; uint16_t flags; } iso[] = {
        { 0, 2, 0x0000 },                         /* conforms to the bus: edge, high */
        { 5, 5, 0x000D }, { 9, 9, 0x000D },       /* level (3 << 2), active high (1) */
        { 10, 10, 0x000D }, { 11, 11, 0x000D },
    };
    for (unsigned i = 0; i < sizeof(iso) / sizeof(iso[0]); i++) {
        acpi_put_le(b, 2, 1);                     /* Interrupt Source Override */
        acpi_put_le(b, 10, 1);
        acpi_put_le(b, 0, 1);                     /* bus: ISA */
        acpi_put_le(b, iso[i].irq, 1);
        acpi_put_le(b, iso[i].gsi, 4);
        acpi_put_le(b, iso[i].flags, 2);
    }
    acpi_put_le(b, 4, 1);                         /* Local APIC NMI */
    acpi_put_le(b, 6, 1);
    acpi_put_le(b, 0xFF, 1);                      /* all processors */
    acpi_put_le(b, 0, 2);
    acpi_put_le(b, 1, 1);                         /* LINT1 */
    acpi_table_end(b, at, &t->loader, T);
    return at;
}

/* HPET table (IA-PC HPET 1.0a, 3.2.4): the block at PC_HPET_BASE, number 0. */
static size_t build_hpet(struct acpi_tables *t)
{
    struct acpi_blob *b = &t->tables;
    size_t at = acpi_table_begin(b, "HPET", 1);
    acpi_put_le(b, ACPI_HPET_BLOCK_ID, 4);
    acpi_put_gas(b, ACPI_GAS_MEMORY, 0, 0, 0, PC_HPET_BASE);
    acpi_put_le(b, 0, 1);                         /* HPET number */
    acpi_put_le(b, 0, 2);                         /* minimum clock tick */
    acpi_put_le(b, 0, 1);                         /* page protection: none */
    acpi_table_end(b, at, &t->loader, T);
    return at;
}

/* WAET: the PM timer is good to read once (no errata loop). */
static size_t build_waet(struct acpi_tables *t)
{
    struct acpi_blob *b = &t->tables;
    size_t at = acpi_table_begin(b, "WAET", 1);
    acpi_put_le(b, 1u << 1, 4);                   /* ACPI_PM_TIMER_GOOD */
    acpi_table_end(b, at, &t->loader, T);
    return at;
}

static size_t build_rsdt(struct acpi_tables *t, const size_t *tables, unsigned n)
{
    struct acpi_blob *b = &t->tables;
    size_t at = acpi_table_begin(b, "RSDT", 1);
    for (unsigned i = 0; i < n; i++)
        pointer(t, acpi_put_le(b, 0, 4), 4, tables[i]);
    acpi_table_end(b, at, &t->loader, T);
    return at;
}

/* RSDP revision 0 (ACPI 1.0: 20 bytes, no XSDT). */
static void build_rsdp(struct acpi_tables *t, size_t rsdt)
{
    struct acpi_blob *b = &t->rsdp;
    acpi_put(b, "RSD PTR ", 8);
    acpi_put_le(b, 0, 1);                         /* checksum */
    acpi_put(b, ACPI_OEM_ID, 6);
    acpi_put_le(b, 0, 1);                         /* revision */
    size_t ptr = acpi_put_le(b, rsdt, 4);
    acpi_loader_add_pointer(&t->loader, ACPI_FILE_RSDP, (uint32_t)ptr, 4, T);
    if (!b->failed)
        b->data[8] = acpi_checksum(b->data, 20);
    acpi_loader_add_checksum(&t->loader, ACPI_FILE_RSDP, 8, 0, 20);
}

int acpi_build_tables(const struct acpi_config *c, struct acpi_tables *t)
{
    *t = (struct acpi_tables){ 0 };
    /* The files first, as QEMU: the tables in high memory (64-byte
     * alignment for the FACS), the RSDP in the F segment, where the OS
     * scans for it. */
    acpi_loader_allocate(&t->loader, T, 64, ACPI_LOADER_ZONE_HIGH);
    acpi_loader_allocate(&t->loader, ACPI_FILE_RSDP, 16, ACPI_LOADER_ZONE_FSEG);
    size_t facs = build_facs(&t->tables);
    size_t dsdt = build_dsdt(t, c);
    size_t list[4];
    unsigned n = 0;
    list[n++] = build_fadt(t, c, facs, dsdt);
    if (c->apic) {
        list[n++] = build_madt(t, c);
        list[n++] = build_hpet(t);
    }
    list[n++] = build_waet(t);
    build_rsdp(t, build_rsdt(t, list, n));
    t->tables_used = t->tables.len;
    if (t->tables.len < ACPI_TABLES_FILE_SIZE)
        acpi_put(&t->tables, NULL, ACPI_TABLES_FILE_SIZE - t->tables.len);
    if (t->tables.failed || t->rsdp.failed || t->loader.failed) {
        acpi_tables_free(t);
        return -1;
    }
    return 0;
}

void acpi_tables_free(struct acpi_tables *t)
{
    acpi_blob_free(&t->tables);
    acpi_blob_free(&t->rsdp);
    acpi_blob_free(&t->loader);
}

int acpi_tables_link(const struct acpi_tables *t, uint32_t rsdp_addr, uint32_t tables_addr,
                     uint8_t *rsdp, uint8_t *tables, char *err, size_t errlen)
{
    memcpy(rsdp, t->rsdp.data, t->rsdp.len);
    memcpy(tables, t->tables.data, t->tables.len);
    struct acpi_loader_file files[] = {
        { .name = ACPI_FILE_TABLES, .data = tables, .size = t->tables.len,
          .addr = tables_addr },
        { .name = ACPI_FILE_RSDP, .data = rsdp, .size = t->rsdp.len, .addr = rsdp_addr },
    };
    return acpi_loader_run(t->loader.data, t->loader.len, files, 2, err, errlen);
}
