/* The board's chipset with a CPU running: what SeaBIOS relies on.
 *
 *  - PAM: real-mode code at F000:1000 runs from the BIOS image while
 *    PAM0's RE is clear and from the RAM under it while it is set, back
 *    and forth (the scanner, the block cache and the translator must
 *    drop what they hold); its data reads and stores follow RE and WE
 *    through the CPU's TLB; a snapshot restores the registers and the
 *    mapping;
 *  - the PIIX3's PIRQ routing as a guest programs it;
 *  - fw_cfg's contents as the board fills them (the files SeaBIOS reads),
 *    and the NVRAM bytes (memory, equipment, boot order, -boot once);
 *  - ACPI power-off: S5 through PM1a_CNT ends the run with
 *    VM_EXIT_POWEROFF. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "dev/cmos.h"
#include "dev/fw_cfg.h"
#include "dev/pic.h"
#include "dev/piix3.h"
#include "dev/piix4_pm.h"
#include "engine/engine.h"
#include "pc/pc.h"
#include "pc/pc_apic.h"
#include "dev/ioapic.h"
#include "pc/snapshot.h"

#define ROM_SIZE 0x10000u
static uint8_t rom[ROM_SIZE];

static void put(uint8_t *at, const char *bytes, size_t n)
{
    memcpy(at, bytes, n);
}

/* The code at offset 0x1000 of the F segment, in the image (AX = 0x1111)
 * and in the RAM under it (AX = 0x2222): load BX from CS:0x2000, store AX
 * at CS:0x3000, halt. */
#define CODE(ax) "\xB8" ax "\x2E\x8B\x1E\x00\x20\x2E\xA3\x00\x30\xF4"

static struct pc *board(struct pc_config *cfg)
{
    memset(rom, 0, sizeof(rom));
    put(rom + 0xFFF0, "\xEA\x00\x10\x00\xF0", 5);         /* ljmp F000:1000 */
    put(rom + 0x1000, CODE("\x11\x11"), 14);
    rom[0x2000] = 0x5A;
    rom[0x2001] = 0x5A;
    cfg->ram_mb = 16;
    cfg->bios_data = rom;
    cfg->bios_size = sizeof(rom);
    cfg->jit = true;
    char err[256];
    struct pc *pc = pc_create(cfg, err, sizeof(err));
    if (!pc) {
        fprintf(stderr, "pc_create: %s\n", err);
        exit(1);
    }
    uint8_t *ram = pc->vm->mem.ram;
    memcpy(ram + 0xF1000, CODE("\x22\x22"), 14);
    ram[0xF2000] = 0xA5;
    ram[0xF2001] = 0xA5;
    return pc;
}

static void set_pam0(struct pc *pc, uint8_t v)
{
    pci_config_write(pc->pci, pci_bdf(0, 0, 0), 0x59, v, 1);
}

/* Runs F000:1000 to its HLT. */
static void run_code(struct pc *pc)
{
    struct cpu *c = &pc->vm->cpu;
    c->eip = 0x1000;
    c->halted = false;
    c->gpr[R_EAX] = c->gpr[R_EBX] = 0;
    enum vm_exit_reason why = vm_run(pc->vm, 100);
    CHECK_EQ(why, VM_EXIT_HALTED);
    pc->vm->exit_reason = VM_EXIT_NONE;
}

static uint16_t ram16(struct pc *pc, uint32_t pa)
{
    return (uint16_t)(pc->vm->mem.ram[pa] | pc->vm->mem.ram[pa + 1] << 8);
}

/* The same in flat 32-bit protected mode at 0xF1100 (SeaBIOS's own
 * code runs so from the F segment), where blocks get translated. */
#define CODE32(eax) "\xB8" eax "\x8B\x1D\x00\x20\x0F\x00\xA3\x00\x30\x0F\x00\xF4"

static void run_code32(struct pc *pc)
{
    struct cpu *c = &pc->vm->cpu;
    c->cr0 |= CR0_PE;
    for (int s = 0; s < 6; s++)
        c->seg[s] = (struct seg){ .base = 0, .limit = 0xFFFFFFFFu, .sel = 8,
                                  .attr = (uint16_t)((s == S_CS ? 0x409B : 0x4093) |
                                                     SEG_ATTR_G) };
    cpu_mode_changed(c);
    c->eip = 0xF1100;
    c->halted = false;
    c->gpr[R_EAX] = c->gpr[R_EBX] = 0;
    CHECK_EQ(vm_run(pc->vm, 100), VM_EXIT_HALTED);
    pc->vm->exit_reason = VM_EXIT_NONE;
}

static void test_pam_translated(void)
{
    struct pc_config cfg = { 0 };
    struct pc *pc = board(&cfg);
    struct vm *vm = pc->vm;
    /* The board copied the image: put the code into its ROM through the
     * loader path, and into the RAM below. */
    CHECK_EQ(phys_copy_in(&vm->mem, 0xF1100, CODE32("\x11\x11\x11\x11"), 17), 17);
    memcpy(vm->mem.ram + 0xF1100, CODE32("\x22\x22\x22\x22"), 17);
    /* Hot enough to be translated, then switched: the translation of the
     * image's bytes must go with them. */
    for (unsigned i = 0; i < 40; i++) {
        run_code32(pc);
        CHECK_EQ(vm->cpu.gpr[R_EAX], 0x11111111u);
        CHECK_EQ(vm->cpu.gpr[R_EBX] & 0xFFFF, 0x5A5A);
    }
    if (engine_kind(vm->engine) == ENGINE_JIT) {
        struct engine_stats st;
        engine_stats(vm->engine, &st);
        CHECK(st.jit.blocks_translated > 0);
    }
    for (unsigned round = 0; round < 3; round++) {
        set_pam0(pc, 0x30);
        for (unsigned i = 0; i < 20; i++) {
            run_code32(pc);
            CHECK_EQ(vm->cpu.gpr[R_EAX], 0x22222222u);
            CHECK_EQ(vm->cpu.gpr[R_EBX] & 0xFFFF, 0xA5A5);
            CHECK_EQ(ram16(pc, 0xF3000), 0x2222);
        }
        set_pam0(pc, 0x00);
        for (unsigned i = 0; i < 20; i++) {
            run_code32(pc);
            CHECK_EQ(vm->cpu.gpr[R_EAX], 0x11111111u);
        }
    }
    pc_destroy(pc);
}

static void test_pam_cpu(void)
{
    struct pc_config cfg = { 0 };
    struct pc *pc = board(&cfg);
    struct vm *vm = pc->vm;
    /* From the reset vector: the far jump lands in the alias below 1 MiB,
     * which PAM0 = 0 leaves to the BIOS image. */
    CHECK_EQ(vm_run(vm, 100), VM_EXIT_HALTED);
    vm->exit_reason = VM_EXIT_NONE;
    CHECK_EQ(vm->cpu.gpr[R_EAX], 0x1111);
    CHECK_EQ(vm->cpu.gpr[R_EBX], 0x5A5A);
    CHECK_EQ(ram16(pc, 0xF3000), 0);               /* the store was lost */

    /* Back and forth: each switch must show the other bytes at once. */
    for (unsigned round = 0; round < 40; round++) {
        set_pam0(pc, 0x10);                        /* RE: read RAM */
        run_code(pc);
        CHECK_EQ(vm->cpu.gpr[R_EAX], 0x2222);
        CHECK_EQ(vm->cpu.gpr[R_EBX], 0xA5A5);
        CHECK_EQ(ram16(pc, 0xF3000), 0);           /* WE clear: lost */
        set_pam0(pc, 0x00);
        run_code(pc);
        CHECK_EQ(vm->cpu.gpr[R_EAX], 0x1111);
        CHECK_EQ(vm->cpu.gpr[R_EBX], 0x5A5A);
    }
    /* WE only: the image's code runs and its store lands in RAM, while
     * reads still come from the image. */
    set_pam0(pc, 0x20);
    run_code(pc);
    CHECK_EQ(vm->cpu.gpr[R_EAX], 0x1111);
    CHECK_EQ(ram16(pc, 0xF3000), 0x1111);
    CHECK_EQ(phys_read(&vm->mem, 0xF3000, 2), 0);
    /* RE and WE: RAM throughout, the store read back. */
    set_pam0(pc, 0x30);
    run_code(pc);
    CHECK_EQ(vm->cpu.gpr[R_EAX], 0x2222);
    CHECK_EQ(phys_read(&vm->mem, 0xF3000, 2), 0x2222);
    /* Code copied into shadow RAM by the guest runs once enabled (what
     * SeaBIOS does with itself). */
    set_pam0(pc, 0x20);
    memcpy(vm->mem.ram + 0xF1000, CODE("\x33\x33"), 14);
    set_pam0(pc, 0x10);
    run_code(pc);
    CHECK_EQ(vm->cpu.gpr[R_EAX], 0x3333);

    /* A snapshot keeps PAM0 and the mapping follows it on load. */
    char path[] = "/tmp/plex86-chipset-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    char err[256];
    set_pam0(pc, 0x30);
    CHECK_EQ(snapshot_save(pc, path, err, sizeof(err)), 0);
    struct pc_config cfg2 = { 0 };
    struct pc *other = board(&cfg2);
    CHECK_EQ(other->vm->mem.shadow[0xF1], PHYS_SHADOW_ON);
    CHECK_EQ(snapshot_load(other, path, false, err, sizeof(err)), 0);
    CHECK_EQ(pci_config_read(other->pci, pci_bdf(0, 0, 0), 0x59, 1), 0x30);
    CHECK_EQ(other->vm->mem.shadow[0xF1],
             PHYS_SHADOW_ON | PHYS_SHADOW_READ_RAM | PHYS_SHADOW_WRITE_RAM);
    CHECK_EQ(phys_read(&other->vm->mem, 0xF1000, 3), 0x3333B8);
    run_code(other);
    CHECK_EQ(other->vm->cpu.gpr[R_EAX], 0x3333);
    unlink(path);
    pc_destroy(other);

    /* A reset puts PAM back: the image again. */
    vm_reset(vm);
    CHECK_EQ(phys_read(&vm->mem, 0xF1000, 3), 0x1111B8);
    pc_destroy(pc);
}

/* PIRQRC: the routes a guest programs, the reserved values, a route that
 * changes while the line is high, two PIRQs on one IRQ. */
static void test_pirq(void)
{
    struct pc_config cfg = { 0 };
    struct pc *pc = board(&cfg);
    const uint32_t isa = pci_bdf(0, PC_PIIX_SLOT, 0);
    CHECK_EQ(pci_config_read(pc->pci, isa, 0, 4), 0x70008086u);
    CHECK_EQ(pci_config_read(pc->pci, isa, 0x08, 4) >> 8, 0x060100);
    CHECK_EQ(pci_config_read(pc->pci, isa, PCI_HEADER_TYPE, 1), 0x80);
    CHECK_EQ(pci_config_read(pc->pci, isa, 0x60, 4), 0x80808080u);
    static struct pci_function a, b;
    pci_function_init(&a, "a", 0x1234, 1, 0xFF0000, 1);
    pci_function_init(&b, "b", 0x1234, 2, 0xFF0000, 2);
    /* 00:06 INTA -> PIRQB; 00:06.1 INTB -> PIRQC (QEMU's swizzle). */
    CHECK_EQ(pci_register(pc->pci, &a, 6, 0, pc_pci_intx(pc, 6, 1)), 0);
    CHECK_EQ(pci_register(pc->pci, &b, 6, 1, pc_pci_intx(pc, 6, 2)), 0);
    const struct pic_chip *master = &pc->pic->chip[0], *slave = &pc->pic->chip[1];
    pci_set_irq(&a, true);
    CHECK_EQ(slave->pins, 0);
    pci_config_write(pc->pci, isa, 0x61, 0x0A, 1);    /* PIRQB -> IRQ 10 */
    CHECK(slave->pins & (1u << 2));
    pci_config_write(pc->pci, isa, 0x61, 0x05, 1);    /* moved to IRQ 5 */
    CHECK(!(slave->pins & (1u << 2)));
    CHECK(master->pins & (1u << 5));
    pci_config_write(pc->pci, isa, 0x61, 0x08, 1);    /* IRQ 8: reserved */
    CHECK(!(master->pins & (1u << 5)));
    CHECK(!(slave->pins & 1u));
    CHECK_EQ(piix3_pirq_route(pc->piix3, 1), -1);
    pci_config_write(pc->pci, isa, 0x61, 0x8B, 1);    /* disabled */
    CHECK_EQ(piix3_pirq_route(pc->piix3, 1), -1);
    CHECK_EQ(pci_config_read(pc->pci, isa, 0x61, 1), 0x8B);
    pci_config_write(pc->pci, isa, 0x61, 0xFB, 1);    /* bits 6-4 read 0 */
    CHECK_EQ(pci_config_read(pc->pci, isa, 0x61, 1), 0x8B);
    /* PIRQB and PIRQC both on IRQ 11: high while either is. */
    pci_config_write(pc->pci, isa, 0x61, 0x0B, 1);
    pci_config_write(pc->pci, isa, 0x62, 0x0B, 1);
    CHECK(slave->pins & (1u << 3));
    pci_set_irq(&b, true);
    pci_set_irq(&a, false);
    CHECK(slave->pins & (1u << 3));
    pci_set_irq(&b, false);
    CHECK(!(slave->pins & (1u << 3)));
    /* Reset: routes off again. */
    pci_set_irq(&a, true);
    vm_reset(pc->vm);
    CHECK_EQ(pci_config_read(pc->pci, isa, 0x60, 4), 0x80808080u);
    CHECK(!(slave->pins & (1u << 3)));
    pc_destroy(pc);
}

/* A line two sources share is a wired-OR (pc_apic.h): a PCI link routed
 * to COM1's IRQ 4 stays high at the 8259 and the IOAPIC while the UART
 * drives its line low, and two sources on one IRQ keep it up until both
 * let go; a snapshot of the lines keeps who drives what. */
static void test_shared_irq(void)
{
    struct pc_config cfg = { .apic = true };
    struct pc *pc = board(&cfg);
    CHECK(pc->ioapic != NULL);
    const uint32_t isa = pci_bdf(0, PC_PIIX_SLOT, 0);
    static struct pci_function a;
    pci_function_init(&a, "a", 0x1234, 1, 0xFF0000, 1);
    CHECK_EQ(pci_register(pc->pci, &a, 6, 0, pc_pci_intx(pc, 6, 1)), 0);   /* PIRQB */
    pci_config_write(pc->pci, isa, 0x61, 0x04, 1);    /* PIRQB -> IRQ 4 */
    const struct pic_chip *master = &pc->pic->chip[0];
    pci_set_irq(&a, true);
    CHECK(master->pins & (1u << 4));
    CHECK(pc->ioapic->levels & (1u << 4));
    /* The UART's interrupt line, low (nothing to say) and back: the link
     * still holds IRQ 4 up. */
    struct irq_pin uart = pc_isa_irq(pc, 4), other = pc_isa_irq(pc, 4);
    CHECK(uart.set != NULL && other.set != NULL);
    irq_pin_set(&uart, true);
    irq_pin_set(&uart, false);
    CHECK(master->pins & (1u << 4));
    CHECK(pc->ioapic->levels & (1u << 4));
    pci_set_irq(&a, false);
    CHECK(!(master->pins & (1u << 4)));
    CHECK(!(pc->ioapic->levels & (1u << 4)));
    /* Two sources: high while either is, in any order. */
    irq_pin_set(&uart, true);
    irq_pin_set(&other, true);
    irq_pin_set(&uart, false);
    CHECK(master->pins & (1u << 4));
    /* The lines' snapshot: who drives what, loaded back as it was. */
    struct device *d = &pc->lines->dev;
    struct state_out out;
    state_out_init(&out);
    d->ops->save(d, &out);
    irq_pin_set(&other, false);
    CHECK(!(pc->lines->isa & (1u << 4)));
    struct state_in in = state_in_of(out.buf, out.len);
    CHECK_EQ(d->ops->load(d, &in, true), 0);
    CHECK(pc->lines->isa & (1u << 4));
    irq_pin_set(&other, false);           /* the one source left lets go */
    CHECK(!(pc->lines->isa & (1u << 4)));
    CHECK(!(pc->lines->pic_out & (1u << 4)));
    /* A source this board does not have is refused. */
    out.buf[7] = 0x80;                    /* bit 63 of the sources */
    in = state_in_of(out.buf, out.len);
    CHECK_EQ(d->ops->load(d, &in, false), -1);
    state_out_free(&out);
    pc_destroy(pc);
}

/* An item read through the traditional interface. */
static size_t item(struct pc *pc, uint16_t key, uint8_t *buf, size_t cap)
{
    const struct fw_cfg_item *it = fw_cfg_item(pc->fw_cfg, key);
    size_t len = it && it->data ? it->len : 0;
    iobus_out(&pc->vm->io, FW_CFG_PORT, key, 2);
    for (size_t i = 0; i < len && i < cap; i++)
        buf[i] = (uint8_t)iobus_in(&pc->vm->io, FW_CFG_PORT + 1, 1);
    return len;
}

static size_t file(struct pc *pc, const char *name, uint8_t *buf, size_t cap)
{
    int key = fw_cfg_file_key(pc->fw_cfg, name);
    return key < 0 ? (size_t)-1 : item(pc, (uint16_t)key, buf, cap);
}

static uint64_t le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void test_fw_cfg_contents(void)
{
    struct pc_config cfg = { .has_serial = true, .nographic = true };
    struct pc *pc = board(&cfg);
    uint8_t b[256];
    CHECK_EQ(item(pc, FW_CFG_SIGNATURE, b, 4), 4);
    CHECK(memcmp(b, "QEMU", 4) == 0);
    CHECK_EQ(item(pc, FW_CFG_RAM_SIZE, b, 8), 8);
    CHECK_EQ(le(b, 8), 16u << 20);
    CHECK_EQ(item(pc, FW_CFG_NB_CPUS, b, 2), 2);
    CHECK_EQ(le(b, 2), 1);
    CHECK_EQ(item(pc, FW_CFG_MAX_CPUS, b, 2), 2);
    CHECK_EQ(le(b, 2), 1);
    CHECK_EQ(item(pc, FW_CFG_NOGRAPHIC, b, 2), 2);
    CHECK_EQ(le(b, 2), 1);
    CHECK_EQ(item(pc, FW_CFG_BOOT_MENU, b, 2), 2);
    CHECK_EQ(le(b, 2), 0);
    CHECK_EQ(item(pc, FW_CFG_NUMA, b, 16), 16);       /* no nodes, one CPU */
    CHECK_EQ(le(b, 8) | le(b + 8, 8), 0);
    CHECK_EQ(item(pc, FW_CFG_UUID, b, 16), 16);
    /* etc/e820: one 20-byte entry, RAM from 0 to the top. */
    CHECK_EQ(file(pc, "etc/e820", b, sizeof(b)), 20);
    CHECK_EQ(le(b, 8), 0);
    CHECK_EQ(le(b + 8, 8), 16u << 20);
    CHECK_EQ(le(b + 16, 4), 1);
    CHECK_EQ(file(pc, "etc/boot-fail-wait", b, 4), 4);
    CHECK_EQ(le(b, 4), 0xFFFFFFFFu);                  /* never retry */
    CHECK_EQ(file(pc, "etc/boot-menu-wait", b, 2), (size_t)-1);
    CHECK_EQ(file(pc, "bootorder", b, sizeof(b)), 0);
    CHECK_EQ(file(pc, "bios-geometry", b, sizeof(b)), 0);
    CHECK_EQ(file(pc, "etc/sercon-port", b, 2), 2);
    CHECK_EQ(le(b, 2), 0x3F8);
    CHECK_EQ(file(pc, "etc/system-states", b, 6), 6);
    CHECK_EQ(b[3] & 0x80, 0);                         /* S3 off */
    CHECK_EQ(b[4] & 0x80, 0);                         /* S4 off */
    CHECK_EQ(b[5], 0x80);                             /* S5 on, SLP_TYP 0 */
    /* NVRAM: 16 MiB, an FPU and the mouse port, one CPU, "cad". */
    CHECK_EQ(cmos_get_byte(pc->cmos, 0x15) | cmos_get_byte(pc->cmos, 0x16) << 8, 640);
    CHECK_EQ(cmos_get_byte(pc->cmos, 0x17) | cmos_get_byte(pc->cmos, 0x18) << 8, 15360);
    CHECK_EQ(cmos_get_byte(pc->cmos, 0x34), 0);
    CHECK_EQ(cmos_get_byte(pc->cmos, 0x14), 0x06);
    CHECK_EQ(cmos_get_byte(pc->cmos, 0x5F), 0);
    CHECK_EQ(cmos_get_byte(pc->cmos, 0x3D), 0x12);    /* c, then a */
    CHECK_EQ(cmos_get_byte(pc->cmos, 0x38), 0x30);    /* then d; signature check */
    pc_destroy(pc);

    /* The -boot settings, the bootorder mechanism, option ROMs, no COM1. */
    char rompath[] = "/tmp/plex86-optrom-XXXXXX";
    int fd = mkstemp(rompath);
    CHECK(fd >= 0);
    uint8_t optrom[512] = { 0x55, 0xAA, 1, 0xCB };
    CHECK_EQ(write(fd, optrom, sizeof(optrom)), (ssize_t)sizeof(optrom));
    close(fd);
    struct pc_config c2 = {
        .boot_order = "dn", .boot_once = "c", .boot_menu = true, .has_splash_time = true,
        .splash_time_ms = 2500, .has_reboot_timeout = true, .reboot_timeout_ms = 3000,
        .boot_strict = true, .nboot_paths = 2, .noption_roms = 1,
        .boot_paths = { "/pci@i0cf8/ide@1,1/drive@1/disk@0", "/rom@genroms/x.rom" },
        .option_roms = { rompath },
    };
    pc = board(&c2);
    CHECK_EQ(item(pc, FW_CFG_BOOT_MENU, b, 2), 2);
    CHECK_EQ(le(b, 2), 1);
    CHECK_EQ(file(pc, "etc/boot-menu-wait", b, 2), 2);
    CHECK_EQ(le(b, 2), 2500);
    CHECK_EQ(file(pc, "etc/boot-fail-wait", b, 4), 4);
    CHECK_EQ(le(b, 4), 3000);
    const char want[] = "/pci@i0cf8/ide@1,1/drive@1/disk@0\n/rom@genroms/x.rom\nHALT";
    CHECK_EQ(file(pc, "bootorder", b, sizeof(b)), sizeof(want));   /* NUL included */
    CHECK(memcmp(b, want, sizeof(want)) == 0);
    CHECK_EQ(file(pc, "etc/sercon-port", b, 2), (size_t)-1);        /* no COM1 */
    char romname[80];
    snprintf(romname, sizeof(romname), "genroms/%s", strrchr(rompath, '/') + 1);
    CHECK_EQ(file(pc, romname, b, 4), 512);
    CHECK(b[0] == 0x55 && b[1] == 0xAA && b[3] == 0xCB);
    /* -boot once=c for the first boot, "dn" after a reset. */
    CHECK_EQ(cmos_get_byte(pc->cmos, 0x3D), 0x02);
    CHECK_EQ(cmos_get_byte(pc->cmos, 0x38), 0x00);
    char err[256];
    CHECK_EQ(pc_reboot(pc, &pc->cfg, err, sizeof(err)), 0);
    CHECK_EQ(cmos_get_byte(pc->cmos, 0x3D), 0x43);    /* d, then n */
    CHECK_EQ(cmos_get_byte(pc->cmos, 0x38), 0x00);
    pc_destroy(pc);

    /* Errors: QEMU's words for a PC. */
    struct pc_config bad = { .boot_order = "cadn" };
    memset(rom, 0, sizeof(rom));
    bad.ram_mb = 16;
    bad.bios_data = rom;
    bad.bios_size = sizeof(rom);
    CHECK(pc_create(&bad, err, sizeof(err)) == NULL);
    CHECK_STR(err, "Too many boot devices for PC");
    bad.boot_order = "cf";
    CHECK(pc_create(&bad, err, sizeof(err)) == NULL);
    CHECK_STR(err, "Invalid boot device for PC: 'f'");
    bad.boot_order = NULL;
    bad.noption_roms = 1;
    bad.option_roms[0] = "/nonexistent/rom.bin";
    CHECK(pc_create(&bad, err, sizeof(err)) == NULL);
    CHECK(strstr(err, "/nonexistent/rom.bin") != NULL);
    /* An empty option ROM. */
    fd = open(rompath, O_WRONLY | O_TRUNC);
    close(fd);
    bad.option_roms[0] = rompath;
    CHECK(pc_create(&bad, err, sizeof(err)) == NULL);
    CHECK(strstr(err, "option ROM is empty") != NULL);
    unlink(rompath);
}

/* ACPI S5 through the PM function: the VM stops with VM_EXIT_POWEROFF. */
static void test_poweroff(void)
{
    struct pc_config cfg = { 0 };
    struct pc *pc = board(&cfg);
    struct vm *vm = pc->vm;
    const uint32_t pmf = pci_bdf(0, PC_PIIX_SLOT, PC_PIIX_PM_FN);
    CHECK_EQ(pci_config_read(pc->pci, pmf, 0, 4), 0x71138086u);
    pci_config_write(pc->pci, pmf, PIIX4_PMBA, 0xB001, 4);
    pci_config_write(pc->pci, pmf, PIIX4_PMREGMISC, 1, 1);
    iobus_out(&vm->io, 0xB004, 5u << 10 | PM1_SLP_EN, 2);   /* S? type 5: nothing */
    CHECK_EQ(vm->exit_reason, VM_EXIT_NONE);
    iobus_out(&vm->io, 0xB004, PM1_SLP_EN, 2);              /* S5 */
    CHECK_EQ(vm->exit_reason, VM_EXIT_POWEROFF);
    CHECK_STR(vm_exit_reason_name(VM_EXIT_POWEROFF), "poweroff");
    pc_destroy(pc);
}

/* With a kernel and no firmware, shadow RAM as a BIOS leaves it: the
 * whole of 0xC0000-0xFFFFF is RAM (as before there was PAM), also after a
 * reboot. */
static void test_kernel_pam(void)
{
    static const uint8_t mb[] = {
        /* A Multiboot a.out-kludge kernel: header, then HLT. */
        0x02, 0xB0, 0xAD, 0x1B, 0x00, 0x00, 0x01, 0x00, 0xFE, 0x4F, 0x51, 0xE4,
        0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x10, 0x00, 0x21, 0x00, 0x10, 0x00,
        0x21, 0x00, 0x10, 0x00, 0x20, 0x00, 0x10, 0x00, 0xF4,
    };
    struct pc_config cfg = { .ram_mb = 16, .kernel_data = mb, .kernel_size = sizeof(mb) };
    char err[256];
    struct pc *pc = pc_create(&cfg, err, sizeof(err));
    CHECK(pc != NULL);
    if (!pc) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    phys_write(&pc->vm->mem, 0xC8000, 0x77, 1);
    CHECK_EQ(phys_read(&pc->vm->mem, 0xC8000, 1), 0x77);
    CHECK_EQ(pci_config_read(pc->pci, pci_bdf(0, 0, 0), 0x5C, 4), 0x33333333u);
    CHECK_EQ(pc_reboot(pc, &pc->cfg, err, sizeof(err)), 0);
    CHECK_EQ(phys_read(&pc->vm->mem, 0xC8000, 1), 0x77);
    pc_destroy(pc);
}

int main(void)
{
    test_pam_cpu();
    test_pam_translated();
    test_pirq();
    test_shared_irq();
    test_fw_cfg_contents();
    test_poweroff();
    test_kernel_pam();
    return check_report();
}
