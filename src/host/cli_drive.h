/* The drive options, as QEMU spells them (qemu-system(1), "Block device
 * options"): -hda..-hdd FILE (IDE index 0-3), -cdrom FILE (IDE index 2,
 * a CD), -fda/-fdb FILE (floppy 0 and 1), and
 *   -drive file=F,if=ide|floppy,index=N,bus=B,unit=U,media=disk|cdrom,
 *          format=raw|qcow2,readonly=on|off,cache=MODE,snapshot=on|off,id=ID
 * with QEMU's escape for a comma in a value (",,").  Each option fills
 * one slot of cli_options.ide[] or .floppy[]; a slot already taken, an
 * index out of range, an unknown key or a bad value is a usage error (one
 * line: the option, its argument and what is wrong, in QEMU's words where
 * it has them).  Files are only named here; plex86_run opens them. */
#ifndef PLEX86_HOST_CLI_DRIVE_H
#define PLEX86_HOST_CLI_DRIVE_H

#include <stddef.h>

#include "host/cli.h"

/* Applies one drive option: `opt` is its name without dashes ("hda",
 * "cdrom", "fdb", "drive"), `arg` its argument.  CLI_RUN or CLI_ERROR
 * with one line in `err`. */
enum cli_result cli_drive_option(struct cli_options *o, const char *opt, const char *arg,
                                 char *err, size_t errlen);

/* QEMU's name for a drive slot (what `info block` and `commit` use):
 * "ide0-hd0", "ide1-cd0" (bus 1, unit 0, a CD), "floppy1"; `slot` is the
 * accounting's drive index (0-3 IDE, 4-5 floppy). */
void cli_drive_default_name(unsigned slot, bool cdrom, char *out, size_t outlen);

#endif
