/* The PIIX IDE function on the board (pc_create): always at 00:01.1,
 * drives from pc_config.ide, IRQ 14 through the PIC, the decode enables
 * left to the firmware, or set by the board for a kernel booted without
 * one (and again after a reboot), and a bad drive list refused. */
#include "check.h"
#include "dev/ide_util.h"
#include "dev/pic.h"

/* A Multiboot kernel (a.out kludge, loaded at 1 MiB) that exits:
 * mov $0x10, %al; out %al, $0xF4; hlt. */
static size_t tiny_kernel(uint8_t *img)
{
    uint32_t h[8] = { 0x1BADB002u, 0x00010000u, 0, 0x100000, 0x100000, 0, 0, 0x100020 };
    h[2] = (uint32_t)-(h[0] + h[1]);
    memset(img, 0, 64);
    memcpy(img, h, sizeof(h));
    static const uint8_t code[] = { 0xB0, 0x10, 0xE6, 0xF4, 0xF4 };
    memcpy(img + 32, code, sizeof(code));
    return 64;
}

static uint32_t cfg_read(struct pc *pc, unsigned off, unsigned size)
{
    return pci_config_read(pc->pci, pci_bdf(0, 1, 1), off, size);
}

int main(void)
{
    uint8_t *img = pattern_image(1 << 20);
    struct block *disk = block_open_memory(img, 1 << 20, false);
    static uint8_t bios[4096];
    bios[4096 - 16] = 0xF4;                     /* hlt at the reset vector */
    char err[512];

    /* No drives: the function is there all the same; ports off. */
    struct pc_config cfg = { .ram_mb = 2, .cpu_level = CPU_486, .bios_data = bios,
                             .bios_size = sizeof(bios) };
    struct pc *pc = pc_create(&cfg, err, sizeof(err));
    CHECK(pc != NULL);
    CHECK(pc->ide != NULL);
    CHECK_EQ(cfg_read(pc, 0, 4), 0x70108086u);
    CHECK_EQ(cfg_read(pc, 0x40, 4), 0);
    CHECK_EQ(iobus_in(&pc->vm->io, 0x1F7, 1), 0xFF);
    CHECK(vm_find_device(pc->vm, "ide") != NULL);
    pc_destroy(pc);

    /* A disk at primary master: the firmware enables decoding, the disk
     * answers and interrupts on IRQ 14. */
    cfg.ide[0] = (struct pc_drive){ .present = true, .block = disk };
    pc = pc_create(&cfg, err, sizeof(err));
    CHECK(pc != NULL);
    CHECK_EQ(piix_ide_kind(pc->ide, 0), IDE_HD);
    CHECK_EQ(piix_ide_kind(pc->ide, 1), IDE_NONE);
    CHECK(piix_ide_medium(pc->ide, 0) == disk);
    pci_config_write(pc->pci, pci_bdf(0, 1, 1), 0x40, 0x8000, 2);
    pci_config_write(pc->pci, pci_bdf(0, 1, 1), PCI_COMMAND, 1, 2);
    CHECK_EQ(iobus_in(&pc->vm->io, 0x1F7, 1), 0x50);
    iobus_out(&pc->vm->io, 0x1F7, 0xEC, 1);
    CHECK(pc->pic->chip[1].pins & (1u << 6));  /* IRQ 14: slave IR6 */
    uint8_t id[512];
    for (unsigned i = 0; i < 256; i++) {
        uint16_t w = (uint16_t)iobus_in(&pc->vm->io, 0x1F0, 2);
        id[2 * i] = (uint8_t)w;
        id[2 * i + 1] = (uint8_t)(w >> 8);
    }
    CHECK_EQ(id_word(id, 60), 2048);
    pc_destroy(pc);

    /* A kernel without firmware: the board enables the channels, as
     * SeaBIOS would, and again after a reboot. */
    uint8_t kernel[64];
    struct pc_config kc = { .ram_mb = 2, .cpu_level = CPU_486, .kernel_data = kernel,
                            .kernel_size = tiny_kernel(kernel) };
    kc.ide[0] = cfg.ide[0];
    pc = pc_create(&kc, err, sizeof(err));
    CHECK(pc != NULL);
    if (pc) {
        CHECK_EQ(cfg_read(pc, 0x40, 2), 0x8000);
        CHECK_EQ(cfg_read(pc, 0x42, 2), 0x8000);
        CHECK_EQ(cfg_read(pc, PCI_COMMAND, 2) & 1, 1);
        CHECK_EQ(iobus_in(&pc->vm->io, 0x1F7, 1), 0x50);
        CHECK_EQ(vm_run(pc->vm, 1000), VM_EXIT_GUEST_EXIT);
        CHECK_EQ(pc_reboot(pc, &kc, err, sizeof(err)), 0);
        CHECK_EQ(cfg_read(pc, 0x40, 2), 0x8000);
        pc_destroy(pc);
    } else {
        fprintf(stderr, "pc_create: %s\n", err);
    }

    /* A disk without an image: refused, with the drive's index. */
    cfg.ide[0] = (struct pc_drive){ 0 };
    cfg.ide[3] = (struct pc_drive){ .present = true };
    CHECK(pc_create(&cfg, err, sizeof(err)) == NULL);
    CHECK(strstr(err, "index 3") != NULL);
    /* An empty CD drive is fine. */
    cfg.ide[3].cdrom = true;
    pc = pc_create(&cfg, err, sizeof(err));
    CHECK(pc != NULL);
    CHECK_EQ(piix_ide_kind(pc->ide, 3), IDE_CD);
    pc_destroy(pc);

    block_close(disk);
    free(img);
    return check_report();
}
