/* The board's ACPI tables, checked as acpidump and a guest's OS would read
 * them (issue 19):
 *
 *  - built for the APIC on and off, with 1 and 4 CPUs, linked by running
 *    the "etc/table-loader" commands (the same list SeaBIOS runs) for
 *    chosen addresses, then walked from the RSDP: every signature, length
 *    and checksum, the RSDT's list, the FADT's fields (PM blocks at the
 *    PIIX4 base, SCI, reset register, FACS and DSDT pointers), the MADT's
 *    entries (a local APIC per CPU, the IOAPIC, the overrides), the HPET
 *    table, and the DSDT's patched values;
 *  - the loader refuses malformed commands and skips unknown ones;
 *  - a board's -kernel setup: the tables in RAM at 0xF0000 walk the same,
 *    the PM block is at 0x600, and the power button raises the SCI on
 *    IRQ 9 through the 8259s once the guest enables it; S5 powers off.
 * tests/acpi-dsdt.sh disassembles the DSDT with iasl; tests/pc/acpi.py
 * walks the tables SeaBIOS installs and boots Linux on them. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dev/pic.h"
#include "dev/piix4_pm.h"
#include "machine/vm.h"
#include "pc/acpi_dsdt.h"
#include "pc/acpi_tables.h"
#include "pc/pc.h"
#include "pc/pc_acpi.h"
#include "pc/pc_platform.h"

/* Guest memory as the walk reads it. */
struct view {
    uint8_t (*rd)(void *opaque, uint32_t pa);
    void *opaque;
};

static uint32_t rd(const struct view *v, uint32_t pa, unsigned n)
{
    uint32_t x = 0;
    for (unsigned i = 0; i < n; i++)
        x |= (uint32_t)v->rd(v->opaque, pa + i) << (8 * i);
    return x;
}

static uint8_t sum(const struct view *v, uint32_t pa, uint32_t len)
{
    uint8_t s = 0;
    for (uint32_t i = 0; i < len; i++)
        s = (uint8_t)(s + v->rd(v->opaque, pa + i));
    return s;
}

static bool sig_is(const struct view *v, uint32_t pa, const char *sig)
{
    for (unsigned i = 0; i < 4; i++)
        if (v->rd(v->opaque, pa + i) != (uint8_t)sig[i])
            return false;
    return true;
}

/* A table with a header: its signature, a length at least the header's,
 * a zero byte sum, QEMU's OEM ID.  Returns its length (0 if bad). */
static uint32_t check_table(const struct view *v, uint32_t pa, const char *sig)
{
    CHECK(sig_is(v, pa, sig));
    uint32_t len = rd(v, pa + 4, 4);
    CHECK(len >= 36 && len < 0x10000);
    if (len < 36 || len >= 0x10000)
        return 0;
    CHECK_EQ(sum(v, pa, len), 0);
    CHECK_EQ(rd(v, pa + 10, 4), 0x48434F42u);   /* "BOCH" */
    return len;
}

struct expect {
    bool apic;
    unsigned cpus;
    bool com1;
    uint32_t pci_start;
};

static void check_fadt(const struct view *v, uint32_t fadt, const struct expect *e)
{
    CHECK_EQ(check_table(v, fadt, "FACP"), ACPI_FADT_SIZE);
    CHECK_EQ(rd(v, fadt + 8, 1), 3);
    CHECK_EQ(rd(v, fadt + ACPI_FADT_SCI_INT, 2), 9);
    CHECK_EQ(rd(v, fadt + ACPI_FADT_SMI_CMD, 4), 0xB2);
    CHECK_EQ(rd(v, fadt + 52, 1), 0xF1);
    CHECK_EQ(rd(v, fadt + 53, 1), 0xF0);
    CHECK_EQ(rd(v, fadt + ACPI_FADT_PM1A_EVT, 4), 0x600);
    CHECK_EQ(rd(v, fadt + 60, 4), 0);                        /* no PM1b */
    CHECK_EQ(rd(v, fadt + ACPI_FADT_PM1A_CNT, 4), 0x604);
    CHECK_EQ(rd(v, fadt + ACPI_FADT_PM_TMR, 4), 0x608);
    CHECK_EQ(rd(v, fadt + ACPI_FADT_GPE0, 4), 0xAFE0);
    CHECK_EQ(rd(v, fadt + 88, 4), 0x04000204u);              /* EVT 4, CNT 2, TMR 4 */
    CHECK_EQ(rd(v, fadt + 92, 1), 4);                        /* GPE0 4 */
    CHECK_EQ(rd(v, fadt + ACPI_FADT_CENTURY, 1), 0x32);
    CHECK_EQ(rd(v, fadt + ACPI_FADT_BOOT_ARCH, 2), 3);
    uint32_t flags = rd(v, fadt + ACPI_FADT_FLAGS, 4);
    CHECK(flags & ACPI_FADT_RESET_REG_SUP);
    CHECK(!(flags & ACPI_FADT_PWR_BUTTON));                  /* fixed power button */
    CHECK(!(flags & ACPI_FADT_TMR_VAL_EXT));                 /* 24-bit PM timer */
    CHECK_EQ(rd(v, fadt + ACPI_FADT_RESET_REG, 4), 0x00000801u);  /* I/O, 8 bits */
    CHECK_EQ(rd(v, fadt + ACPI_FADT_RESET_REG + 4, 4), 0xCF9);
    CHECK_EQ(rd(v, fadt + ACPI_FADT_RESET_REG + 8, 4), 0);
    CHECK_EQ(rd(v, fadt + ACPI_FADT_RESET_VALUE, 1), 6);
    /* X_PM1a_EVT_BLK, X_PM_TMR_BLK agree with the 32-bit fields. */
    CHECK_EQ(rd(v, fadt + 148, 4), 0x00002001u);
    CHECK_EQ(rd(v, fadt + 152, 4), 0x600);
    CHECK_EQ(rd(v, fadt + 208, 4), 0x00002001u);
    CHECK_EQ(rd(v, fadt + 212, 4), 0x608);

    uint32_t facs = rd(v, fadt + ACPI_FADT_FIRMWARE_CTRL, 4);
    CHECK(sig_is(v, facs, "FACS"));
    CHECK_EQ(rd(v, facs + 4, 4), 64);
    CHECK_EQ(facs & 63, 0);
    uint32_t dsdt = rd(v, fadt + ACPI_FADT_DSDT, 4);
    CHECK_EQ(rd(v, fadt + ACPI_FADT_X_DSDT, 4), dsdt);
    CHECK_EQ(rd(v, fadt + ACPI_FADT_X_DSDT + 4, 4), 0);
    CHECK_EQ(check_table(v, dsdt, "DSDT"), acpi_dsdt_aml_len);
    CHECK_EQ(rd(v, dsdt + acpi_dsdt_off_pcis, 4), e->pci_start);
    CHECK_EQ(rd(v, dsdt + acpi_dsdt_off_hpte, 4), e->apic);
    CHECK_EQ(rd(v, dsdt + acpi_dsdt_off_ncpu, 4), e->cpus);
    CHECK_EQ(rd(v, dsdt + acpi_dsdt_off_uar1, 4), e->com1);
}

static void check_madt(const struct view *v, uint32_t madt, const struct expect *e)
{
    uint32_t len = check_table(v, madt, "APIC");
    CHECK_EQ(rd(v, madt + 36, 4), PC_LAPIC_BASE);
    CHECK_EQ(rd(v, madt + 40, 4), 1);                        /* PCAT_COMPAT */
    unsigned cpus = 0, ioapics = 0, nmis = 0, isos = 0;
    uint32_t at = madt + 44;
    while (at + 2 <= madt + len) {
        unsigned type = rd(v, at, 1), elen = rd(v, at + 1, 1);
        CHECK(elen >= 2 && at + elen <= madt + len);
        if (elen < 2)
            break;
        if (type == 0) {
            CHECK_EQ(elen, 8);
            CHECK_EQ(rd(v, at + 2, 1), cpus);                /* processor UID */
            CHECK_EQ(rd(v, at + 3, 1), cpus);                /* APIC ID */
            CHECK_EQ(rd(v, at + 4, 4), 1);                   /* enabled */
            cpus++;
        } else if (type == 1) {
            CHECK_EQ(elen, 12);
            CHECK_EQ(rd(v, at + 2, 1), PC_IOAPIC_ID);
            CHECK_EQ(rd(v, at + 4, 4), PC_IOAPIC_BASE);
            CHECK_EQ(rd(v, at + 8, 4), 0);
            ioapics++;
        } else if (type == 2) {
            CHECK_EQ(elen, 10);
            unsigned irq = rd(v, at + 3, 1);
            uint32_t gsi = rd(v, at + 4, 4), flags = rd(v, at + 8, 2);
            static const uint8_t want_irq[] = { 0, 5, 9, 10, 11 };
            CHECK(isos < 5 && irq == want_irq[isos]);
            CHECK_EQ(gsi, irq == 0 ? 2 : irq);
            CHECK_EQ(flags, irq == 0 ? 0 : 0xD);             /* 9: level, active high */
            isos++;
        } else if (type == 4) {
            CHECK_EQ(elen, 6);
            CHECK_EQ(rd(v, at + 2, 1), 0xFF);
            CHECK_EQ(rd(v, at + 5, 1), 1);                   /* LINT1 */
            nmis++;
        } else {
            CHECK(!"an unexpected MADT entry");
        }
        at += elen;
    }
    CHECK_EQ(at, madt + len);
    CHECK_EQ(cpus, e->cpus);
    CHECK_EQ(ioapics, 1);
    CHECK_EQ(isos, 5);
    CHECK_EQ(nmis, 1);
}

/* RSDP -> RSDT -> each table. */
static void walk(const struct view *v, uint32_t rsdp, const struct expect *e)
{
    CHECK(sig_is(v, rsdp, "RSD ") && sig_is(v, rsdp + 4, "PTR "));
    CHECK_EQ(sum(v, rsdp, 20), 0);
    CHECK_EQ(rd(v, rsdp + 15, 1), 0);                        /* revision 0 */
    uint32_t rsdt = rd(v, rsdp + 16, 4);
    uint32_t len = check_table(v, rsdt, "RSDT");
    unsigned n = len > 36 ? (len - 36) / 4 : 0;
    CHECK_EQ(len, 36 + 4 * n);
    CHECK_EQ(n, (e->apic ? 4u : 2u));
    bool seen_madt = false, seen_hpet = false, seen_fadt = false, seen_waet = false;
    for (unsigned i = 0; i < n; i++) {
        uint32_t t = rd(v, rsdt + 36 + 4 * i, 4);
        if (sig_is(v, t, "FACP")) {
            seen_fadt = true;
            check_fadt(v, t, e);
        } else if (sig_is(v, t, "APIC")) {
            seen_madt = true;
            check_madt(v, t, e);
        } else if (sig_is(v, t, "HPET")) {
            seen_hpet = true;
            CHECK_EQ(check_table(v, t, "HPET"), 56);
            CHECK_EQ(rd(v, t + 36, 4), ACPI_HPET_BLOCK_ID);
            CHECK_EQ(rd(v, t + 40, 4), 0);                   /* system memory */
            CHECK_EQ(rd(v, t + 44, 4), PC_HPET_BASE);
        } else if (sig_is(v, t, "WAET")) {
            seen_waet = true;
            CHECK_EQ(check_table(v, t, "WAET"), 40);
        } else {
            CHECK(!"an unexpected table in the RSDT");
        }
    }
    CHECK(seen_fadt && seen_waet);
    CHECK_EQ(seen_madt, e->apic);
    CHECK_EQ(seen_hpet, e->apic);
}

/* Two linked files at their addresses. */
struct files {
    uint32_t rsdp_at, tables_at;
    uint8_t *rsdp, *tables;
    size_t rsdp_len, tables_len;
};

static uint8_t files_rd(void *opaque, uint32_t pa)
{
    const struct files *f = opaque;
    if (pa >= f->rsdp_at && pa - f->rsdp_at < f->rsdp_len)
        return f->rsdp[pa - f->rsdp_at];
    if (pa >= f->tables_at && pa - f->tables_at < f->tables_len)
        return f->tables[pa - f->tables_at];
    return 0xFF;
}

static void test_built(bool apic, unsigned cpus)
{
    struct acpi_config c = { .cpus = cpus, .apic = apic, .com1 = cpus == 1,
                             .pci_start = 0x8000000, .pm_base = 0x600 };
    struct acpi_tables t;
    CHECK_EQ(acpi_build_tables(&c, &t), 0);
    /* Where SeaBIOS put QEMU's for -m 128: the F segment and high RAM. */
    struct files f = { .rsdp_at = 0xF59D0, .tables_at = 0x7FE0000,
                       .rsdp = malloc(t.rsdp.len), .tables = malloc(t.tables.len),
                       .rsdp_len = t.rsdp.len, .tables_len = t.tables.len };
    char err[128];
    CHECK_EQ(t.rsdp.len, 20);
    /* QEMU's file size; what follows the tables is zeros. */
    CHECK_EQ(t.tables.len, ACPI_TABLES_FILE_SIZE);
    CHECK(t.tables_used > 36 && t.tables_used < 0x10000 - 0x40);
    bool zeros = true;
    for (size_t i = t.tables_used; i < t.tables.len; i++)
        zeros &= t.tables.data[i] == 0;
    CHECK(zeros);
    CHECK_EQ(t.loader.len % ACPI_LOADER_ENTRY_SIZE, 0);
    CHECK_EQ(acpi_tables_link(&t, f.rsdp_at, f.tables_at, f.rsdp, f.tables, err,
                              sizeof(err)), 0);
    struct view v = { files_rd, &f };
    struct expect e = { .apic = apic, .cpus = cpus, .com1 = cpus == 1,
                        .pci_start = 0x8000000 };
    walk(&v, f.rsdp_at, &e);
    /* Linked elsewhere, the same walk holds: no address is built in. */
    f.rsdp_at = 0xF0000;
    f.tables_at = 0x1000000;
    CHECK_EQ(acpi_tables_link(&t, f.rsdp_at, f.tables_at, f.rsdp, f.tables, err,
                              sizeof(err)), 0);
    walk(&v, f.rsdp_at, &e);
    /* The unlinked files are consistent too (checksums right at base 0). */
    CHECK_EQ(acpi_checksum(t.rsdp.data, 20), 0);
    free(f.rsdp);
    free(f.tables);
    acpi_tables_free(&t);
}

/* The loader's run refuses what SeaBIOS would warn about. */
static void test_loader_errors(void)
{
    uint8_t a[16] = { 1, 2, 3 }, b[64] = { 0 };
    struct acpi_loader_file files[] = { { .name = "a", .data = a, .size = sizeof(a),
                                          .addr = 0xF0000 },
                                        { .name = "b", .data = b, .size = sizeof(b),
                                          .addr = 0x100040 } };
    char err[128];
    struct acpi_blob cmds = { 0 };
    acpi_loader_add_pointer(&cmds, "b", 0, 4, "a");         /* before ALLOCATE */
    CHECK_EQ(acpi_loader_run(cmds.data, cmds.len, files, 2, err, sizeof(err)), -1);
    acpi_blob_free(&cmds);

    acpi_loader_allocate(&cmds, "a", 16, ACPI_LOADER_ZONE_FSEG);
    acpi_loader_allocate(&cmds, "b", 64, ACPI_LOADER_ZONE_HIGH);
    size_t unknown = acpi_put(&cmds, NULL, ACPI_LOADER_ENTRY_SIZE);
    cmds.data[unknown] = 0x77;                              /* skipped */
    acpi_loader_add_pointer(&cmds, "b", 60, 4, "a");
    acpi_loader_add_checksum(&cmds, "a", 15, 0, 16);
    CHECK_EQ(acpi_loader_run(cmds.data, cmds.len, files, 2, err, sizeof(err)), 0);
    CHECK_EQ(acpi_get_le(b + 60, 4), 0xF0000);
    CHECK_EQ(acpi_checksum(a, 16), 0);
    for (unsigned bad = 0; bad < 5; bad++) {
        struct acpi_blob c2 = { 0 };
        acpi_loader_allocate(&c2, "a", bad == 0 ? 3 : 16, ACPI_LOADER_ZONE_FSEG);
        acpi_loader_allocate(&c2, "b", bad == 1 ? 128 : 64, ACPI_LOADER_ZONE_HIGH);
        acpi_loader_add_pointer(&c2, "b", bad == 2 ? 61 : 0, bad == 3 ? 3 : 4, "a");
        acpi_loader_add_checksum(&c2, "a", bad == 4 ? 16 : 0, 0, 16);
        CHECK_EQ(acpi_loader_run(c2.data, c2.len, files, 2, err, sizeof(err)), -1);
        acpi_blob_free(&c2);
    }
    CHECK_EQ(acpi_loader_run(cmds.data, cmds.len - 1, files, 2, err, sizeof(err)), -1);
    acpi_blob_free(&cmds);
}

static uint8_t ram_rd(void *opaque, uint32_t pa)
{
    struct vm *vm = opaque;
    return (uint8_t)phys_read(&vm->mem, pa, 1);
}

/* The -kernel setup on a board: tables in RAM, the PM block at 0x600, the
 * power button's SCI through the 8259s, S5. */
static void test_board(bool apic)
{
    struct pc_config cfg = { .ram_mb = 32, .cpu_level = CPU_486, .apic = apic, .cpus = 1,
                             .has_serial = true };
    char err[256];
    struct pc *pc = pc_create(&cfg, err, sizeof(err));
    CHECK(pc != NULL);
    if (!pc) {
        fprintf(stderr, "pc_create: %s\n", err);
        return;
    }
    struct vm *vm = pc->vm;
    /* The F segment in RAM, as for a -kernel boot (pc_chipset.c). */
    uint32_t host = pci_bdf(0, 0, 0);
    pci_config_write(pc->pci, host, 0x59, 0x30, 1);
    CHECK_EQ(pc_acpi_firmware_setup(pc), PC_ACPI_KERNEL_RSDP);
    struct view v = { ram_rd, vm };
    struct expect e = { .apic = apic, .cpus = 1, .com1 = true, .pci_start = 32u << 20 };
    walk(&v, PC_ACPI_KERNEL_RSDP, &e);

    /* The PM timer answers at the FADT's PM_TMR_BLK. */
    CHECK(iobus_in(&vm->io, 0x608, 4) <= 0xFFFFFF);
    CHECK_EQ(iobus_in(&vm->io, 0x600, 2) & PM1_PWRBTN_STS, 0);
    /* A press before the guest enabled anything: status only. */
    const struct pic_chip *slave = &pc->pic->chip[1];
    pc_power_button(pc);
    CHECK(iobus_in(&vm->io, 0x600, 2) & PM1_PWRBTN_STS);
    CHECK(!(slave->pins & (1u << 1)));
    CHECK_EQ(pc->pm->sci_raises, 0);
    iobus_out(&vm->io, 0x600, PM1_PWRBTN_STS, 2);             /* write 1 to clear */
    CHECK_EQ(iobus_in(&vm->io, 0x600, 2) & PM1_PWRBTN_STS, 0);
    /* ACPI mode (the FADT's SMI_CMD and ACPI_ENABLE), PWRBTN_EN: the press
     * raises IRQ 9 on the slave 8259 until the status is cleared. */
    iobus_out(&vm->io, 0xB2, 0xF1, 1);
    CHECK(iobus_in(&vm->io, 0x604, 2) & PM1_SCI_EN);
    iobus_out(&vm->io, 0x602, PM1_PWRBTN_EN, 2);
    struct signal_request button = pc_power_button_request(pc);
    signal_fire(&button, 0);
    CHECK(slave->pins & (1u << 1));
    CHECK_EQ(pc->pm->sci_raises, 1);
    CHECK_EQ(pc->pm->power_button_presses, 2);
    iobus_out(&vm->io, 0x600, PM1_PWRBTN_STS, 2);
    CHECK(!(slave->pins & (1u << 1)));
    /* The FADT's reset register resets the machine (what Linux's reboot
     * tries first, and SeaBIOS's). */
    iobus_out(&vm->io, ACPI_RESET_PORT, ACPI_RESET_VALUE, 1);
    CHECK_EQ(vm->exit_reason, VM_EXIT_RESET);
    vm->exit_reason = VM_EXIT_NONE;
    vm->cpu.stop_request = false;
    /* S5 from the DSDT's \_S5 (SLP_TYP 0). */
    iobus_out(&vm->io, 0x604, PM1_SLP_EN | PM1_SCI_EN, 2);
    CHECK_EQ(vm->exit_reason, VM_EXIT_POWEROFF);
    CHECK_EQ(pc->pm->poweroffs, 1);
    pc_destroy(pc);
}

/* QEMU 7.2's MADT for -M pc with 1 and 4 CPUs, and its HPET table, as
 * SeaBIOS installed them (read out of guest memory with the monitor's
 * pmemsave; the checksums are those of the unlinked tables too, as the
 * MADT and HPET hold no pointers).  Ours must be the same bytes. */
static const uint8_t qemu_madt1[120] =
    "\x41\x50\x49\x43\x78\x00\x00\x00\x01\x8a\x42\x4f\x43\x48\x53\x20"
    "\x42\x58\x50\x43\x20\x20\x20\x20\x01\x00\x00\x00\x42\x58\x50\x43"
    "\x01\x00\x00\x00\x00\x00\xe0\xfe\x01\x00\x00\x00\x00\x08\x00\x00"
    "\x01\x00\x00\x00\x01\x0c\x00\x00\x00\x00\xc0\xfe\x00\x00\x00\x00"
    "\x02\x0a\x00\x00\x02\x00\x00\x00\x00\x00\x02\x0a\x00\x05\x05\x00"
    "\x00\x00\x0d\x00\x02\x0a\x00\x09\x09\x00\x00\x00\x0d\x00\x02\x0a"
    "\x00\x0a\x0a\x00\x00\x00\x0d\x00\x02\x0a\x00\x0b\x0b\x00\x00\x00"
    "\x0d\x00\x04\x06\xff\x00\x00\x01";
static const uint8_t qemu_madt4[144] =
    "\x41\x50\x49\x43\x90\x00\x00\x00\x01\x4b\x42\x4f\x43\x48\x53\x20"
    "\x42\x58\x50\x43\x20\x20\x20\x20\x01\x00\x00\x00\x42\x58\x50\x43"
    "\x01\x00\x00\x00\x00\x00\xe0\xfe\x01\x00\x00\x00\x00\x08\x00\x00"
    "\x01\x00\x00\x00\x00\x08\x01\x01\x01\x00\x00\x00\x00\x08\x02\x02"
    "\x01\x00\x00\x00\x00\x08\x03\x03\x01\x00\x00\x00\x01\x0c\x00\x00"
    "\x00\x00\xc0\xfe\x00\x00\x00\x00\x02\x0a\x00\x00\x02\x00\x00\x00"
    "\x00\x00\x02\x0a\x00\x05\x05\x00\x00\x00\x0d\x00\x02\x0a\x00\x09"
    "\x09\x00\x00\x00\x0d\x00\x02\x0a\x00\x0a\x0a\x00\x00\x00\x0d\x00"
    "\x02\x0a\x00\x0b\x0b\x00\x00\x00\x0d\x00\x04\x06\xff\x00\x00\x01";
static const uint8_t qemu_hpet[56] =
    "\x48\x50\x45\x54\x38\x00\x00\x00\x01\xb4\x42\x4f\x43\x48\x53\x20"
    "\x42\x58\x50\x43\x20\x20\x20\x20\x01\x00\x00\x00\x42\x58\x50\x43"
    "\x01\x00\x00\x00\x01\xa2\x86\x80\x00\x00\x00\x00\x00\x00\xd0\xfe"
    "\x00\x00\x00\x00\x00\x00\x00\x00";

/* The table with signature `sig` in the unlinked tables file, or NULL. */
static const uint8_t *find_table(const struct acpi_tables *t, const char *sig)
{
    for (size_t i = 0; i + 8 <= t->tables_used; i++)
        if (memcmp(t->tables.data + i, sig, 4) == 0 &&
            i + acpi_get_le(t->tables.data + i + 4, 4) <= t->tables_used)
            return t->tables.data + i;
    return NULL;
}

static void test_qemu_bytes(void)
{
    for (unsigned cpus = 1; cpus <= 4; cpus += 3) {
        struct acpi_config c = { .cpus = cpus, .apic = true, .com1 = true,
                                 .pci_start = 0x8000000, .pm_base = 0x600 };
        struct acpi_tables t;
        CHECK_EQ(acpi_build_tables(&c, &t), 0);
        const uint8_t *madt = find_table(&t, "APIC"), *hpet = find_table(&t, "HPET");
        const uint8_t *want = cpus == 1 ? qemu_madt1 : qemu_madt4;
        size_t n = cpus == 1 ? sizeof(qemu_madt1) : sizeof(qemu_madt4);
        CHECK(madt && memcmp(madt, want, n) == 0);
        CHECK(hpet && memcmp(hpet, qemu_hpet, sizeof(qemu_hpet)) == 0);
        acpi_tables_free(&t);
    }
}

int main(void)
{
    for (int apic = 0; apic < 2; apic++) {
        test_built(apic, 1);
        test_built(apic, 4);
        test_board(apic);
    }
    test_loader_errors();
    test_qemu_bytes();
    return check_report();
}
