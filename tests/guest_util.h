/* Helpers for tests that boot a test guest ROM on a PC board. */
#ifndef PLEX86_TESTS_GUEST_UTIL_H
#define PLEX86_TESTS_GUEST_UTIL_H

#include <stdlib.h>

#include "pc/pc.h"
#include "machine/vm.h"

/* A board running `rom` with COM1 (and the 0xE9 console) writing into the
 * given buffers.  Exits the test program if the board cannot be built. */
static inline struct pc *boot_rom(const char *rom, struct char_buffer *serial,
                                  struct char_buffer *debugcon)
{
    struct pc_config cfg = {
        .ram_mb = 2, .cpu_level = CPU_486, .bios_path = rom,
        .has_serial = serial != NULL,
        .serial_out = serial ? char_sink_buffer(serial) : (struct char_sink){ 0 },
        .has_debugcon = debugcon != NULL,
        .debugcon_out = debugcon ? char_sink_buffer(debugcon) : (struct char_sink){ 0 },
    };
    char err[512];
    struct pc *pc = pc_create(&cfg, err, sizeof(err));
    if (!pc) {
        fprintf(stderr, "cannot boot %s: %s\n", rom, err);
        exit(1);
    }
    return pc;
}

#endif
