/* Fuzz harness: the snapshot loader (src/pc/snapshot.c and the sections'
 * loaders: snapshot_ram.c, snapshot_images.c, cpu/cpu_state.c,
 * vm/clock_state.c).
 *
 * The input is a snapshot file, so the seeds are real snapshots of a 1 MiB
 * "pentium3" machine (`plex86 -m 1 -cpu pentium3 -icount 3 -savevm-at
 * N,FILE`) and a saved crash can be given to `plex86 -loadvm` as it is.
 * A refused file must give one line and leave the machine as it was (its
 * state saved before and after is the same bytes).  An accepted one must
 * save and load again, to the same bytes, and then run 200 steps. */
#include <stdbool.h>

#include "cpu/cpu_model.h"
#include "fuzz.h"
#include "pc/pc.h"
#include "pc/snapshot_format.h"
#include "machine/vm.h"

static struct pc *pc;
static uint8_t rom[4096];

static struct state_out state_of(void)
{
    struct state_out o;
    state_out_init(&o);
    char err[256];
    if (snapshot_write_bytes(pc, &o, err, sizeof(err)) < 0)
        fuzz_fail("snapshot_write_bytes: %s", err);
    return o;
}

static bool same(const struct state_out *a, const struct state_out *b)
{
    return a->len == b->len && memcmp(a->buf, b->buf, a->len) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    if (!pc) {
        memset(rom, 0x90, sizeof(rom));
        rom[0xFF0] = 0xEB;  /* jmp $-2 ... a NOP slide back to it */
        rom[0xFF1] = 0x80;
        struct pc_config cfg = { .ram_mb = 1, .cpu_model = cpu_model_find("pentium3"),
                                 .icount = true, .icount_shift = 3, .bios_data = rom,
                                 .bios_size = sizeof(rom) };
        pc = pc_create(&cfg, err, sizeof(err));
        if (!pc)
            fuzz_fail("pc_create: %s", err);
    }
    struct state_out before = state_of();
    err[0] = 0;
    if (snapshot_load_bytes(pc, data, size, false, err, sizeof(err)) < 0) {
        FUZZ_CHECK(err[0] && !strchr(err, '\n'), "error is not one line: \"%s\"", err);
        struct state_out after = state_of();
        FUZZ_CHECK(same(&before, &after), "a refused snapshot changed the machine (%s)", err);
        state_out_free(&after);
        state_out_free(&before);
        return 0;
    }
    struct state_out once = state_of();
    FUZZ_CHECK(snapshot_load_bytes(pc, once.buf, once.len, false, err, sizeof(err)) == 0,
               "a saved snapshot does not load: %s", err);
    struct state_out twice = state_of();
    FUZZ_CHECK(same(&once, &twice), "save, load, save: different bytes");
    vm_run(pc->vm, 200);
    /* The next input starts from the power-on state again. */
    vm_reset(pc->vm);
    state_out_free(&before);
    state_out_free(&once);
    state_out_free(&twice);
    return 0;
}
