/* PCI configuration mechanism #1 and the host bridge; see pci.h. */
#include "dev/pci.h"

#include <stdlib.h>
#include <string.h>

#include "machine/vm.h"

/* Which bits of each host bridge register byte a guest may change. */
static uint8_t host_wmask(unsigned off)
{
    if (off == 0x0D)
        return 0xF8;  /* latency timer */
    if (off >= 0x50 && off <= 0x5F)
        return 0xFF;  /* PMCCFG, DRAM control, PAM0-6 */
    if (off == 0x72)
        return 0x78;  /* SMRAM: D_OPEN, D_CLS, D_LCK, G_SMRAME */
    return 0;
}

static void host_init(uint8_t *h)
{
    memset(h, 0, 256);
    h[0x00] = PCI_HOST_VENDOR & 0xFF;
    h[0x01] = PCI_HOST_VENDOR >> 8;
    h[0x02] = PCI_HOST_DEVICE & 0xFF;
    h[0x03] = PCI_HOST_DEVICE >> 8;
    h[0x04] = 0x06;   /* command: memory space, bus master */
    h[0x06] = 0x00;
    h[0x07] = 0x02;   /* status: DEVSEL medium */
    h[0x08] = 0x02;   /* revision */
    h[0x0A] = 0x00;   /* subclass: host bridge */
    h[0x0B] = 0x06;   /* class: bridge */
    h[0x0E] = 0x00;   /* header type 0, single function */
    h[0x72] = 0x02;   /* SMRAM: C_BASE_SEG = 010 (A0000) */
}

static bool is_host(uint32_t bdf)
{
    return (bdf & 0x00FFFF00u) == 0;
}

uint32_t pci_config_read(struct pci *pci, uint32_t bdf, unsigned offset, unsigned size)
{
    offset &= 0xFF;
    if (size != 1 && size != 2 && size != 4)
        size = 1;
    if (!is_host(bdf) || offset + size > 256)
        return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)pci->host[offset + i] << (8 * i);
    return v;
}

void pci_config_write(struct pci *pci, uint32_t bdf, unsigned offset, uint32_t value,
                      unsigned size)
{
    offset &= 0xFF;
    if (!is_host(bdf) || offset + size > 256)
        return;
    for (unsigned i = 0; i < size && i < 4; i++) {
        uint8_t m = host_wmask(offset + i);
        uint8_t b = (uint8_t)(value >> (8 * i));
        pci->host[offset + i] = (uint8_t)((pci->host[offset + i] & ~m) | (b & m));
    }
}

static uint32_t pci_in(void *opaque, uint16_t port, unsigned size)
{
    struct pci *pci = opaque;
    if (port < PCI_CONFIG_DATA) {
        if (port == PCI_CONFIG_ADDRESS && size == 4)
            return pci->address;
        if (port == PCI_CONFIG_ADDRESS + 1 && size == 1)
            return pci->rcr;
        return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
    }
    unsigned off = port & 3;
    if (!(pci->address & 0x80000000u) || off + size > 4)
        return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
    return pci_config_read(pci, pci->address & 0x00FFFF00u, (pci->address & 0xFC) + off, size);
}

static void pci_out(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct pci *pci = opaque;
    if (port < PCI_CONFIG_DATA) {
        if (port == PCI_CONFIG_ADDRESS && size == 4) {
            pci->address = value & 0x80FFFFFCu;
        } else if (port == PCI_CONFIG_ADDRESS + 1 && size == 1) {
            pci->rcr = value & 0x0E;
            if (value & 0x04) {
                pci->resets++;
                pci->rcr &= (uint8_t)~0x04;
                vm_request_exit(pci->vm, VM_EXIT_RESET, 0);
            }
        }
        return;
    }
    unsigned off = port & 3;
    if (!(pci->address & 0x80000000u) || off + size > 4)
        return;
    pci_config_write(pci, pci->address & 0x00FFFF00u, (pci->address & 0xFC) + off, value, size);
}

static void pci_reset(void *dev)
{
    struct pci *pci = dev;
    pci->address = 0;
    pci->rcr = 0;
    host_init(pci->host);
}

static void pci_destroy(void *dev)
{
    free(dev);
}

static const struct io_ops pci_io = { .in = pci_in, .out = pci_out };
static const struct device_ops pci_dev = {
    .name = "pci", .reset = pci_reset, .destroy = pci_destroy,
};

struct pci *pci_create(struct vm *vm)
{
    struct pci *pci = calloc(1, sizeof(*pci));
    if (!pci)
        return NULL;
    pci->vm = vm;
    pci_reset(pci);
    if (vm_add_device(vm, &pci_dev, pci) < 0) {
        free(pci);
        return NULL;
    }
    if (iobus_register(&vm->io, PCI_CONFIG_ADDRESS, 8, &pci_io, pci, "pci") < 0)
        return NULL;
    return pci;
}
