/* The PC board: firmware mapping like QEMU's -bios, and clear errors for bad
 * firmware files. */
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "dev/pic.h"
#include "dev/serial.h"
#include "pc/hostfile.h"
#include "pc/pc.h"
#include "machine/vm.h"

static uint8_t *make_image(size_t size)
{
    uint8_t *img = malloc(size);
    for (size_t i = 0; i < size; i++)
        img[i] = (uint8_t)(i ^ (i >> 8) ^ (i >> 16));
    return img;
}

static struct pc_config base_config(void)
{
    return (struct pc_config){ .ram_mb = 2, .cpu_level = CPU_486 };
}

/* An image of `size` bytes appears at 4G - size and its last 128 KiB (or all
 * of it) just below 1 MiB. */
static void check_mapping(size_t size)
{
    uint8_t *img = make_image(size);
    struct pc_config cfg = base_config();
    cfg.bios_data = img;
    cfg.bios_size = size;
    char err[256];
    struct pc *pc = pc_create(&cfg, err, sizeof(err));
    CHECK(pc != NULL);
    if (!pc) {
        fprintf(stderr, "pc_create: %s\n", err);
        free(img);
        return;
    }
    struct physmem *pm = &pc->vm->mem;
    uint32_t top = (uint32_t)(0x100000000ull - size);
    CHECK_EQ(physmem_kind(pm, top), PHYS_ROM);
    CHECK_EQ(phys_read(pm, top, 1), img[0]);
    CHECK_EQ(phys_read(pm, 0xFFFFFFF0u, 4),
             img[size - 16] | img[size - 15] << 8 | img[size - 14] << 16 |
                 (uint32_t)img[size - 13] << 24);
    CHECK_EQ(phys_read(pm, 0xFFFFFFFFu, 1), img[size - 1]);
    if (top > 0)
        CHECK_EQ(physmem_kind(pm, top - 1), PHYS_UNMAPPED);

    size_t low = size < (128u << 10) ? size : (128u << 10);
    uint32_t low_base = (uint32_t)(0x100000 - low);
    CHECK_EQ(physmem_kind(pm, low_base), PHYS_ROM);
    CHECK_EQ(phys_read(pm, low_base, 1), img[size - low]);
    CHECK_EQ(phys_read(pm, 0xFFFF0, 1), img[size - 16]);
    CHECK_EQ(phys_read(pm, 0xFFFFF, 1), img[size - 1]);
    /* RAM below the PAM range and above 1 MiB is still RAM; between
     * 0xC0000 and the alias, the PAM registers' reset state sends reads
     * to the bus, where nothing answers. */
    CHECK_EQ(physmem_kind(pm, 0x9FFFF), PHYS_RAM);
    /* The VGA's window (-vga std, the default). */
    CHECK_EQ(physmem_kind(pm, 0xA0000), PHYS_MMIO);
    CHECK_EQ(physmem_kind(pm, 0xBFFFF), PHYS_MMIO);
    if (low_base > 0xC0000)
        CHECK_EQ(physmem_kind(pm, low_base - 1), PHYS_UNMAPPED);
    CHECK_EQ(physmem_kind(pm, 0x100000), PHYS_RAM);
    /* Guest writes to either copy are dropped. */
    phys_write(pm, 0xFFFF0, (uint8_t)~img[size - 16], 1);
    CHECK_EQ(phys_read(pm, 0xFFFF0, 1), img[size - 16]);
    pc_destroy(pc);
    free(img);
}

static void expect_error(const struct pc_config *cfg, const char *msg)
{
    char err[256] = "";
    struct pc *pc = pc_create(cfg, err, sizeof(err));
    CHECK(pc == NULL);
    if (!strstr(err, msg)) {
        fprintf(stderr, "error \"%s\" lacks \"%s\"\n", err, msg);
        CHECK(0);
    }
    pc_destroy(pc);
}

static void write_file(const char *path, size_t size)
{
    uint8_t *img = make_image(size);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        CHECK_EQ(fwrite(img, 1, size, f), size);
        fclose(f);
    }
    free(img);
}

static void test_files(const char *dir)
{
    char path[600];
    struct pc_config cfg = base_config();

    snprintf(path, sizeof(path), "%s/ok.rom", dir);
    write_file(path, 64u << 10);
    cfg.bios_path = path;
    char err[256];
    struct pc *pc = pc_create(&cfg, err, sizeof(err));
    CHECK(pc != NULL);
    if (pc) {
        CHECK_EQ(physmem_kind(&pc->vm->mem, 0xFFFF0000u), PHYS_ROM);
        CHECK(pc->serial == NULL);   /* not asked for */
        CHECK(pc->debug_exit != NULL && pc->post != NULL);
    }
    pc_destroy(pc);

    snprintf(path, sizeof(path), "%s/missing.rom", dir);
    expect_error(&cfg, "missing.rom: No such file or directory");

    snprintf(path, sizeof(path), "%s/odd.rom", dir);
    write_file(path, 5000);
    expect_error(&cfg, "not a multiple of 4 KiB");

    snprintf(path, sizeof(path), "%s/empty.rom", dir);
    write_file(path, 0);
    expect_error(&cfg, "empty");

    snprintf(path, sizeof(path), "%s/big.rom", dir);
    write_file(path, (16u << 20) + 4096);
    expect_error(&cfg, "more than 16 MiB");
    snprintf(path, sizeof(path), "%s/huge.rom", dir);
    write_file(path, (16u << 20) + 8192);
    expect_error(&cfg, "too large");

    expect_error(&(struct pc_config){ .ram_mb = 2, .cpu_level = CPU_486, .bios_path = dir },
                 "not a regular file");

    uint8_t *data;
    size_t size;
    snprintf(path, sizeof(path), "%s/ok.rom", dir);
    CHECK_EQ(host_read_file(path, 1u << 20, &data, &size, err, sizeof(err)), 0);
    CHECK_EQ(size, 64u << 10);
    free(data);
    CHECK(host_read_file(path, 1000, &data, &size, err, sizeof(err)) < 0);
    CHECK(data == NULL);
}

static void test_devices_present(void)
{
    struct char_buffer out = { 0 };
    struct pc_config cfg = base_config();
    cfg.has_serial = true;
    cfg.serial_out = char_sink_buffer(&out);
    cfg.has_debugcon = true;
    char err[256];
    struct pc *pc = pc_create(&cfg, err, sizeof(err));
    CHECK(pc != NULL);
    if (pc) {
        CHECK(pc->serial && pc->debugcon && pc->debug_exit && pc->post);
        CHECK_EQ(iobus_in(&pc->vm->io, 0x3FD, 1), 0x60);
        iobus_out(&pc->vm->io, 0x3F8, 'Z', 1);
        CHECK_STR((char *)out.data, "Z");
        CHECK_EQ(iobus_in(&pc->vm->io, 0xE9, 1), 0xE9);
    }
    pc_destroy(pc);
    char_buffer_free(&out);

    /* Without serial, COM1 reads like an empty bus. */
    cfg = base_config();
    pc = pc_create(&cfg, err, sizeof(err));
    CHECK(pc != NULL);
    if (pc)
        CHECK_EQ(iobus_in(&pc->vm->io, 0x3FD, 1), 0xFF);
    pc_destroy(pc);
}

/* PCI INTx through the board: the swizzle onto PIRQ A-D, the PIIX3's
 * PIRQRC registers (off at reset; SeaBIOS's 10, 10, 11, 11), and a shared
 * line high while any function drives it. */
static void check_pci_intx(void)
{
    struct pc_config cfg = base_config();
    char err[256];
    struct pc *pc = pc_create(&cfg, err, sizeof(err));
    CHECK(pc != NULL);
    if (!pc)
        return;
    static struct pci_function a, b, c;
    pci_function_init(&a, "a", 0x1234, 1, 0xFF0000, 1);
    pci_function_init(&b, "b", 0x1234, 2, 0xFF0000, 1);
    pci_function_init(&c, "c", 0x1234, 3, 0xFF0000, 1);
    /* 00:06 INTA and 00:0a INTA -> PIRQB -> IRQ 10; 00:07 INTA -> PIRQC -> 11
     * (QEMU's swizzle: PIRQ (slot - 1 + pin - 1) mod 4). */
    CHECK_EQ(pci_register(pc->pci, &a, 6, 0, pc_pci_intx(pc, 6, 1)), 0);
    CHECK_EQ(pci_register(pc->pci, &b, 10, 0, pc_pci_intx(pc, 10, 1)), 0);
    CHECK_EQ(pci_register(pc->pci, &c, 7, 0, pc_pci_intx(pc, 7, 1)), 0);
    const struct pic_chip *slave = &pc->pic->chip[1];
    /* Routing off: nothing reaches the PIC. */
    pci_set_irq(&a, true);
    CHECK(!(slave->pins & (1u << 2)) && !(slave->pins & (1u << 3)));
    /* As SeaBIOS programs it: the high line shows at once. */
    uint32_t isa = pci_bdf(0, PC_PIIX_SLOT, 0);
    pci_config_write(pc->pci, isa, 0x60, 0x0B0B0A0Au, 4);
    CHECK(slave->pins & (1u << 2));
    pci_set_irq(&b, true);
    pci_set_irq(&a, false);
    CHECK(slave->pins & (1u << 2));         /* b still holds it */
    CHECK(!(slave->pins & (1u << 3)));
    pci_set_irq(&c, true);
    CHECK(slave->pins & (1u << 3));
    pci_set_irq(&b, false);
    CHECK(!(slave->pins & (1u << 2)));
    CHECK_EQ(pc_pci_intx(pc, 1, 0).set == NULL, 1); /* no pin */
    pc_destroy(pc);
}

int main(void)
{
    check_pci_intx();
    check_mapping(4096);
    check_mapping(64u << 10);
    check_mapping(128u << 10);
    check_mapping(256u << 10);
    check_mapping(16u << 20);

    struct pc_config cfg = base_config();
    uint8_t page[8192] = { 0 };
    cfg.bios_data = page;
    cfg.bios_size = 5000;
    expect_error(&cfg, "not a multiple of 4 KiB");
    cfg.bios_size = 0;
    expect_error(&cfg, "empty");
    cfg = base_config();
    cfg.ram_mb = 0;
    expect_error(&cfg, "RAM");

    char dir[256];
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof(dir), "%s/plex86-test-pc-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    CHECK(mkdtemp(dir) != NULL);
    test_files(dir);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    CHECK_EQ(system(cmd), 0);

    test_devices_present();
    return check_report();
}
