/* The PC board: builds a VM with RAM, firmware and the first devices from a
 * configuration.  The host side (CLI, tests) fills in a pc_config; nothing
 * here parses options or prints. */
#ifndef PLEX86_PC_PC_H
#define PLEX86_PC_PC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cpu/cpu.h"
#include "cpu/topo.h"
#include "dev/chardev.h"
#include "dev/guest_mem.h"
#include "dev/input.h"
#include "dev/pci.h"
#include "dev/signals.h"
#include "machine/vm.h"
#include "pc/pc_platform.h"

struct vm;
struct block;
struct serial;
struct debug_exit;
struct debugcon;
struct post;
struct pic;
struct pit;
struct cmos;
struct i8042;
struct port92;
struct pci;
struct fpu_irq;
struct piix3;
struct piix4_pm;
struct fw_cfg;
struct piix_ide;
struct dma8237;
struct fdc;
struct acpi_tables;
struct lapic;
struct ioapic;
struct hpet;
struct pc_irq_lines;
struct vga;
struct display_source;

/* Firmware images are mapped at the top of the 4 GiB space; like QEMU's
 * -bios we accept whole pages up to 16 MiB (a 128 Mbit flash part). */
#define PC_BIOS_MAX_SIZE (16u << 20)
/* The part of the image that also appears just below 1 MiB, where a real-
 * mode BIOS runs (0xE0000-0xFFFFF: the "isa-bios" alias in QEMU). */
#define PC_BIOS_LOW_MAX (128u << 10)

/* Disk images one board can have attached (IDE: four drives; floppy:
 * two). */
#define PC_MAX_IMAGES 6
/* More debug consoles (-device isa-debugcon), option ROMs (-option-rom)
 * and boot device paths ("bootorder") than anyone needs. */
#define PC_MAX_DEBUGCONS 4
#define PC_MAX_OPTION_ROMS 8
#define PC_MAX_BOOT_PATHS 16
/* The largest option ROM: the space between 0xC0000 and the BIOS. */
#define PC_OPTION_ROM_MAX (192u << 10)

struct pc_config {
    uint32_t ram_mb;
    enum cpu_level cpu_level;
    const struct cpu_model *cpu_model; /* wins over cpu_level when set */
    unsigned sbe_depth;        /* scanner depth; 0 = the default */
    bool sbe_depth_zero;       /* -sbe-depth 0: scan only straight-line paths */
    bool no_code_cache;
    bool jit;                 /* translate hot code (vm_config.jit) */
    /* Guest time (vm/clock.h): host time unless icount. */
    bool icount;
    unsigned icount_shift;
    bool threads;              /* a host thread per CPU (vm_config.threads) */
    /* The RTC's time at power-on, Unix seconds; unless set, the host's. */
    bool rtc_base_set;
    int64_t rtc_base_s;

    /* Firmware: a file, or an image already in memory (tests).  One of the
     * two, not both; neither makes a board with nothing to run. */
    const char *bios_path;
    const uint8_t *bios_data;
    size_t bios_size;

    /* A Linux bzImage or Multiboot kernel booted directly (-kernel), with
     * no firmware: a file or an image in memory (tests), not both, and not
     * with a firmware image.  `append` (-append) and the initrd or module
     * (-initrd, a file or an image) are optional.  See linux_boot.h and
     * multiboot.h. */
    const char *kernel_path;
    const uint8_t *kernel_data;
    size_t kernel_size;
    const char *append;
    const char *initrd_path;
    const uint8_t *initrd_data;
    size_t initrd_size;

    /* Drives (issue 16).  The host opens each image (block/block.h) and
     * keeps it open until after pc_destroy; the board only reads and
     * writes through it.  IDE index 0-3 is primary master, primary slave,
     * secondary master, secondary slave (QEMU's -drive index=); a CD drive
     * may have no block (an empty tray). */
    struct pc_drive {
        bool present;
        bool cdrom;            /* ATAPI CD-ROM, else an ATA disk */
        struct block *block;   /* NULL: no medium (CD only) */
    } ide[4], floppy[2];

    /* COM1 at 0x3F8 when has_serial (QEMU's `-serial none` leaves the
     * ports empty); its bytes go to serial_out. */
    bool has_serial;
    struct char_sink serial_out;
    /* The 0xE9 console when has_debugcon (QEMU's default is none). */
    bool has_debugcon;
    struct char_sink debugcon_out;
    /* More debug consoles, QEMU's `-device isa-debugcon,iobase=P`: SeaBIOS
     * writes its log to 0x402.  Each is a device "isa-debugcon<i>". */
    struct pc_debugcon {
        uint16_t port;
        struct char_sink out;
    } debugcons[PC_MAX_DEBUGCONS];
    unsigned ndebugcons;

    /* What the firmware is told (fw_cfg, CMOS; QEMU's -boot options).
     * boot_order: QEMU's letters (a, b floppy, c disk, d CD-ROM, n
     * network), at most three, into CMOS 0x3D/0x38; NULL: "cad".
     * boot_once: the order for the first boot only (-boot once=), the
     * machine's reset going back to boot_order; NULL: none. */
    const char *boot_order;
    const char *boot_once;
    bool boot_menu;            /* -boot menu=on: FW_CFG_BOOT_MENU */
    /* -boot splash-time=N: "etc/boot-menu-wait", 0-65535 ms; none
     * without has_splash_time.  -boot reboot-timeout=N: "etc/boot-fail-
     * wait", 0-65535 ms or -1; without has_reboot_timeout -1: SeaBIOS
     * never retries (QEMU's default). */
    bool has_splash_time;
    uint16_t splash_time_ms;
    bool has_reboot_timeout;
    int32_t reboot_timeout_ms;
    bool boot_strict;          /* -boot strict=on: "HALT" ends "bootorder" */
    /* The "bootorder" file: OpenFirmware device paths in priority order
     * (QEMU's bootindex), e.g. "/pci@i0cf8/ide@1,1/drive@0/disk@0";
     * none: an empty file, and the CMOS order rules. */
    const char *boot_paths[PC_MAX_BOOT_PATHS];
    unsigned nboot_paths;
    /* -option-rom FILE: "genroms/<its base name>" in fw_cfg, which SeaBIOS
     * runs as an option ROM. */
    const char *option_roms[PC_MAX_OPTION_ROMS];
    unsigned noption_roms;
    /* No display output (QEMU's -nographic): FW_CFG_NOGRAPHIC and, with
     * COM1, "etc/sercon-port", so SeaBIOS shows its messages and menu on
     * the serial port.  The VGA is there all the same, as with QEMU. */
    bool nographic;
    /* The display adapter (issue 17): QEMU's std VGA (dev/vga.h) at
     * 00:02.0 unless no_vga (-vga none).  Its expansion ROM, the VGA BIOS
     * the firmware runs, is read from vga_rom_path (Debian's
     * /usr/share/seabios/vgabios-stdvga.bin) or given in memory; neither:
     * a VGA without a BIOS of its own. */
    bool no_vga;
    const char *vga_rom_path;
    const uint8_t *vga_rom_data;
    size_t vga_rom_size;
    /* Issue 19: the local APIC(s), IOAPIC and HPET (pc_platform.h), as on
     * QEMU's pc; the ACPI tables list them only when set.  cpus: -smp,
     * 1..PC_MAX_CPUS (0 counts as 1); topo: their sockets, cores and
     * threads (topo.cpus 0: -smp N's default, cpu/topo.h). */
    bool apic;
    unsigned cpus;
    struct cpu_topo topo;
    /* Where POST codes are printed as they arrive; NULL: not printed. */
    FILE *post_log;

    /* The reset policy (pc_run): a triple fault or a reset request ends
     * the run with -no-reboot, else reboots the machine; each reboot is
     * logged on reboot_log when set (-d exit). */
    bool no_reboot;
    FILE *reboot_log;
};

struct pc;
struct mmio_ops;

/* What a CPU's local APIC is wired to (pc_apic.c): CPU `index` of the VM. */
struct pc_cpu_wire {
    struct pc *pc;
    unsigned index;
};

/* A page where local APICs answer, with several CPUs (pc_apic.c): mapped
 * once, each access given to the APIC of the CPU that makes it. */
struct pc_lapic_window {
    struct pc *pc;
    uint32_t base;
    unsigned users;                 /* APICs mapped here; 0: a free slot */
    const struct mmio_ops *ops;     /* the APIC's register handlers */
};

struct pc {
    struct vm *vm;
    /* The devices, owned by the VM; NULL when not configured. */
    struct serial *serial;
    struct debug_exit *debug_exit;
    struct debugcon *debugcon;
    struct post *post;
    /* The PC/AT chipset: always there. */
    struct pic *pic;
    struct pit *pit;
    struct cmos *cmos;
    struct i8042 *i8042;
    struct port92 *port92;
    struct pci *pci;
    struct fpu_irq *fpu_irq;
    /* The PIIX south bridge's functions (pc/pc_chipset.c) and fw_cfg. */
    struct piix3 *piix3;       /* 00:01.0: ISA bridge, PIRQ routing */
    struct piix_ide *ide;      /* 00:01.1: IDE, drives from cfg->ide */
    struct piix4_pm *pm;       /* 00:01.3: ACPI, PM timer, SMBus */
    struct fw_cfg *fw_cfg;
    struct debugcon *debugcons[PC_MAX_DEBUGCONS];
    /* ISA DMA and the floppy controller: always there, as in QEMU's pc. */
    struct dma8237 *dma;
    struct fdc *fdc;
    /* The ACPI tables (pc_acpi.h), built once. */
    struct acpi_tables *acpi;
    /* Issue 19 (pc_apic.c): the interrupt lines, always; with cfg->apic
     * each CPU's local APIC, the IOAPIC and the HPET. */
    struct pc_irq_lines *lines;
    struct lapic *lapic[PC_MAX_CPUS];
    unsigned ncpus;
    struct pc_cpu_wire cpu_wire[PC_MAX_CPUS];
    struct pc_lapic_window lapic_win[PC_MAX_CPUS]; /* -smp 2 and more */
    uint32_t lapic_at[PC_MAX_CPUS];  /* where each APIC is mapped; 0: not */
    struct ioapic *ioapic;
    struct hpet *hpet;
    struct vga *vga;           /* NULL with -vga none */

    struct pc_config cfg;      /* as given to pc_create (its pointers are
                                  the caller's and must outlive the board) */
    /* The power button (issue 17 asks, issue 19's ACPI answers): what a
     * frontend presses when its window is closed.  pc_acpi_init connects
     * it to the PIIX4's PM1 power button event (pc_power_button); unconnected
     * (no fire), the host quits instead, as QEMU does without ACPI. */
    struct signal_request power_button;
    /* Called after each reboot pc_run makes (the host's accounting). */
    void (*on_reboot)(void *opaque);
    void *on_reboot_opaque;
    /* Disk images attached to the board, by path: a snapshot records
     * their identity (pc/snapshot_images.h).  None yet; IDE adds them. */
    unsigned nimages;
    const char *image_paths[PC_MAX_IMAGES];
};

/* Builds the board.  Returns NULL with a one-line message in `err` (bad
 * RAM size, unreadable or badly sized firmware, a kernel that cannot be
 * loaded, out of memory).  With a kernel, the CPU starts at its entry point
 * in protected mode; otherwise at the reset vector. */
struct pc *pc_create(const struct pc_config *cfg, char *err, size_t errlen);

/* A local APIC counter summed over the CPUs (accounting; needs
 * dev/lapic.h): 0 without APICs. */
#define PC_LAPIC_SUM(pc, field)                                \
    ({                                                          \
        uint64_t sum_ = 0;                                      \
        for (unsigned i_ = 0; i_ < (pc)->ncpus; i_++)           \
            if ((pc)->lapic[i_])                                \
                sum_ += (pc)->lapic[i_]->field;                 \
        sum_;                                                   \
    })
void pc_destroy(struct pc *pc);

/* A machine reset (triple fault, keyboard-controller or port 0x92 reset):
 * devices and CPU to their reset state, the kernel reloaded when there is
 * no firmware.  Returns 0, or -1 with a message in `err`. */
int pc_reboot(struct pc *pc, const struct pc_config *cfg, char *err, size_t errlen);

/* The board's lines on `vm` (pc_create wires every device with them; tests
 * that build a machine by hand use the same): the CPU's INTR input, the
 * A20 gate (set and read back), the RESET request (stops the VM with
 * VM_EXIT_RESET), the debug-exit request (VM_EXIT_GUEST_EXIT with
 * debug_exit_status(value)), the port bus and memory map for PCI BARs and
 * the PAM registers' shadow RAM (vm_set_shadow), and the CPU's INTA cycle
 * and FERR# output. */
struct signal_line pc_intr_line(struct vm *vm);
struct signal_line pc_a20_line(struct vm *vm);
struct signal_request pc_reset_request(struct vm *vm);
struct signal_request pc_debug_exit_request(struct vm *vm);
struct pci_space pc_pci_space(struct vm *vm);
/* Guest memory for devices that do DMA (dev/guest_mem.h). */
struct guest_mem pc_guest_mem(struct vm *vm);
/* Write tracking of RAM-speed device memory (dev/guest_mem.h):
 * vm_drop_write_translations. */
struct write_rearm pc_write_rearm(struct vm *vm);
/* Remapping of a device window as direct or MMIO (dev/guest_mem.h):
 * vm_remap_mmio_direct. */
struct window_remap pc_window_remap(struct vm *vm);
void pc_connect_inta(struct vm *vm, struct pic *pic);
void pc_connect_ferr(struct vm *vm, struct fpu_irq *f);

/* The pin a PCI function at device `dev` with INTx pin `pin` (1-4: INTA#
 * to INTD#, config 0x3D) is wired to, for pci_register.  PCI interrupts
 * are level triggered and shared: the board wires device d's pin p to
 * PIRQ (d - 1 + p - 1) mod 4 (the swizzle of QEMU's i440FX board), each PIRQ
 * high while any of its sources is (wired-OR), and the PIIX3 routes PIRQ
 * A-D to the ISA IRQs its PIRQRC registers name (dev/piix3.h; SeaBIOS
 * programs 10, 10, 11, 11).  At most 32 sources in all; beyond that, or
 * for pin 0, an unconnected pin. */
struct irq_pin pc_pci_intx(struct pc *pc, unsigned dev, unsigned pin);

/* The PCI slot of the PIIX south bridge: its ISA bridge is function 0,
 * its IDE controller function 1 (left to the IDE code to register), its
 * power management function 3, as on QEMU's "pc" machine. */
#define PC_PIIX_SLOT 1
#define PC_PIIX_IDE_FN 1
#define PC_PIIX_PM_FN 3

/* The keyboard and mouse (the PS/2 devices behind the i8042) for the
 * host's frontends (dev/input.h); call on the VM's thread. */
struct input_sink pc_input(struct pc *pc);

/* Presses the power button; false when nothing is connected to it. */
bool pc_press_power_button(struct pc *pc);
/* The picture of the board's display adapter for the host's frontends
 * and screendumps (dev/display.h); NULL without a VGA. */
const struct display_source *pc_display(struct pc *pc);

/* The guest powered off (ACPI S5): stops the VM with VM_EXIT_POWEROFF. */
struct signal_request pc_poweroff_request(struct vm *vm);

/* Runs the machine until an end the host must act on (vm_run's reasons):
 * a triple fault or reset request reboots it instead, unless no_reboot.
 * A failed reboot ends with VM_EXIT_ERROR and the reason in vm->error.
 * An instruction limit is set beforehand with vm_limit_steps. */
enum vm_exit_reason pc_run(struct pc *pc);

/* Maps a firmware image the way QEMU's -bios does: all of it at
 * [4 GiB - size, 4 GiB), and its last min(size, 128 KiB) bytes again just
 * below 1 MiB.  `size` must be a non-zero multiple of 4 KiB, at most
 * PC_BIOS_MAX_SIZE.  `what` names the image in messages (e.g. the path). */
int pc_map_bios(struct vm *vm, const uint8_t *data, size_t size, const char *what,
                char *err, size_t errlen);

#endif
