/* Snapshot save and load times (bench/snapshot.sh): boots a kernel for N
 * steps under -icount 3, then times snapshot_save and snapshot_load of
 * the machine, in this process, and prints both with the file's size.
 * usage: snapshot-bench KERNEL INITRD RAM_MB STEPS FILE */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "pc/pc.h"
#include "pc/snapshot.h"
#include "vm/clock.h"
#include "machine/vm.h"

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: snapshot-bench KERNEL INITRD RAM_MB STEPS FILE\n");
        return 2;
    }
    struct pc_config cfg = { .ram_mb = (uint32_t)atoi(argv[3]), .cpu_level = CPU_P6,
                             .jit = true, .icount = true, .icount_shift = 3,
                             .kernel_path = argv[1], .initrd_path = argv[2],
                             .append = "console=ttyS0 panic=-1 cryptomgr.notests noisapnp",
                             .has_serial = true, .serial_out = char_sink_file(stderr) };
    char err[512];
    struct pc *pc = pc_create(&cfg, err, sizeof(err));
    if (!pc) {
        fprintf(stderr, "snapshot-bench: %s\n", err);
        return 2;
    }
    uint64_t steps = strtoull(argv[4], NULL, 10);
    vm_run(pc->vm, steps);
    uint64_t t0 = host_monotonic_ns();
    if (snapshot_save(pc, argv[5], err, sizeof(err)) < 0) {
        fprintf(stderr, "snapshot-bench: %s\n", err);
        return 1;
    }
    uint64_t t1 = host_monotonic_ns();
    if (snapshot_load(pc, argv[5], false, err, sizeof(err)) < 0) {
        fprintf(stderr, "snapshot-bench: %s\n", err);
        return 1;
    }
    uint64_t t2 = host_monotonic_ns();
    struct stat st;
    stat(argv[5], &st);
    printf("snapshot of a %s MiB guest after %llu steps: save %.3f s, load %.3f s, "
           "file %lld bytes (%.1f MiB)\n",
           argv[3], (unsigned long long)pc->vm->cpu.icount, (t1 - t0) / 1e9, (t2 - t1) / 1e9,
           (long long)st.st_size, st.st_size / 1048576.0);
    pc_destroy(pc);
    return 0;
}
