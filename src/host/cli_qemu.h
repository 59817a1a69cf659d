/* QEMU's option syntax for devices and firmware settings, parsed for
 * cli.c: `-chardev TYPE,id=ID[,path=FILE]`, `-device isa-debugcon,...`,
 * `-boot [order=]DRIVES,once=DRIVES,menu=on|off,splash-time=MS,
 * reboot-timeout=MS,strict=on|off` and `-option-rom FILE`.  Values are
 * QEMU's comma-separated key=value lists (",," is a comma inside a value);
 * the pieces are copied into the options' own string store. */
#ifndef PLEX86_HOST_CLI_QEMU_H
#define PLEX86_HOST_CLI_QEMU_H

#include <stddef.h>
#include <stdio.h>

#include "host/cli.h"

/* Each returns CLI_RUN, CLI_DONE (a help text printed to `out`) or
 * CLI_ERROR with one line in `err`. */
enum cli_result cli_parse_chardev_opt(const char *arg, struct cli_options *o, FILE *out,
                                      char *err, size_t errlen);
enum cli_result cli_parse_device_opt(const char *arg, struct cli_options *o, FILE *out,
                                     char *err, size_t errlen);
enum cli_result cli_parse_boot_opt(const char *arg, struct cli_options *o, char *err,
                                   size_t errlen);
enum cli_result cli_parse_option_rom(const char *arg, struct cli_options *o, char *err,
                                     size_t errlen);

/* DIR/NAME, copied into the options' store; NULL when it is full. */
const char *cli_store_path(struct cli_options *o, const char *dir, const char *name);

/* After every option: ties each device to its chardev (by id; each
 * chardev serves one device, as in QEMU).  Returns 0, or -1 with one line
 * in `err`. */
int cli_resolve_devices(struct cli_options *o, char *err, size_t errlen);

#endif
