/* The PIIX3 IDE function: configuration space, port decoding, drives and
 * media; see piix_ide.h.  The channels live in ide_bus.c and friends, the
 * snapshot state in ide_state.c. */
#include "dev/piix_ide.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "block/block.h"

/* Identity strings.  The firmware revision is fixed, as QEMU's "2.5+",
 * so that a guest does not see a new drive with each release. */
#define MODEL_HD "PLEX86 HARDDISK"
#define MODEL_CD "PLEX86 DVD-ROM"
#define FIRMWARE "1.0"

static uint32_t all_ones(unsigned size)
{
    return size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
}

/* Channel 0 at 1F0h/3F6h, channel 1 at 170h/376h: bit 7 tells them apart. */
static unsigned channel_of_port(uint16_t port)
{
    return (port & 0x80) ? 0 : 1;
}

/* The channel's legacy ports answer while I/O decoding and its IDE decode
 * enable are on (82371SB datasheet: PCICMD bit 0, IDETIM bit 15). */
static bool decodes(const struct piix_ide *ide, unsigned c)
{
    const uint8_t *cfg = ide->fn.config;
    unsigned idetim = cfg[PIIX_IDETIM + 2 * c] | (unsigned)cfg[PIIX_IDETIM + 2 * c + 1] << 8;
    return (cfg[PCI_COMMAND] & PCI_COMMAND_IO) && (idetim & PIIX_IDETIM_IDE);
}

static uint32_t cmd_in(void *opaque, uint16_t port, unsigned size)
{
    struct piix_ide *ide = opaque;
    unsigned c = channel_of_port(port);
    if (!decodes(ide, c))
        return all_ones(size);
    return ide_ioport_read(&ide->ch[c], port & 7, size);
}

static void cmd_out(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct piix_ide *ide = opaque;
    unsigned c = channel_of_port(port);
    if (decodes(ide, c))
        ide_ioport_write(&ide->ch[c], port & 7, value, size);
}

/* 3F6h/376h: alternate status (read), device control (write).  3F7h is
 * the floppy controller's. */
static uint32_t ctl_in(void *opaque, uint16_t port, unsigned size)
{
    struct piix_ide *ide = opaque;
    unsigned c = channel_of_port(port);
    if (!decodes(ide, c))
        return all_ones(size);
    return ide_altstatus_read(&ide->ch[c]) | (all_ones(size) & ~0xFFu);
}

static void ctl_out(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct piix_ide *ide = opaque;
    unsigned c = channel_of_port(port);
    (void)size;
    if (decodes(ide, c))
        ide_devctl_write(&ide->ch[c], (uint8_t)value);
}

/* BAR 4: eight bytes per channel (82371SB datasheet, bus master IDE registers). */
static uint32_t bm_in(void *opaque, uint16_t port, unsigned size)
{
    struct piix_ide *ide = opaque;
    unsigned off = (uint16_t)(port - ide->fn.bar[4].mapped_base) & 15;
    return ide_bm_read(&ide->ch[off >> 3], off & 7, size);
}

static void bm_out(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct piix_ide *ide = opaque;
    unsigned off = (uint16_t)(port - ide->fn.bar[4].mapped_base) & 15;
    ide_bm_write(&ide->ch[off >> 3], off & 7, value, size);
}

static const struct io_ops cmd_io = { .in = cmd_in, .out = cmd_out };
static const struct io_ops ctl_io = { .in = ctl_in, .out = ctl_out };
static const struct io_ops bm_io = { .in = bm_in, .out = bm_out };

/* --- the device ------------------------------------------------------ */

static void piix_ide_reset(struct device *dev)
{
    struct piix_ide *ide = container_of(dev, struct piix_ide, dev);
    for (unsigned c = 0; c < 2; c++)
        ide_channel_reset(&ide->ch[c]);
}

static const char *kind_name(enum ide_kind k)
{
    return k == IDE_HD ? "hd" : k == IDE_CD ? "cd" : "-";
}

static void piix_ide_dump(const struct device *dev, char *buf, size_t len)
{
    const struct piix_ide *ide = container_of(dev, const struct piix_ide, dev);
    int n = snprintf(buf, len, "cmd %02x", ide->fn.config[PCI_COMMAND]);
    for (unsigned c = 0; c < 2 && n >= 0 && (size_t)n < len; c++) {
        const struct ide_channel *ch = &ide->ch[c];
        n += snprintf(buf + n, len - (size_t)n, " | ch%u%s sel %u irq %d bm %02x/%02x", c,
                      decodes(ide, c) ? "" : " (off)", ch->unit, ch->irq_level, ch->bm_cmd,
                      ch->bm_status);
        for (unsigned u = 0; u < 2 && n >= 0 && (size_t)n < len; u++) {
            const struct ide_drive *d = &ch->drive[u];
            if (d->kind != IDE_NONE)
                n += snprintf(buf + n, len - (size_t)n, " %s%u st %02x er %02x", kind_name(d->kind),
                              u, d->status, d->error);
        }
    }
}

static const struct device_ops piix_ide_ops = {
    .type = "piix-ide", .reset = piix_ide_reset, .save = ide_state_save,
    .load = ide_state_load, .dump = piix_ide_dump, .destroy = device_free,
};
_Static_assert(offsetof(struct piix_ide, dev) == 0, "device_free frees the state");

/* Configuration space at reset (82371SB datasheet; QEMU's piix3-ide: status
 * fast back-to-back and DEVSEL medium, multi-function header, QEMU's
 * subsystem IDs). */
static void config_init(struct piix_ide *ide)
{
    struct pci_function *f = &ide->fn;
    pci_function_init(f, "ide", PIIX_IDE_VENDOR, PIIX_IDE_DEVICE, PIIX_IDE_CLASS, 0);
    f->config[0x06] = 0x80;
    f->config[0x07] = 0x02;
    f->config[0x0E] = 0x80;
    f->config[0x2C] = 0xF4;
    f->config[0x2D] = 0x1A;
    f->config[0x2E] = 0x00;
    f->config[0x2F] = 0x11;
    f->wmask[PCI_COMMAND] |= 0x04;          /* bus master enable */
    f->wmask[0x0D] = 0xF0;                  /* latency timer, bits 7-4 */
    memset(&f->wmask[PIIX_IDETIM], 0xFF, 5); /* IDETIM x2, SIDETIM */
    pci_function_add_bar(f, 4, true, 16, &bm_io, NULL, ide);
}

struct piix_ide *piix_ide_create(struct guest_mem mem, struct irq_pin irq14,
                                 struct irq_pin irq15)
{
    struct piix_ide *ide = calloc(1, sizeof(*ide));
    if (!ide)
        return NULL;
    device_init(&ide->dev, &piix_ide_ops, "ide");
    ide->mem = mem;
    config_init(ide);
    static const uint16_t base[2] = { 0x1F0, 0x170 }, ctl[2] = { 0x3F6, 0x376 };
    for (unsigned c = 0; c < 2; c++) {
        struct ide_channel *ch = &ide->ch[c];
        ch->irq = c ? irq15 : irq14;
        ch->mem = &ide->mem;
        ch->stats = &ide->stats;
        ch->dma_buf = ide->dma_buf;
        ch->pci_command = &ide->fn.config[PCI_COMMAND];
        for (unsigned u = 0; u < 2; u++)
            ch->drive[u].unit = (uint8_t)u;
        device_add_ports(&ide->dev, base[c], 8, &cmd_io, ide);
        device_add_ports(&ide->dev, ctl[c], 1, &ctl_io, ide);
    }
    piix_ide_reset(&ide->dev);
    return ide;
}

static struct ide_drive *drive_at(struct piix_ide *ide, unsigned index)
{
    return index < 4 ? &ide->ch[index >> 1].drive[index & 1] : NULL;
}

static const struct ide_drive *cdrive_at(const struct piix_ide *ide, unsigned index)
{
    return index < 4 ? &ide->ch[index >> 1].drive[index & 1] : NULL;
}

int piix_ide_attach(struct piix_ide *ide, unsigned index, bool cdrom, struct block *blk,
                    char *err, size_t errlen)
{
    struct ide_drive *d = drive_at(ide, index);
    if (!d) {
        snprintf(err, errlen, "IDE drive index %u: there are 4 (0-3)", index);
        return -1;
    }
    if (d->kind != IDE_NONE) {
        snprintf(err, errlen, "IDE drive index %u is already in use", index);
        return -1;
    }
    if (!cdrom && !blk) {
        snprintf(err, errlen, "IDE drive index %u: a disk needs an image", index);
        return -1;
    }
    d->kind = cdrom ? IDE_CD : IDE_HD;
    d->blk = blk;
    d->nb_sectors = blk ? block_length(blk) / IDE_SECTOR : 0;
    snprintf(d->serial, sizeof(d->serial), "PL%05u", index + 1);
    snprintf(d->model, sizeof(d->model), "%s", cdrom ? MODEL_CD : MODEL_HD);
    snprintf(d->firmware, sizeof(d->firmware), "%s", FIRMWARE);
    if (!cdrom) {
        uint8_t mbr[IDE_SECTOR];
        bool have_mbr = d->nb_sectors && block_read(blk, 0, mbr, sizeof(mbr)) == 0;
        ide->trans[index] = (uint8_t)ata_guess_geometry(d->nb_sectors, have_mbr ? mbr : NULL,
                                                        &d->cyls, &d->heads, &d->secs);
    }
    ide_drive_reset(d, true);
    return 0;
}

void piix_ide_firmware_init(struct piix_ide *ide, struct pci *pci)
{
    uint32_t bdf = pci_bdf(0, ide->fn.devfn >> 3, ide->fn.devfn & 7);
    pci_config_write(pci, bdf, PIIX_IDETIM, PIIX_IDETIM_IDE, 2);
    pci_config_write(pci, bdf, PIIX_IDETIM + 2, PIIX_IDETIM_IDE, 2);
    uint32_t cmd = pci_config_read(pci, bdf, PCI_COMMAND, 2);
    pci_config_write(pci, bdf, PCI_COMMAND, cmd | PCI_COMMAND_IO, 2);
}

enum ide_kind piix_ide_kind(const struct piix_ide *ide, unsigned index)
{
    const struct ide_drive *d = cdrive_at(ide, index);
    return d ? d->kind : IDE_NONE;
}

struct block *piix_ide_medium(const struct piix_ide *ide, unsigned index)
{
    const struct ide_drive *d = cdrive_at(ide, index);
    return d ? d->blk : NULL;
}

bool piix_ide_geometry(const struct piix_ide *ide, unsigned index, struct ide_geometry *g)
{
    const struct ide_drive *d = cdrive_at(ide, index);
    if (!d || d->kind != IDE_HD)
        return false;
    *g = (struct ide_geometry){ .cyls = d->cyls, .heads = d->heads, .secs = d->secs,
                                .trans = (enum ide_translation)ide->trans[index],
                                .sectors = d->nb_sectors };
    return true;
}

int piix_ide_drive_name(const struct piix_ide *ide, unsigned index, char *buf, size_t len)
{
    const struct ide_drive *d = cdrive_at(ide, index);
    if (!d || d->kind == IDE_NONE)
        return -1;
    snprintf(buf, len, "ide%u-%s%u", index >> 1, kind_name(d->kind), index & 1);
    return 0;
}

int piix_ide_find_drive(const struct piix_ide *ide, const char *name)
{
    char buf[16];
    for (unsigned i = 0; i < 4; i++)
        if (piix_ide_drive_name(ide, i, buf, sizeof(buf)) == 0 && strcmp(buf, name) == 0)
            return (int)i;
    return -1;
}

static void set_medium(struct ide_drive *d, struct block *blk)
{
    d->blk = blk;
    d->nb_sectors = blk ? block_length(blk) / IDE_SECTOR : 0;
}

int ide_change_media(struct piix_ide *ide, unsigned index, struct block *blk,
                     struct block **old)
{
    struct ide_drive *d = drive_at(ide, index);
    if (!d || d->kind != IDE_CD)
        return -ENODEV;
    if (d->tray_locked && !d->tray_open) {
        d->media_event = MEC_EJECT_REQUEST;
        return -EBUSY;
    }
    *old = d->blk;
    set_medium(d, blk);
    atapi_medium_changed(d, blk != NULL);
    return 0;
}

int ide_eject(struct piix_ide *ide, unsigned index, bool force, struct block **old)
{
    struct ide_drive *d = drive_at(ide, index);
    if (!d || d->kind != IDE_CD)
        return -ENODEV;
    if (d->tray_locked && !d->tray_open && !force) {
        d->media_event = MEC_EJECT_REQUEST;
        return -EBUSY;
    }
    *old = d->blk;
    d->tray_locked = false;
    set_medium(d, NULL);
    atapi_medium_changed(d, false);
    return 0;
}
