/* The host side's top level: from a parsed command line to a finished VM and
 * a process exit status.  main.c only calls plex86_main(). */
#ifndef PLEX86_HOST_RUN_H
#define PLEX86_HOST_RUN_H

#include <stdbool.h>

#include "host/cli.h"
#include "machine/vm.h"

/* The process exit status for a VM that stopped with `reason`; `code` is
 * vm->exit_code.  See the EXIT_STATUS_* list in cli.h. */
int exit_status_for(enum vm_exit_reason reason, int code, bool no_reboot);

/* Builds the machine the options describe, runs it to the end and returns
 * the exit status.  Messages go to stderr, guest output where -serial and
 * -debugcon say, the -d log to -D's file or stderr. */
int plex86_run(const struct cli_options *o);

/* Parses argv, then plex86_run(). */
int plex86_main(int argc, char *argv[]);

#endif
