/* The PC board; see pc.h. */
#include "pc/pc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dev/cmos.h"
#include "dev/debug_exit.h"
#include "dev/debugcon.h"
#include "dev/dma8237.h"
#include "dev/fdc.h"
#include "dev/fpu_irq.h"
#include "dev/i8042.h"
#include "dev/pci.h"
#include "dev/pic.h"
#include "dev/piix3.h"
#include "dev/piix_ide.h"
#include "dev/pit.h"
#include "dev/port92.h"
#include "dev/post.h"
#include "dev/serial.h"
#include "pc/acpi_tables.h"
#include "dev/vga.h"
#include "pc/hostfile.h"
#include "pc/pc_acpi.h"
#include "pc/pc_apic.h"
#include "pc/pc_chipset.h"
#include "sbe/sbe.h"
#include "pc/linux_boot.h"
#include "pc/multiboot.h"
#include "machine/vm.h"

/* The VM's guest time as the devices read it (dev/irq.h). */
static uint64_t vm_dev_clock_now(void *opaque)
{
    return vm_now_ns(opaque);
}

static struct dev_clock vm_dev_clock(struct vm *vm)
{
    return (struct dev_clock){ .now_ns = vm_dev_clock_now, .opaque = vm };
}

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

/* An image given in memory, or read from a file of at most `max` bytes.
 * *owned is what the caller frees. */
static int get_image(const char *path, const uint8_t *data, size_t size, size_t max,
                     const uint8_t **img, size_t *img_size, uint8_t **owned, char *err,
                     size_t errlen)
{
    *owned = NULL;
    if (data || !path) {
        *img = data;
        *img_size = size;
        return 0;
    }
    if (host_read_file(path, max, owned, img_size, err, errlen) < 0)
        return -1;
    *img = *owned;
    return 0;
}

/* -kernel: loads a Linux bzImage (linux_boot.h) or a Multiboot kernel
 * (multiboot.h) with its initrd or module, and points the CPU at the
 * kernel's entry (after vm_reset, which would undo that). */
static int load_kernel(struct vm *vm, const struct pc_config *cfg, uint32_t acpi_rsdp,
                       const struct lb_screen *screen, char *err, size_t errlen)
{
    /* Neither file can be larger than RAM and still fit in it. */
    size_t max = vm->mem.ram_size;
    struct mb_boot b = {
        .kernel_name = cfg->kernel_path ? cfg->kernel_path : "kernel",
        .append = cfg->append,
        .module_name = cfg->initrd_path ? cfg->initrd_path : "initrd",
    };
    uint8_t *kbuf = NULL, *mbuf = NULL;
    int rc = -1;
    if (get_image(cfg->kernel_path, cfg->kernel_data, cfg->kernel_size, max, &b.kernel,
                  &b.kernel_size, &kbuf, err, errlen) < 0)
        goto out;
    if ((cfg->initrd_path || cfg->initrd_data) &&
        get_image(cfg->initrd_path, cfg->initrd_data, cfg->initrd_size, max, &b.module,
                  &b.module_size, &mbuf, err, errlen) < 0)
        goto out;
    /* An empty module still counts as one (a zero-length module). */
    if ((cfg->initrd_path || cfg->initrd_data) && !b.module)
        b.module = (const uint8_t *)"";
    if (lb_is_bzimage(b.kernel, b.kernel_size)) {
        struct lb_boot lb = {
            .kernel = b.kernel, .kernel_size = b.kernel_size, .kernel_name = b.kernel_name,
            .append = b.append, .initrd = b.module, .initrd_size = b.module_size,
            .initrd_name = b.module_name, .acpi_rsdp = acpi_rsdp, .screen = *screen,
        };
        struct lb_result lr;
        rc = lb_load(vm, &lb, &lr, err, errlen);
        goto out;
    }
    struct mb_result r;
    rc = mb_load(vm, &b, &r, err, errlen);
out:
    free(kbuf);
    free(mbuf);
    return rc;
}

/* What firmware sets up before an OS runs, for a kernel booted without
 * one: the PCI interrupt routing and the IDE channels' decode enables
 * (SeaBIOS piix_isa_bridge_setup and piix_ide_setup), the 8237s' cascade
 * channel, the PM block and the ACPI tables in RAM (pc_acpi.h; the PAM
 * registers: pc_chipset_after_reset), and the VGA in the text mode its
 * BIOS leaves, described in *screen for the kernel's boot_params.  Returns
 * the RSDP's address, or 0. */
static uint32_t firmware_setup(struct pc *pc, struct lb_screen *screen)
{
    /* PIRQA-D on IRQ 10, 10, 11, 11, level triggered in the ELCR (SeaBIOS's
     * "PIIX3/PIIX4 init: elcr=00 0c"): the DSDT's links then read back
     * what a firmware boot gives. */
    pci_config_write(pc->pci, pci_bdf(0, PC_PIIX_SLOT, 0), PIIX3_PIRQRC, 0x0B0B0A0Au, 4);
    iobus_out(&pc->vm->io, PIC_ELCR_BASE, 0x00, 1);
    iobus_out(&pc->vm->io, PIC_ELCR_BASE + 1, 0x0C, 1);
    if (pc->ide)
        piix_ide_firmware_init(pc->ide, pc->pci);
    dma8237_bios_setup(pc->dma);   /* channel 4 cascading, as a BIOS leaves it */
    pc_apic_firmware_setup(pc);    /* virtual wire mode */
    *screen = (struct lb_screen){ 0 };
    struct display_text t;
    if (pc->vga) {
        vga_bios_text_mode(pc->vga);
        if (display_text(vga_display(pc->vga), &t) && t.cols <= 0xFF && t.rows <= 0xFF) {
            *screen = (struct lb_screen){
                .vga = true, .mode = 3, .cols = (uint8_t)t.cols, .lines = (uint8_t)t.rows,
                .x = (uint8_t)t.cursor_col, .y = (uint8_t)t.cursor_row,
                .points = (uint16_t)((pc->vga->crtc[9] & 0x1F) + 1),
            };
        }
    }
    return pc_acpi_firmware_setup(pc);
}

int pc_reboot(struct pc *pc, const struct pc_config *cfg, char *err, size_t errlen)
{
    /* RESET keeps RAM (a PC's reset line does not clear it) and puts the
     * CPU at the reset vector, where -bios firmware starts again; without
     * firmware, the -kernel kernel is loaded afresh as QEMU does. */
    vm_reset(pc->vm);
    if (pc_chipset_after_reset(pc, cfg, false, err, errlen) < 0)
        return -1;
    if (cfg->kernel_path || cfg->kernel_data) {
        struct lb_screen screen;
        uint32_t rsdp = firmware_setup(pc, &screen);
        return load_kernel(pc->vm, cfg, rsdp, &screen, err, errlen);
    }
    return 0;
}

/* --- the board's lines ---------------------------------------------------
 * What the devices drive or read besides their IRQ pins (dev/signals.h),
 * and the CPU's side of the interrupt controller and the x87's FERR#. */

static void line_intr(void *opaque, bool level)
{
    struct vm *vm = opaque;
    /* Atomic: the CPU may run on another thread (pc_apic.c's cpu_intr). */
    __atomic_store_n(&vm->cpu.irq_line, level, __ATOMIC_RELEASE);
}

static int cpu_inta(void *opaque)
{
    return pic_ack(opaque);
}

static void cpu_ferr(void *opaque, bool asserted)
{
    fpu_irq_ferr(opaque, asserted);
}

static void line_a20_set(void *opaque, bool open)
{
    vm_set_a20(opaque, open);
}

static bool line_a20_get(void *opaque)
{
    const struct vm *vm = opaque;
    return vm->mem.a20_mask & (1u << 20);
}

static void request_reset(void *opaque, uint32_t value)
{
    vm_request_exit(opaque, VM_EXIT_RESET, 0);
}

static void request_debug_exit(void *opaque, uint32_t value)
{
    vm_request_exit(opaque, VM_EXIT_GUEST_EXIT, debug_exit_status(value));
}

static void request_poweroff(void *opaque, uint32_t value)
{
    vm_request_exit(opaque, VM_EXIT_POWEROFF, 0);
}

/* PCI BARs land on the VM's port bus and memory map. */
static int space_map_io(void *opaque, uint16_t base, uint16_t count, const struct io_ops *ops,
                        void *dev, const char *name)
{
    return vm_map_io(opaque, base, count, ops, dev, name);
}

static void space_unmap_io(void *opaque, uint16_t base, void *dev)
{
    vm_unmap_io(opaque, base, dev);
}

static int space_map_mem(void *opaque, uint32_t base, uint32_t size,
                         const struct mmio_ops *ops, void *dev, const char *name)
{
    return vm_map_mmio(opaque, base, size, ops, dev, name);
}

static int space_map_mem_direct(void *opaque, uint32_t base, uint32_t size,
                                const struct mmio_ops *ops, void *dev, uint8_t *direct,
                                const uint64_t *writable, const char *name)
{
    return vm_map_mmio_direct(opaque, base, size, ops, dev, direct, writable, name);
}

static void space_unmap_mem(void *opaque, uint32_t base, void *dev)
{
    vm_unmap_mmio(opaque, base, dev);
}

static void space_set_shadow(void *opaque, uint32_t base, uint32_t size, unsigned mode)
{
    vm_set_shadow(opaque, base, size, mode);
}

static void dma_read(void *opaque, uint32_t pa, void *dst, size_t len)
{
    struct vm *vm = opaque;
    phys_dma_read(&vm->mem, pa, dst, len);
}

static void dma_write(void *opaque, uint32_t pa, const void *src, size_t len)
{
    struct vm *vm = opaque;
    phys_dma_write(&vm->mem, pa, src, len);
}

struct guest_mem pc_guest_mem(struct vm *vm)
{
    return (struct guest_mem){ .read = dma_read, .write = dma_write, .opaque = vm };
}

static void write_rearm(void *opaque, uint32_t pa, uint32_t len)
{
    vm_drop_write_translations(opaque, pa, len);
}

struct write_rearm pc_write_rearm(struct vm *vm)
{
    return (struct write_rearm){ .rearm = write_rearm, .opaque = vm };
}

static void window_remap(void *opaque, uint32_t base, void *dev, uint8_t *direct,
                         const uint64_t *writable)
{
    vm_remap_mmio_direct(opaque, base, dev, direct, writable);
}

struct window_remap pc_window_remap(struct vm *vm)
{
    return (struct window_remap){ .remap = window_remap, .opaque = vm };
}

struct signal_line pc_intr_line(struct vm *vm)
{
    return (struct signal_line){ .set = line_intr, .opaque = vm };
}

struct signal_line pc_a20_line(struct vm *vm)
{
    return (struct signal_line){ .set = line_a20_set, .get = line_a20_get, .opaque = vm };
}

struct signal_request pc_reset_request(struct vm *vm)
{
    return (struct signal_request){ .fire = request_reset, .opaque = vm };
}

struct signal_request pc_debug_exit_request(struct vm *vm)
{
    return (struct signal_request){ .fire = request_debug_exit, .opaque = vm };
}

bool pc_press_power_button(struct pc *pc)
{
    if (!pc->power_button.fire)
        return false;
    signal_fire(&pc->power_button, 1);
    return true;
}

struct input_sink pc_input(struct pc *pc)
{
    return pc->i8042 ? i8042_input(pc->i8042) : (struct input_sink){ 0 };
}

struct signal_request pc_poweroff_request(struct vm *vm)
{
    return (struct signal_request){ .fire = request_poweroff, .opaque = vm };
}

struct pci_space pc_pci_space(struct vm *vm)
{
    return (struct pci_space){ .map_io = space_map_io, .unmap_io = space_unmap_io,
                               .map_mem = space_map_mem, .unmap_mem = space_unmap_mem,
                               .map_mem_direct = space_map_mem_direct,
                               .set_shadow = space_set_shadow,
                               .opaque = vm };
}

void pc_connect_inta(struct vm *vm, struct pic *pic)
{
    vm->cpu.pins.irq_ack = cpu_inta;
    vm->cpu.pins.irq_opaque = pic;
}

void pc_connect_ferr(struct vm *vm, struct fpu_irq *f)
{
    /* Every CPU's FERR# reaches IRQ 13 (on a PC only the BSP's is wired,
     * but an OS runs x87 code on all of them). */
    for (unsigned i = 0; i < vm->ncpus; i++) {
        vm->cpus[i]->pins.ferr = cpu_ferr;
        vm->cpus[i]->pins.ferr_opaque = f;
    }
}

struct irq_pin pc_pci_intx(struct pc *pc, unsigned dev, unsigned pin)
{
    if (pin < 1 || pin > 4 || !pc->piix3)
        return (struct irq_pin){ 0 };
    /* (dev - 1) + (pin - 1): QEMU's pci_slot_get_pirq and SeaBIOS's
     * piix_pci_slot_get_irq, and the DSDT's _PRT (pc/acpi/dsdt.asl). */
    return piix3_pirq_source(pc->piix3, (dev + pin + 2) & 3);
}

/* A device's `struct device`, or NULL when its constructor ran out of
 * memory (vm_add_device reports that). */
#define DEV(p) ((p) ? &(p)->dev : NULL)

/* The PIIX3 IDE function at 00:01.1, always there as on QEMU's pc
 * machine, with the drives of cfg->ide: channel 0 on IRQ 14, channel 1 on
 * IRQ 15, DMA into guest memory. */
static int add_ide(struct pc *pc, const struct pc_config *cfg, char *err, size_t errlen)
{
    struct vm *vm = pc->vm;
    pc->ide = piix_ide_create(pc_guest_mem(vm), pc_isa_irq(pc, PIIX_IDE_IRQ0),
                              pc_isa_irq(pc, PIIX_IDE_IRQ1));
    for (unsigned i = 0; i < 4 && pc->ide; i++) {
        const struct pc_drive *dr = &cfg->ide[i];
        if (dr->present && piix_ide_attach(pc->ide, i, dr->cdrom, dr->block, err, errlen) < 0) {
            pc->ide->dev.ops->destroy(&pc->ide->dev);
            pc->ide = NULL;
            return -1;
        }
    }
    if (vm_add_device(vm, DEV(pc->ide), err, errlen) < 0) {
        pc->ide = NULL;
        return -1;
    }
    if (pci_register(pc->pci, &pc->ide->fn, PIIX_IDE_DEV, PIIX_IDE_FN, (struct irq_pin){ 0 }) <
        0) {
        snprintf(err, errlen, "ide: PCI slot 00:%02x.%u is taken", PIIX_IDE_DEV, PIIX_IDE_FN);
        return -1;
    }
    return 0;
}

/* QEMU's std VGA at 00:02.0 (its pc machine's slot for -vga std), with
 * the VGA BIOS behind its expansion ROM BAR. */
static int add_vga(struct pc *pc, const struct pc_config *cfg, char *err, size_t errlen)
{
    struct vm *vm = pc->vm;
    const uint8_t *rom = NULL;
    size_t rom_size = 0;
    uint8_t *owned = NULL;
    if (get_image(cfg->vga_rom_path, cfg->vga_rom_data, cfg->vga_rom_size, VGA_ROM_MAX, &rom,
                  &rom_size, &owned, err, errlen) < 0)
        return -1;
    pc->vga = vga_create(vm_dev_clock(vm), rom, rom_size);
    free(owned);
    if (vm_add_device(vm, DEV(pc->vga), err, errlen) < 0) {
        pc->vga = NULL;
        return -1;
    }
    /* The framebuffer BAR at RAM speed for writes too (vga.h). */
    vga_connect_rearm(pc->vga, pc_write_rearm(vm));
    /* The legacy window at RAM speed while it is linear (mode 13h). */
    vga_connect_remap(pc->vga, pc_window_remap(vm));
    if (pci_register(pc->pci, &pc->vga->fn, VGA_PCI_DEV, 0, (struct irq_pin){ 0 }) < 0) {
        snprintf(err, errlen, "vga: PCI slot 00:%02x.0 is taken", VGA_PCI_DEV);
        return -1;
    }
    return 0;
}

const struct display_source *pc_display(struct pc *pc)
{
    return pc->vga ? vga_display(pc->vga) : NULL;
}

/* --- the wiring ----------------------------------------------------------
 * The PC/AT core every guest expects (QEMU's "pc" machine): two cascaded 8259As driving the CPU's INTR, the 8254 on IRQ
 * 0, the MC146818 RTC on IRQ 8, the 8042 on IRQ 1 and 12 with A20 and
 * RESET, port 0x92 (A20, RESET), the PCI bus with its host bridge (PAM
 * through vm_set_shadow) and 0xCF9 (RESET), the PIIX3 ISA bridge (PIRQ
 * routing), the PIIX4 PM function (SCI on IRQ 9, power-off) and fw_cfg,
 * with the NVRAM filled (pc_chipset.c), the x87's FERR# on IRQ 13 (port
 * 0xF0), the PIIX3 IDE on IRQ 14 and 15, the 8237 pair and the floppy
 * controller; then COM1 on IRQ 4, the debug consoles, debug-exit and POST.
 * vm_add_device claims each device's ports and names both devices of a
 * clash. */
static int add_devices(struct pc *pc, const struct pc_config *cfg, char *err,
                       size_t errlen)
{
    struct vm *vm = pc->vm;
    struct dev_clock clock = vm_dev_clock(vm);
    struct sched *sched = &vm->sched;
    struct signal_line a20 = pc_a20_line(vm);
    struct signal_request reset = pc_reset_request(vm);

    pc->pic = pic_create(pc_intr_line(vm));
    if (vm_add_device(vm, DEV(pc->pic), err, errlen) < 0)
        return -1;
    pc_connect_inta(vm, pc->pic);
    /* The interrupt lines, and the APICs in front of the 8259 (pc_apic.c). */
    if (pc_apic_create(pc, err, errlen) < 0)
        return -1;

    pc->pit = pit_create(clock, sched, pc_isa_irq(pc, 0));
    if (vm_add_device(vm, DEV(pc->pit), err, errlen) < 0)
        return -1;
    int64_t rtc_base = cfg->rtc_base_set ? cfg->rtc_base_s : (int64_t)time(NULL);
    pc->cmos = cmos_create(clock, sched, pc_isa_irq(pc, CMOS_IRQ), rtc_base);
    if (vm_add_device(vm, DEV(pc->cmos), err, errlen) < 0)
        return -1;
    pc->i8042 = i8042_create(pc_isa_irq(pc, 1), pc_isa_irq(pc, 12), a20, reset);
    if (pc->i8042)
        i8042_connect(pc->i8042, clock, sched);
    if (vm_add_device(vm, DEV(pc->i8042), err, errlen) < 0)
        return -1;
    pc->port92 = port92_create(a20, reset);
    if (vm_add_device(vm, DEV(pc->port92), err, errlen) < 0)
        return -1;
    pc->pci = pci_create(pc_pci_space(vm), reset);
    if (vm_add_device(vm, DEV(pc->pci), err, errlen) < 0)
        return -1;
    /* The PIIX south bridge and fw_cfg (pc_chipset.c). */
    if (pc_add_chipset(pc, cfg, err, errlen) < 0)
        return -1;
    pc->fpu_irq = fpu_irq_create(pc_isa_irq(pc, FPU_IRQ_LINE));
    if (vm_add_device(vm, DEV(pc->fpu_irq), err, errlen) < 0)
        return -1;
    pc_connect_ferr(vm, pc->fpu_irq);
    if (add_ide(pc, cfg, err, errlen) < 0)
        return -1;

    /* The two 8237s, and the 82077AA on IRQ 6 and DMA channel 2 with the
     * -fda/-drive if=floppy drives (QEMU's pc machine always has the
     * controller, even with -nodefaults); the CMOS reports the drives. */
    pc->dma = dma8237_create(pc_guest_mem(vm));
    if (vm_add_device(vm, DEV(pc->dma), err, errlen) < 0)
        return -1;
    pc->fdc = fdc_create(pc_isa_irq(pc, FDC_IRQ));
    if (vm_add_device(vm, DEV(pc->fdc), err, errlen) < 0)
        return -1;
    fdc_connect_dma(pc->fdc, pc->dma, FDC_DMA);
    for (unsigned i = 0; i < FDC_DRIVES; i++)
        if (cfg->floppy[i].present)
            fdc_attach_drive(pc->fdc, i, cfg->floppy[i].block);
    cmos_set_floppies(pc->cmos, fdc_cmos_type(pc->fdc, 0), fdc_cmos_type(pc->fdc, 1));

    if (cfg->has_serial) {
        pc->serial = serial_create("serial0", SERIAL_COM1_BASE, cfg->serial_out);
        if (vm_add_device(vm, DEV(pc->serial), err, errlen) < 0)
            return -1;
        serial_connect(pc->serial, clock, sched, pc_isa_irq(pc, SERIAL_COM1_IRQ));
    }
    if (cfg->has_debugcon) {
        pc->debugcon = debugcon_create("debugcon", DEBUGCON_PORT, cfg->debugcon_out);
        if (vm_add_device(vm, DEV(pc->debugcon), err, errlen) < 0)
            return -1;
    }
    for (unsigned i = 0; i < cfg->ndebugcons && i < PC_MAX_DEBUGCONS; i++) {
        char name[DEVICE_NAME_MAX];
        snprintf(name, sizeof(name), "isa-debugcon%u", i);
        pc->debugcons[i] = debugcon_create(name, cfg->debugcons[i].port, cfg->debugcons[i].out);
        if (vm_add_device(vm, DEV(pc->debugcons[i]), err, errlen) < 0)
            return -1;
    }
    if (!cfg->no_vga && add_vga(pc, cfg, err, errlen) < 0)
        return -1;
    pc->debug_exit = debug_exit_create(DEBUG_EXIT_PORT, pc_debug_exit_request(vm));
    if (vm_add_device(vm, DEV(pc->debug_exit), err, errlen) < 0)
        return -1;
    pc->post = post_create(cfg->post_log);
    return vm_add_device(vm, DEV(pc->post), err, errlen);
}

enum vm_exit_reason pc_run(struct pc *pc)
{
    struct vm *vm = pc->vm;
    for (;;) {
        enum vm_exit_reason why = vm_run(vm, 0);
        if ((why != VM_EXIT_SHUTDOWN && why != VM_EXIT_RESET) || pc->cfg.no_reboot)
            return why;
        /* A triple fault or a reset request resets the machine, as on a
         * PC (a guest that keeps faulting reboots forever, as under
         * QEMU). */
        if (pc->cfg.reboot_log) {
            char where[1024];
            cpu_describe(&vm->cpu, where, sizeof(where));
            fprintf(pc->cfg.reboot_log, "plex86: %s, rebooting: %s\n",
                    why == VM_EXIT_SHUTDOWN ? "triple fault" : "reset", where);
        }
        char err[512];
        if (pc_reboot(pc, &pc->cfg, err, sizeof(err)) < 0) {
            snprintf(vm->error, sizeof(vm->error), "reboot failed: %.200s", err);
            return vm->exit_reason = VM_EXIT_ERROR;
        }
        if (pc->on_reboot)
            pc->on_reboot(pc->on_reboot_opaque);
    }
}

struct pc *pc_create(const struct pc_config *cfg, char *err, size_t errlen)
{
    if (cfg->bios_path && cfg->bios_data) {
        snprintf(err, errlen, "both a firmware file and an in-memory image given");
        return NULL;
    }
    bool kernel = cfg->kernel_path || cfg->kernel_data;
    if (cfg->kernel_path && cfg->kernel_data) {
        snprintf(err, errlen, "both a kernel file and an in-memory kernel given");
        return NULL;
    }
    if (kernel && (cfg->bios_path || cfg->bios_data)) {
        snprintf(err, errlen, "-kernel boots without firmware: it cannot be combined "
                              "with -bios");
        return NULL;
    }
    if (!kernel && (cfg->append || cfg->initrd_path || cfg->initrd_data)) {
        snprintf(err, errlen, "-append and -initrd need -kernel");
        return NULL;
    }
    if (cfg->cpus > PC_MAX_CPUS) {
        snprintf(err, errlen, "-smp %u: at most %u CPUs", cfg->cpus, PC_MAX_CPUS);
        return NULL;
    }
    if (cfg->cpus > 1 && !cfg->apic) {
        /* The other CPUs are started and interrupted through the APICs. */
        snprintf(err, errlen, "-smp %u needs local APICs (a -cpu model with one, without ,-apic)",
                 cfg->cpus);
        return NULL;
    }
    struct pc *pc = calloc(1, sizeof(*pc));
    if (!pc) {
        snprintf(err, errlen, "out of memory for the board");
        return NULL;
    }
    pc->cfg = *cfg;
    struct vm_config vc = { .ram_mb = cfg->ram_mb, .cpu_level = cfg->cpu_level,
                            .cpu_model = cfg->cpu_model,
                            .sbe_depth = cfg->sbe_depth_zero ? SBE_DEPTH_NONE : cfg->sbe_depth,
                            .no_code_cache = cfg->no_code_cache,
                            .jit = cfg->jit,
                            .icount = cfg->icount, .icount_shift = cfg->icount_shift,
                            .cpus = cfg->cpus, .topo = cfg->topo,
                            .threads = cfg->threads };
    pc->vm = vm_create(&vc, err, errlen);
    if (!pc->vm || load_bios(pc->vm, cfg, err, errlen) < 0 ||
        add_devices(pc, cfg, err, errlen) < 0) {
        pc_destroy(pc);
        return NULL;
    }
    /* Devices start in their reset state; the CPU is at the reset vector,
     * or with a kernel at its entry point. */
    vm_reset(pc->vm);
    if (pc_chipset_after_reset(pc, cfg, true, err, errlen) < 0) {
        pc_destroy(pc);
        return NULL;
    }
    if (kernel) {
        struct lb_screen screen;
        uint32_t rsdp = firmware_setup(pc, &screen);
        if (load_kernel(pc->vm, cfg, rsdp, &screen, err, errlen) < 0) {
            pc_destroy(pc);
            return NULL;
        }
    }
    return pc;
}

void pc_destroy(struct pc *pc)
{
    if (!pc)
        return;
    vm_destroy(pc->vm);
    if (pc->acpi)
        acpi_tables_free(pc->acpi);
    free(pc->acpi);
    free(pc);
}
