/* The monitors' view of the VM's run state; see vmctl.h. */
#include "host/vmctl.h"

#include <stdio.h>

#include "pc/pc.h"
#include "pc/pc_acpi.h"
#include "machine/vm.h"

void vmctl_init(struct vmctl *ctl, struct pc *pc)
{
    *ctl = (struct vmctl){ .pc = pc, .allow_files = true };
}

void vmctl_emit(struct vmctl *ctl, const char *name, const char *data_json)
{
    if (ctl->event)
        ctl->event(ctl->event_opaque, name, data_json);
}

void vmctl_stop(struct vmctl *ctl)
{
    if (ctl->stopped)
        return;
    ctl->stopped = true;
    vm_cpus_stop(ctl->pc->vm); /* a thread per CPU: until cont */
    vm_clock_pause(&ctl->pc->vm->clock);
    vmctl_emit(ctl, "STOP", NULL);
}

void vmctl_cont(struct vmctl *ctl)
{
    if (!ctl->stopped)
        return;
    ctl->stopped = false;
    vm_clock_resume(&ctl->pc->vm->clock);
    vm_cpus_resume(ctl->pc->vm);
    vmctl_emit(ctl, "RESUME", NULL);
}

void vmctl_quit(struct vmctl *ctl)
{
    ctl->quit = true;
    vm_request_exit(ctl->pc->vm, VM_EXIT_QUIT, 0);
}

int vmctl_system_powerdown(struct vmctl *ctl)
{
    if (!ctl->pc->pm)
        return -1;
    pc_power_button(ctl->pc);
    vmctl_emit(ctl, "POWERDOWN", NULL);
    return 0;
}

void vmctl_system_reset(struct vmctl *ctl, const char *reason)
{
    ctl->reset = true;
    vm_request_exit(ctl->pc->vm, VM_EXIT_RESET, 0);
    char data[96];
    snprintf(data, sizeof(data), "{\"guest\": false, \"reason\": \"%s\"}", reason);
    vmctl_emit(ctl, "RESET", data);
}
