/* The devices' sections of a snapshot; see snapshot_devices.h. */
#include "pc/snapshot_devices.h"

#include <stdio.h>
#include <string.h>

#include "machine/vm.h"

#include "vm/device.h"

#define DEV_PREFIX "dev."

static void section_name(char *buf, size_t len, const struct device *d)
{
    snprintf(buf, len, DEV_PREFIX "%.*s", DEVICE_NAME_MAX, d->name);
}

int snapshot_devices_save(struct vm *vm, struct state_out *file, char *why, size_t whylen)
{
    for (unsigned i = 0; i < vm->ndevices; i++) {
        const struct device *d = vm->devices[i];
        if (!d->ops->save)
            continue;
        struct state_out p;
        state_out_init(&p);
        d->ops->save(d, &p);
        if (p.oom) {
            state_out_free(&p);
            snprintf(why, whylen, "out of memory saving device '%s'", d->name);
            return -1;
        }
        char name[SNAPSHOT_NAME_MAX + 1];
        section_name(name, sizeof(name), d);
        snap_put_section(file, name, &p);
        state_out_free(&p);
    }
    return 0;
}

int snapshot_devices_load(struct vm *vm, struct snap_file *f, bool commit, char *why,
                          size_t whylen)
{
    for (unsigned i = 0; i < vm->ndevices; i++) {
        struct device *d = vm->devices[i];
        if (!d->ops->load)
            continue;
        char name[SNAPSHOT_NAME_MAX + 1];
        section_name(name, sizeof(name), d);
        const struct snap_section *s = snap_find(f, name);
        if (!s) {
            snprintf(why, whylen, "no state for device '%s' in the snapshot", d->name);
            return -1;
        }
        struct state_in in = state_in_of(s->data, s->len);
        if (d->ops->load(d, &in, commit) < 0 || !state_in_ok(&in, true)) {
            snprintf(why, whylen, "device '%s': bad state in the snapshot", d->name);
            return -1;
        }
    }
    return 0;
}
