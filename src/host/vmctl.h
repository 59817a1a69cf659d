/* What the monitors act on: one board and its run state as the user sees
 * it (running or paused by `stop`/-S, quit asked, reset asked), and the
 * events that tell QMP clients of changes.  The human monitor (monitor.h)
 * and QMP (qmp.h) both go through here, so that `stop` means the same
 * from either, and the run loop (monitors.h) reads the result between
 * slices.  Nothing here blocks. */
#ifndef PLEX86_HOST_VMCTL_H
#define PLEX86_HOST_VMCTL_H

#include <stdbool.h>
#include <stddef.h>

struct pc;
struct acct;
struct drives;

/* An event for QMP clients: its name and its "data" member as JSON text
 * (NULL: none). */
typedef void vmctl_event_fn(void *opaque, const char *name, const char *data_json);

struct vmctl {
    struct pc *pc;
    struct acct *acct;      /* for `info stats`; NULL: none */
    struct drives *drives;  /* for `info block`, `commit`; NULL: none */
    bool stopped;           /* paused by the user: the guest does not run */
    bool quit;              /* `quit`: the run ends (status 0) */
    bool reset;             /* `system_reset` asked, not yet done */
    bool allow_files;       /* savevm/loadvm may touch files (off in the
                               fuzz harness) */
    unsigned cpu;           /* the monitor's current CPU (`cpu N`): whose
                               registers `info registers` shows and whose
                               paging `x` uses, as QEMU's */
    vmctl_event_fn *event;  /* may be NULL */
    void *event_opaque;
};

void vmctl_init(struct vmctl *ctl, struct pc *pc);

/* Pause and resume: the guest's clock stands still while paused (STOP and
 * RESUME events; nothing when already in that state). */
void vmctl_stop(struct vmctl *ctl);
void vmctl_cont(struct vmctl *ctl);

/* Asks the run to end (exit status 0). */
void vmctl_quit(struct vmctl *ctl);

/* Asks for a machine reset, done by the run loop as a guest's would be
 * (a RESET event with "guest": false and `reason`). */
void vmctl_system_reset(struct vmctl *ctl, const char *reason);

/* Presses the ACPI power button (the PIIX4's PWRBTN_STS), as QEMU's
 * system_powerdown does, with a POWERDOWN event.  Returns 0, or -1 when
 * the board has no power-management function. */
int vmctl_system_powerdown(struct vmctl *ctl);

/* Sends an event to QMP clients; `data_json` may be NULL. */
void vmctl_emit(struct vmctl *ctl, const char *name, const char *data_json);

#endif
