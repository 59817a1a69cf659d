/* fw_cfg (QEMU docs/specs/fw_cfg.rst) through its ports, on a VM with no
 * guest code and a guest memory the test owns: the selector and data
 * port, unknown keys, reads past the end, the file directory's order and
 * format, the DMA interface (read, skip, select, refused writes, bad
 * descriptors and data addresses, the address reset after each transfer),
 * the signature, and the state a snapshot keeps. */
#include "check.h"
#include "dev/board_util.h"
#include "dev/fw_cfg.h"

#define MEM_SIZE 0x10000u
static uint8_t mem[MEM_SIZE];
static unsigned mem_writes;

static void mem_read(void *opaque, uint32_t pa, void *dst, size_t len)
{
    for (size_t i = 0; i < len; i++)
        ((uint8_t *)dst)[i] = pa + i < MEM_SIZE ? mem[pa + i] : 0xFF;
}

static void mem_write(void *opaque, uint32_t pa, const void *src, size_t len)
{
    mem_writes++;
    for (size_t i = 0; i < len; i++)
        if (pa + i < MEM_SIZE)
            mem[pa + i] = ((const uint8_t *)src)[i];
}

static struct vm *vm;
static struct fw_cfg *f;

static void sel(uint16_t key)
{
    iobus_out(&vm->io, FW_CFG_PORT, key, 2);
}

static uint8_t data(void)
{
    return (uint8_t)iobus_in(&vm->io, FW_CFG_PORT + 1, 1);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t bswap(uint32_t v)
{
    return v >> 24 | (v >> 8 & 0xFF00) | (v << 8 & 0xFF0000) | v << 24;
}

/* Puts a FWCfgDmaAccess at `at` and starts it as SeaBIOS does: the high
 * half 0 (only the low write starts it), outl(cpu_to_be32(low)). */
static uint32_t dma(uint32_t at, uint32_t control, uint32_t length, uint64_t addr)
{
    put_be32(mem + at, control);
    put_be32(mem + at + 4, length);
    put_be32(mem + at + 8, (uint32_t)(addr >> 32));
    put_be32(mem + at + 12, (uint32_t)addr);
    iobus_out(&vm->io, FW_CFG_DMA_PORT, 0, 4);
    iobus_out(&vm->io, FW_CFG_DMA_PORT + 4, bswap(at), 4);
    return be32(mem + at);
}

static void test_traditional(void)
{
    sel(FW_CFG_SIGNATURE);
    CHECK_EQ(data(), 'Q');
    CHECK_EQ(iobus_in(&vm->io, FW_CFG_PORT, 1), 'E');   /* either port reads data */
    CHECK_EQ(data(), 'M');
    CHECK_EQ(data(), 'U');
    CHECK_EQ(data(), 0);                                 /* past the end: zeros */
    sel(FW_CFG_ID);
    CHECK_EQ(data(), FW_CFG_VERSION | FW_CFG_VERSION_DMA);
    CHECK_EQ(data() | data() << 8 | data() << 16, 0);
    /* A wider read is not a data access: 0, nothing consumed. */
    sel(FW_CFG_SIGNATURE);
    CHECK_EQ(iobus_in(&vm->io, FW_CFG_PORT, 2), 0);
    CHECK_EQ(data(), 'Q');
    /* Byte writes do nothing (QEMU removed them), not even a select. */
    iobus_out(&vm->io, FW_CFG_PORT, 0x01, 1);
    iobus_out(&vm->io, FW_CFG_PORT + 1, 0x55, 1);
    CHECK_EQ(data(), 'E');
    /* Unknown keys: a valid slot with no item, past the last slot, the
     * write channel bit: all read 0. */
    sel(0x1A);
    CHECK_EQ(data(), 0);
    sel(0x3FFF);
    CHECK_EQ(data(), 0);
    CHECK_EQ(f->key, FW_CFG_INVALID);
    sel(FW_CFG_WRITE_CHANNEL | FW_CFG_SIGNATURE);        /* same item */
    CHECK_EQ(data(), 'Q');
    sel(FW_CFG_ARCH_LOCAL | 0x0);                        /* an empty arch key */
    CHECK_EQ(data(), 0);
    /* The DMA register reads its signature, big-endian. */
    CHECK_EQ(iobus_in(&vm->io, FW_CFG_DMA_PORT, 4), 0x554D4551u);      /* "QEMU" */
    CHECK_EQ(iobus_in(&vm->io, FW_CFG_DMA_PORT + 4, 4), 0x47464320u);  /* " CFG" */
    CHECK_EQ(iobus_in(&vm->io, FW_CFG_DMA_PORT + 7, 1), 'G');
}

static void test_items_and_files(void)
{
    uint8_t big[300];
    for (unsigned i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)i;
    CHECK_EQ(fw_cfg_add_i16(f, FW_CFG_NB_CPUS, 0x0102), 0);
    CHECK_EQ(fw_cfg_add_i16(f, FW_CFG_NB_CPUS, 1), -1);          /* set already */
    CHECK_EQ(fw_cfg_add_i64(f, FW_CFG_RAM_SIZE, 0x1122334455667788ull), 0);
    CHECK_EQ(fw_cfg_add_bytes(f, FW_CFG_FILE_DIR, big, 4), -1);  /* the device's */
    CHECK_EQ(fw_cfg_add_bytes(f, FW_CFG_FILE_FIRST, big, 4), -1);
    CHECK_EQ(fw_cfg_add_bytes(f, FW_CFG_WRITE_CHANNEL | 5, big, 4), -1);
    CHECK_EQ(fw_cfg_add_bytes(f, FW_CFG_ARCH_LOCAL | 0x40, big, 4), -1);
    CHECK_EQ(fw_cfg_add_i32(f, FW_CFG_IRQ0_OVERRIDE, 7), 0);
    sel(FW_CFG_RAM_SIZE);
    CHECK_EQ(data(), 0x88);                                      /* little-endian */
    sel(FW_CFG_IRQ0_OVERRIDE);
    CHECK_EQ(data(), 7);

    CHECK_EQ(fw_cfg_add_file(f, "etc/b", big, 3), 0);
    CHECK_EQ(fw_cfg_add_file(f, "etc/a", big, sizeof(big)), 0);
    CHECK_EQ(fw_cfg_add_file(f, "bootorder", "", 0), 0);
    CHECK_EQ(fw_cfg_add_file(f, "etc/a", big, 1), -1);           /* duplicate */
    CHECK_EQ(fw_cfg_add_file(f, "", big, 1), -1);
    char longname[FW_CFG_MAX_FILE_PATH + 1];
    memset(longname, 'x', sizeof(longname) - 1);
    longname[FW_CFG_MAX_FILE_PATH] = 0;
    CHECK_EQ(fw_cfg_add_file(f, longname, big, 1), -1);          /* 56: no room for NUL */
    longname[FW_CFG_MAX_FILE_PATH - 1] = 0;
    CHECK_EQ(fw_cfg_add_file(f, longname, big, 1), 0);           /* 55 */
    /* Sorted by name: bootorder, etc/a, etc/b, xxx...; keys from 0x20. */
    CHECK_EQ(fw_cfg_file_key(f, "bootorder"), 0x20);
    CHECK_EQ(fw_cfg_file_key(f, "etc/a"), 0x21);
    CHECK_EQ(fw_cfg_file_key(f, "etc/b"), 0x22);
    CHECK_EQ(fw_cfg_file_key(f, "nope"), -1);

    /* The directory: big-endian count, then size, key, reserved, name;
     * its length is fixed by the slots. */
    sel(FW_CFG_FILE_DIR);
    uint8_t dir[FW_CFG_DIR_SIZE];
    for (unsigned i = 0; i < sizeof(dir); i++)
        dir[i] = data();
    CHECK_EQ(data(), 0);
    CHECK_EQ(be32(dir), 4);
    CHECK_EQ(be32(dir + 4 + 64), sizeof(big));
    CHECK_EQ(dir[4 + 64 + 4] << 8 | dir[4 + 64 + 5], 0x21);
    CHECK_EQ(dir[4 + 64 + 6] | dir[4 + 64 + 7], 0);
    CHECK_STR((const char *)dir + 4 + 64 + 8, "etc/a");
    CHECK_EQ(be32(dir + 4), 0);                                  /* bootorder: empty */
    CHECK_STR((const char *)dir + 4 + 8, "bootorder");
    CHECK_EQ(be32(dir + 4 + 4 * 64), 0);                         /* unused slot */

    /* Every slot used: the next file is refused. */
    char name[16];
    unsigned added = 4;
    for (unsigned i = 0; added < FW_CFG_FILE_SLOTS; i++, added++) {
        snprintf(name, sizeof(name), "f%02u", i);
        CHECK_EQ(fw_cfg_add_file(f, name, big, 1), 0);
    }
    CHECK_EQ(fw_cfg_add_file(f, "one-more", big, 1), -1);
    CHECK_EQ(fw_cfg_file_key(f, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
             FW_CFG_FILE_FIRST + FW_CFG_FILE_SLOTS - 1);
}

static void test_dma(void)
{
    int a = fw_cfg_file_key(f, "etc/a");
    memset(mem, 0xEE, sizeof(mem));
    /* Select and read 16 bytes of etc/a to 0x1000. */
    CHECK_EQ(dma(0x100, (uint32_t)a << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ, 16,
                 0x1000), 0);
    for (unsigned i = 0; i < 16; i++)
        CHECK_EQ(mem[0x1000 + i], i);
    CHECK_EQ(f->dma_addr, 0);                  /* reset after the transfer */
    /* Skip 100, then read on from 116 through the traditional port. */
    CHECK_EQ(dma(0x100, FW_CFG_DMA_CTL_SKIP, 100, 0), 0);
    CHECK_EQ(data(), 116);
    /* A read past the end: the rest, then zeros. */
    CHECK_EQ(dma(0x100, FW_CFG_DMA_CTL_READ, 200, 0x2000), 0);
    CHECK_EQ(mem[0x2000], 117);
    CHECK_EQ(mem[0x2000 + 300 - 118], 0xFF & 299);
    CHECK_EQ(mem[0x2000 + 300 - 117], 0);
    CHECK_EQ(mem[0x2000 + 199], 0);
    CHECK_EQ(mem[0x2000 + 200], 0xEE);         /* nothing past the length */
    /* An unknown key reads as zeros. */
    CHECK_EQ(dma(0x100, 0x3FFFu << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ, 8,
                 0x3000), 0);
    CHECK_EQ(mem[0x3000] | mem[0x3007], 0);
    /* Writes are refused: the error bit, the item unchanged. */
    CHECK_EQ(dma(0x100, (uint32_t)a << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_WRITE, 4,
                 0x1000), FW_CFG_DMA_CTL_ERROR);
    sel((uint16_t)a);
    CHECK_EQ(data(), 0);
    /* No operation: nothing moves, status 0. */
    sel((uint16_t)a);
    CHECK_EQ(dma(0x100, 0, 50, 0x4000), 0);
    CHECK_EQ(data(), 0);
    CHECK_EQ(mem[0x4000], 0xEE);
    /* Data beyond the DMA limit: the error bit, nothing written. */
    CHECK_EQ(dma(0x100, FW_CFG_DMA_CTL_READ, 16, MEM_SIZE - 8), FW_CFG_DMA_CTL_ERROR);
    CHECK_EQ(dma(0x100, FW_CFG_DMA_CTL_READ, 0xFFFFFFFFu, 0x10), FW_CFG_DMA_CTL_ERROR);
    CHECK_EQ(dma(0x100, FW_CFG_DMA_CTL_READ, 4, 0x100000000ull), FW_CFG_DMA_CTL_ERROR);
    /* ...but a skip touches no memory. */
    CHECK_EQ(dma(0x100, FW_CFG_DMA_CTL_SKIP, 0xFFFFFFFFu, 0x10), 0);
    /* A descriptor outside memory: ignored, nothing written anywhere. */
    unsigned w = mem_writes;
    iobus_out(&vm->io, FW_CFG_DMA_PORT, 0, 4);
    iobus_out(&vm->io, FW_CFG_DMA_PORT + 4, bswap(MEM_SIZE - 8), 4);
    CHECK_EQ(mem_writes, w);
    iobus_out(&vm->io, FW_CFG_DMA_PORT, bswap(1), 4);            /* at 4 GiB + x */
    iobus_out(&vm->io, FW_CFG_DMA_PORT + 4, bswap(0x100), 4);
    CHECK_EQ(mem_writes, w);
    /* Only 32-bit writes count: a word write to the low half starts
     * nothing. */
    put_be32(mem + 0x100, FW_CFG_DMA_CTL_SKIP);
    iobus_out(&vm->io, FW_CFG_DMA_PORT + 4, 0x0001, 2);
    CHECK_EQ(mem_writes, w);
}

static void test_state(void)
{
    sel(FW_CFG_SIGNATURE);
    data();
    f->dma_addr = 0x123456789ull;
    struct state_out out;
    state_out_init(&out);
    f->dev.ops->save(&f->dev, &out);
    CHECK(!out.oom && out.len == 14);
    uint8_t buf[14];
    memcpy(buf, out.buf, sizeof(buf));
    state_out_free(&out);
    sel(FW_CFG_ID);
    f->dma_addr = 0;
    struct state_in in = state_in_of(buf, sizeof(buf));
    CHECK_EQ(f->dev.ops->load(&f->dev, &in, true), 0);
    CHECK_EQ(f->dma_addr, 0x123456789ull);
    CHECK_EQ(data(), 'E');
    /* An offset past the item, a key no item has: refused, no change. */
    buf[2] = 9;                              /* offset 9 > 4 bytes of "QEMU" */
    in = state_in_of(buf, sizeof(buf));
    CHECK_EQ(f->dev.ops->load(&f->dev, &in, true), -1);
    buf[2] = 1;
    buf[0] = 0x50;                           /* key 0x50: past the slots */
    in = state_in_of(buf, sizeof(buf));
    CHECK_EQ(f->dev.ops->load(&f->dev, &in, true), -1);
    CHECK_EQ(data(), 'M');
    /* Reset selects the signature. */
    vm_reset(vm);
    CHECK_EQ(data(), 'Q');
}

int main(void)
{
    vm = board_vm(1);
    f = fw_cfg_create((struct guest_mem){ .read = mem_read, .write = mem_write }, MEM_SIZE);
    board_add(vm, &f->dev);
    test_traditional();
    test_items_and_files();
    test_dma();
    test_state();
    vm_destroy(vm);
    return check_report();
}
