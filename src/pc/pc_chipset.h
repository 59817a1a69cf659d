/* The parts of QEMU's "pc" machine that make SeaBIOS recognise the board and
 * run as it does there: the PIIX south bridge's functions in PCI slot 1
 * (the ISA bridge with its PIRQ routing at 00:01.0, the power-management
 * function at 00:01.3; 00:01.1 is the IDE controller's), fw_cfg with the
 * board's contents (pc_fw_cfg.h) and the NVRAM bytes (pc_cmos.h).  The
 * i440FX host bridge, with its PAM registers, is the PCI bus's own
 * (dev/pci.h).  To add a PIIX function: create it, pci_register it at
 * 00:PC_PIIX_SLOT.fn, vm_add_device it, here or in pc.c after the call to
 * pc_add_chipset. */
#ifndef PLEX86_PC_PC_CHIPSET_H
#define PLEX86_PC_PC_CHIPSET_H

#include <stdbool.h>
#include <stddef.h>

struct pc;
struct pc_config;

/* Adds the PIIX3 ISA bridge, the PIIX4 power-management function and
 * fw_cfg to pc->vm (after the PIC, the RTC and the PCI bus), and fills
 * fw_cfg and the NVRAM.  Returns 0, or -1 with one line in `err`. */
int pc_add_chipset(struct pc *pc, const struct pc_config *cfg, char *err, size_t errlen);

/* After the machine's reset (pc_reboot, pc_create): the boot order of
 * -boot once= for the first boot, the normal one afterwards (QEMU's
 * restore_boot_order); with a kernel booted directly, the shadow RAM a
 * BIOS would have left behind (0xC0000-0xFFFFF read and written in RAM,
 * where there is no BIOS to read).  Returns 0, or -1 with a message. */
int pc_chipset_after_reset(struct pc *pc, const struct pc_config *cfg, bool first,
                           char *err, size_t errlen);

#endif
