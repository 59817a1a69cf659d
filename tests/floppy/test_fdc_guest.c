/* The floppy controller as a guest drives it, without firmware: the CPU
 * runs tests/guests/fdc_read.S, a transcription of SeaBIOS's floppy code,
 * on a board with the floppy boot image (tests/floppy/boot.S) in drive A:
 * IRQ 6 through the 8259, DMA channel 2 into RAM, the read across the
 * head boundary, and the result bytes.  This checks the board's wiring
 * while plex86 cannot boot SeaBIOS from a diskette yet (floppy-boot).
 * usage: test_fdc_guest fdc_read.rom floppy-boot.img */
#include <stdlib.h>
#include <string.h>

#include "block/block.h"
#include "check.h"
#include "dev/chardev.h"
#include "dev/fdc.h"
#include "guest_util.h"
#include "pc/hostfile.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s fdc_read.rom floppy-boot.img\n", argv[0]);
        return 2;
    }
    uint8_t *img;
    size_t size;
    char err[512];
    if (host_read_file(argv[2], 4u << 20, &img, &size, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    uint8_t *orig = malloc(size);
    memcpy(orig, img, size);
    struct block *b = block_open_memory(img, size, false);
    struct char_buffer out = { 0 };
    struct pc_config cfg = {
        .ram_mb = 2, .cpu_level = CPU_486, .bios_path = argv[1],
        .has_serial = true, .serial_out = char_sink_buffer(&out),
    };
    cfg.floppy[0] = (struct pc_drive){ .present = true, .block = b };
    struct pc *pc = pc_create(&cfg, err, sizeof(err));
    if (!pc) {
        fprintf(stderr, "pc_create: %s\n", err);
        return 1;
    }
    enum vm_exit_reason why = vm_run(pc->vm, 2000000);
    CHECK_EQ(why, VM_EXIT_GUEST_EXIT);
    CHECK_EQ(pc->vm->exit_code, 33);
    static const char want[] =
        "plex86 floppy test: sector C0 H0 S17 ok\r\n"
        "plex86 floppy test: sector C0 H0 S18 ok\r\n"
        "plex86 floppy test: sector C0 H1 S1 ok\r\n"
        "plex86 floppy test: sector C0 H1 S2 ok\r\n"
        "fdc_read: done\r\n";
    CHECK_EQ(out.len, strlen(want));
    CHECK(out.len == strlen(want) && memcmp(out.data, want, out.len) == 0);
    if (out.len)
        fprintf(stderr, "guest said: %.*s", (int)out.len, (const char *)out.data);
    /* Reads change nothing; the drive's head stayed on cylinder 0, and
     * the DMA reached terminal count on channel 2. */
    CHECK(memcmp(img, orig, size) == 0);
    CHECK_EQ(pc->fdc->drv[0].cyl, 0);
    CHECK_EQ(iobus_in(&pc->vm->io, 0x08, 1) & 0x04, 0x04);
    pc_destroy(pc);
    char_buffer_free(&out);
    block_close(b);
    free(img);
    free(orig);
    return check_report();
}
