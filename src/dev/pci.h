/* PCI configuration mechanism #1 (PCI Local Bus Specification 3.0, 3.2.2.3.2)
 * at ports 0xCF8 (CONFIG_ADDRESS, 32-bit accesses only) and 0xCFC-0xCFF
 * (CONFIG_DATA, any width and offset), with one device on bus 0: an
 * i440FX-like host bridge at 00:00.0 (vendor 8086, device 1237, class
 * 06 00 00).  Every other bus/device/function is absent: its reads give
 * all ones and its writes are dropped; so are CONFIG_DATA accesses while
 * CONFIG_ADDRESS bit 31 (enable) is clear.  Byte and word accesses to
 * 0xCF8-0xCFB are not CONFIG_ADDRESS; 0xCF9 is the PIIX reset control
 * register (a write with bit 2 set resets the machine,
 * vm_request_exit(VM_EXIT_RESET)), the others read all ones.
 *
 * The bridge's writable registers are the latency timer (0x0D), the
 * chipset registers 0x50-0x5F (PAM shadow control is stored, not acted
 * on) and SMRAM (0x72); everything else is read-only. */
#ifndef PLEX86_DEV_PCI_H
#define PLEX86_DEV_PCI_H

#include <stdint.h>

struct vm;

#define PCI_CONFIG_ADDRESS 0xCF8
#define PCI_CONFIG_DATA 0xCFC
#define PCI_HOST_VENDOR 0x8086
#define PCI_HOST_DEVICE 0x1237

struct pci {
    struct vm *vm;
    uint32_t address;      /* CONFIG_ADDRESS: bit 31 enable, 23-16 bus,
                              15-11 device, 10-8 function, 7-2 register */
    uint8_t rcr;           /* 0xCF9 reset control */
    uint8_t host[256];     /* the host bridge's configuration space */
    uint64_t resets;
};

/* Registers ports 0xCF8-0xCFF and adds the bus to the VM, which owns it
 * from then on.  Returns NULL if the ports are taken or the table is
 * full. */
struct pci *pci_create(struct vm *vm);

/* A configuration read/write of `size` bytes (1, 2 or 4) at register
 * `offset` (0-255) of the function `bdf` (pci_bdf()).  For the board and
 * tests; absent functions read all ones. */
uint32_t pci_config_read(struct pci *pci, uint32_t bdf, unsigned offset, unsigned size);
void pci_config_write(struct pci *pci, uint32_t bdf, unsigned offset, uint32_t value,
                      unsigned size);

/* bus/device/function as pci_config_read/write take it. */
static inline uint32_t pci_bdf(unsigned bus, unsigned dev, unsigned fn)
{
    return (bus & 0xFF) << 16 | (dev & 0x1F) << 11 | (fn & 7) << 8;
}

#endif
