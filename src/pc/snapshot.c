/* Snapshots: the file's header and sections, save and load; see snapshot.h
 * and, for the format, snapshot_format.h and docs/snapshots.md.  What each
 * section holds is its part's business: snapshot_ram.c, snapshot_images.c,
 * cpu/cpu_state.c, vm/clock_state.c, snapshot_devices.c. */
#include "pc/snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cpu/cpu_model.h"
#include "cpu/cpu_state.h"
#include "pc/pc.h"
#include "pc/snapshot_devices.h"
#include "pc/hostfile.h"
#include "pc/snapshot_format.h"
#include "pc/snapshot_images.h"
#include "pc/snapshot_ram.h"
#include "vm/clock_state.h"
#include "machine/vm.h"

#ifndef PLEX86_VERSION
#error "PLEX86_VERSION must come from the build (src/CMakeLists.txt)"
#endif

static uint32_t crc_of(const uint8_t *p, size_t n)
{
    uLong crc = crc32(0, Z_NULL, 0);
    /* zlib takes lengths as uInt: feed large payloads in pieces. */
    while (n) {
        uInt step = n > (1u << 30) ? (1u << 30) : (uInt)n;
        crc = crc32(crc, p, step);
        p += step;
        n -= step;
    }
    return (uint32_t)crc;
}

static void put_str8(struct state_out *o, const char *s)
{
    size_t n = strlen(s);
    if (n > 255)
        n = 255;
    state_put_u8(o, (uint8_t)n);
    state_put_bytes(o, s, n);
}

void snap_put_section(struct state_out *file, const char *name, const struct state_out *payload)
{
    put_str8(file, name);
    state_put_u64(file, payload->len);
    state_put_u32(file, crc_of(payload->buf, payload->len));
    state_put_bytes(file, payload->buf, payload->len);
}

struct snap_section *snap_find(struct snap_file *f, const char *name)
{
    for (unsigned i = 0; i < f->n; i++)
        if (strcmp(f->s[i].name, name) == 0) {
            f->s[i].used = true;
            return &f->s[i];
        }
    return NULL;
}

static void put_header(struct state_out *f, struct vm *vm)
{
    state_put_bytes(f, SNAPSHOT_MAGIC, SNAPSHOT_MAGIC_LEN);
    state_put_u32(f, SNAPSHOT_FORMAT_VERSION);
    put_str8(f, PLEX86_VERSION);
    state_put_u32(f, vm->mem.ram_size);
    put_str8(f, vm->cpu.model->name);
    if (!f->oom)
        state_put_u32(f, crc_of(f->buf, f->len));
}

/* Builds one section with `fill` and appends it; -1 on failure. */
#define PUT_SECTION(file, name, fill_stmt)              \
    do {                                                \
        struct state_out p_;                            \
        state_out_init(&p_);                            \
        struct state_out *p = &p_;                      \
        int rc_ = (fill_stmt);                          \
        if (rc_ == 0 && !p->oom)                        \
            snap_put_section(file, name, p);            \
        state_out_free(&p_);                            \
        if (rc_ < 0)                                    \
            return -1;                                  \
    } while (0)

static int put_cpu(struct cpu *c, struct state_out *p)
{
    cpu_state_save(c, p);
    return 0;
}

static int put_clock(struct vm_clock *clk, struct state_out *p)
{
    vm_clock_save(clk, p);
    return 0;
}

/* With several CPUs (-smp, issue 19): "smp" holds the CPU count, each
 * CPU's activity state and the round robin's place; "cpu.N" the state of
 * application processor N as "cpu" holds the BSP's.  A one-CPU machine
 * writes neither, so its snapshots are as before. */
static int put_smp(const struct vm *vm, struct state_out *p)
{
    state_put_u32(p, vm->ncpus);
    for (unsigned i = 0; i < vm->ncpus; i++)
        state_put_u8(p, vm->activity[i]);
    state_put_u32(p, vm->cur);
    state_put_u32(p, vm->rr_next);
    state_put_u64(p, vm->turn_left);
    return 0;
}

/* The "smp" section, checked against this machine; commit applies it. */
static int load_smp(struct vm *vm, struct snap_file *f, bool commit, char *err, size_t errlen)
{
    const struct snap_section *sec = snap_find(f, "smp");
    struct state_in in = sec ? state_in_of(sec->data, sec->len) : state_in_of(NULL, 0);
    uint32_t n = sec ? state_get_u32(&in) : 1;
    if (sec && !state_in_ok(&in, false)) {
        snprintf(err, errlen, "corrupted snapshot (section 'smp')");
        return -1;
    }
    if (n != vm->ncpus) {
        snprintf(err, errlen, "snapshot of a machine with %u CPU%s, this one has %u (-smp)",
                 n, n == 1 ? "" : "s", vm->ncpus);
        return -1;
    }
    if (!sec)
        return 0;
    uint8_t act[VM_MAX_CPUS];
    for (unsigned i = 0; i < n; i++) {
        act[i] = state_get_u8(&in);
        if (act[i] > VM_CPU_WAIT_SIPI)
            state_in_fail(&in);
    }
    uint32_t cur = state_get_u32(&in), next = state_get_u32(&in);
    uint64_t turn_left = state_get_u64(&in);
    if (cur >= n || next >= n || turn_left > VM_SMP_SLICE_STEPS)
        state_in_fail(&in);
    if (!state_in_ok(&in, true)) {
        snprintf(err, errlen, "corrupted snapshot (section 'smp')");
        return -1;
    }
    if (commit) {
        memcpy(vm->activity, act, n);
        vm->cur = cur;
        vm->rr_next = next;
        vm->turn_left = turn_left;
    }
    return 0;
}

/* "topo" (with "smp"): sockets, cores per socket, threads per core.  The
 * APIC IDs, CPUID and the ACPI tables the guest has read follow them
 * (cpu/topo.h), so another layout of as many CPUs is another machine.
 * Snapshots from before it (no section) load on any layout. */
static int put_topo(const struct vm *vm, struct state_out *p)
{
    state_put_u32(p, vm->topo.sockets);
    state_put_u32(p, vm->topo.cores);
    state_put_u32(p, vm->topo.threads);
    return 0;
}

static int check_topo(const struct vm *vm, struct snap_file *f, char *err, size_t errlen)
{
    const struct snap_section *sec = snap_find(f, "topo");
    if (!sec)
        return 0;
    struct state_in in = state_in_of(sec->data, sec->len);
    uint32_t sockets = state_get_u32(&in), cores = state_get_u32(&in);
    uint32_t threads = state_get_u32(&in);
    if (!state_in_ok(&in, true)) {
        snprintf(err, errlen, "corrupted snapshot (section 'topo')");
        return -1;
    }
    if (sockets != vm->topo.sockets || cores != vm->topo.cores || threads != vm->topo.threads) {
        snprintf(err, errlen,
                 "snapshot of a machine with sockets=%u,cores=%u,threads=%u, this one has "
                 "sockets=%u,cores=%u,threads=%u (-smp)", sockets, cores, threads,
                 vm->topo.sockets, vm->topo.cores, vm->topo.threads);
        return -1;
    }
    return 0;
}

/* The application processors' "cpu.N" sections. */
static int load_aps(struct vm *vm, struct snap_file *f, bool commit, char *err, size_t errlen)
{
    for (unsigned i = 1; i < vm->ncpus; i++) {
        char name[16];
        snprintf(name, sizeof(name), "cpu.%u", i);
        const struct snap_section *sec = snap_find(f, name);
        if (!sec) {
            snprintf(err, errlen, "incomplete snapshot (no '%s' section)", name);
            return -1;
        }
        struct state_in in = state_in_of(sec->data, sec->len);
        char why[200];
        if (cpu_state_load(vm->cpus[i], &in, commit, why, sizeof(why)) < 0) {
            snprintf(err, errlen, "CPU %u: %s", i, why);
            return -1;
        }
    }
    return 0;
}

int snapshot_write_bytes(struct pc *pc, struct state_out *file, char *err, size_t errlen)
{
    struct vm *vm = pc->vm;
    put_header(file, vm);
    PUT_SECTION(file, "images",
                snapshot_images_save(pc->image_paths, pc->nimages, p, err, errlen));
    PUT_SECTION(file, "ram", snapshot_ram_save(vm, p, err, errlen));
    PUT_SECTION(file, "cpu", put_cpu(&vm->cpu, p));
    if (vm->ncpus > 1) {
        PUT_SECTION(file, "smp", put_smp(vm, p));
        PUT_SECTION(file, "topo", put_topo(vm, p));
        for (unsigned i = 1; i < vm->ncpus; i++) {
            char name[16];
            snprintf(name, sizeof(name), "cpu.%u", i);
            PUT_SECTION(file, name, put_cpu(vm->cpus[i], p));
        }
    }
    PUT_SECTION(file, "clock", put_clock(&vm->clock, p));
    if (snapshot_devices_save(vm, file, err, errlen) < 0)
        return -1;
    struct state_out end;
    state_out_init(&end);
    snap_put_section(file, "end", &end);
    if (file->oom) {
        snprintf(err, errlen, "out of memory for the snapshot");
        return -1;
    }
    return 0;
}

int snapshot_save(struct pc *pc, const char *path, char *err, size_t errlen)
{
    struct state_out file;
    state_out_init(&file);
    char why[384];
    int rc = snapshot_check_overlays(pc, why, sizeof(why));
    if (rc == 0)
        rc = snapshot_write_bytes(pc, &file, why, sizeof(why));
    if (rc < 0)
        snprintf(err, errlen, "%s: %s", path, why);
    else
        rc = host_replace_file(path, file.buf, file.len, 0600, err, errlen);
    state_out_free(&file);
    return rc;
}

/* --- loading ------------------------------------------------------------- */

static bool good_name(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '.' ||
              *s == '_' || *s == '-'))
            return false;
    return true;
}

static void get_str8(struct state_in *in, char *buf, size_t cap)
{
    uint8_t n = state_get_u8(in);
    if (!state_in_ok(in, false) || n >= cap || n > in->len - in->pos) {
        state_in_fail(in);
        buf[0] = 0;
        return;
    }
    state_get_bytes(in, buf, n);
    buf[n] = 0;
}

static int check_header(struct state_in *in, struct vm *vm, char *err, size_t errlen)
{
    if (in->len < SNAPSHOT_MAGIC_LEN || memcmp(in->buf, SNAPSHOT_MAGIC, SNAPSHOT_MAGIC_LEN)) {
        snprintf(err, errlen, "not a plex86 snapshot");
        return -1;
    }
    in->pos = SNAPSHOT_MAGIC_LEN;
    uint32_t version = state_get_u32(in);
    if (!state_in_ok(in, false)) {
        snprintf(err, errlen, "truncated snapshot (in the header)");
        return -1;
    }
    if (version != SNAPSHOT_FORMAT_VERSION) {
        snprintf(err, errlen, "snapshot format version %u, this plex86 reads version %u",
                 version, SNAPSHOT_FORMAT_VERSION);
        return -1;
    }
    char made_by[256], model[256];
    get_str8(in, made_by, sizeof(made_by));
    uint32_t ram_size = state_get_u32(in);
    get_str8(in, model, sizeof(model));
    size_t crc_at = in->pos;
    uint32_t crc = state_get_u32(in);
    if (!state_in_ok(in, false)) {
        snprintf(err, errlen, "truncated snapshot (in the header)");
        return -1;
    }
    if (crc != crc_of(in->buf, crc_at)) {
        snprintf(err, errlen, "snapshot header is corrupted (checksum mismatch)");
        return -1;
    }
    if (ram_size != vm->mem.ram_size) {
        snprintf(err, errlen, "snapshot of a machine with %u MiB of RAM, this one has %u "
                              "MiB (-m)",
                 ram_size >> 20, vm->mem.ram_size >> 20);
        return -1;
    }
    if (strcmp(model, vm->cpu.model->name) != 0) {
        snprintf(err, errlen, "snapshot of a '%.64s' CPU, this machine has '%s' (-cpu)",
                 model, vm->cpu.model->name);
        return -1;
    }
    return 0;
}

/* Splits the file into checked sections, up to the end marker. */
static int split_sections(struct state_in *in, struct snap_file *f, char *err, size_t errlen)
{
    char after[SNAPSHOT_NAME_MAX + 16] = "the header";
    for (;;) {
        if (in->pos == in->len) {
            snprintf(err, errlen, "truncated snapshot (ends after %s)", after);
            return -1;
        }
        char name[SNAPSHOT_NAME_MAX + 1];
        get_str8(in, name, sizeof(name));
        if (!state_in_ok(in, false)) {
            snprintf(err, errlen, "truncated or corrupted snapshot (after %s)", after);
            return -1;
        }
        if (!name[0] || !good_name(name)) {
            snprintf(err, errlen, "corrupted snapshot (a bad section name after %s)", after);
            return -1;
        }
        uint64_t len = state_get_u64(in);
        uint32_t crc = state_get_u32(in);
        if (!state_in_ok(in, false)) {
            snprintf(err, errlen, "truncated snapshot (in section '%s')", name);
            return -1;
        }
        if (len > in->len - in->pos) {
            snprintf(err, errlen, "truncated snapshot (section '%s' has %zu of its %llu bytes)",
                     name, in->len - in->pos, (unsigned long long)len);
            return -1;
        }
        const uint8_t *data = in->buf + in->pos;
        in->pos += (size_t)len;
        if (crc != crc_of(data, (size_t)len)) {
            snprintf(err, errlen, "snapshot section '%s' is corrupted (checksum mismatch)", name);
            return -1;
        }
        if (strcmp(name, "end") == 0) {
            if (len || in->pos != in->len) {
                snprintf(err, errlen, "corrupted snapshot (data after the end marker)");
                return -1;
            }
            return 0;
        }
        for (unsigned i = 0; i < f->n; i++)
            if (strcmp(f->s[i].name, name) == 0) {
                snprintf(err, errlen, "corrupted snapshot (section '%s' twice)", name);
                return -1;
            }
        if (f->n == SNAPSHOT_MAX_SECTIONS) {
            snprintf(err, errlen, "corrupted snapshot (more than %u sections)",
                     SNAPSHOT_MAX_SECTIONS);
            return -1;
        }
        struct snap_section *s = &f->s[f->n++];
        memcpy(s->name, name, sizeof(name));
        s->data = data;
        s->len = (size_t)len;
        snprintf(after, sizeof(after), "section '%s'", name);
    }
}

/* A section the machine must have, as a stream. */
static int need(struct snap_file *f, const char *name, struct state_in *in, char *err,
                size_t errlen)
{
    const struct snap_section *s = snap_find(f, name);
    if (!s) {
        snprintf(err, errlen, "incomplete snapshot (no '%s' section)", name);
        return -1;
    }
    *in = state_in_of(s->data, s->len);
    return 0;
}

int snapshot_load_bytes(struct pc *pc, const uint8_t *buf, size_t len, bool force,
                        char *err, size_t errlen)
{
    struct vm *vm = pc->vm;
    struct state_in in = state_in_of(buf, len);
    struct snap_file *f = calloc(1, sizeof(*f));
    struct snapshot_ram ram = { 0 };
    struct state_in images, ram_in, cpu_in, clock_in;
    int rc = -1;
    if (!f) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (check_header(&in, vm, err, errlen) < 0 || split_sections(&in, f, err, errlen) < 0 ||
        need(f, "images", &images, err, errlen) < 0 || need(f, "ram", &ram_in, err, errlen) < 0 ||
        need(f, "cpu", &cpu_in, err, errlen) < 0 || need(f, "clock", &clock_in, err, errlen) < 0)
        goto out;
    /* Everything is checked before anything changes. */
    struct state_in cpu_again = cpu_in, clock_again = clock_in;
    if (snapshot_images_check(&images, pc->image_paths, pc->nimages, force, err, errlen) < 0 ||
        snapshot_ram_parse(vm, &ram_in, &ram, err, errlen) < 0 ||
        load_smp(vm, f, false, err, errlen) < 0 || check_topo(vm, f, err, errlen) < 0 ||
        cpu_state_load(&vm->cpu, &cpu_in, false, err, errlen) < 0 ||
        load_aps(vm, f, false, err, errlen) < 0 ||
        vm_clock_load(&vm->clock, &clock_in, false, err, errlen) < 0 ||
        snapshot_devices_load(vm, f, false, err, errlen) < 0)
        goto out;
    for (unsigned i = 0; i < f->n; i++)
        if (!f->s[i].used) {
            snprintf(err, errlen, "snapshot has a section this machine lacks ('%s')",
                     f->s[i].name);
            goto out;
        }
    /* Commit: RAM, then the CPU, then the clock (which counts the CPU's
     * restored steps), then the devices (whose timers read the clock). */
    snapshot_ram_commit(vm, &ram);
    if (cpu_state_load(&vm->cpu, &cpu_again, true, err, errlen) < 0 ||
        load_smp(vm, f, true, err, errlen) < 0 || load_aps(vm, f, true, err, errlen) < 0 ||
        vm_clock_load(&vm->clock, &clock_again, true, err, errlen) < 0 ||
        snapshot_devices_load(vm, f, true, err, errlen) < 0) {
        /* Not reached: the same bytes passed the dry run. */
        snprintf(err, errlen, "internal error: a checked snapshot failed to load");
        goto out;
    }
    vm_invalidate_code(vm);
    rc = 0;
out:
    snapshot_ram_free(&ram);
    free(f);
    return rc;
}

int snapshot_load(struct pc *pc, const char *path, bool force, char *err, size_t errlen)
{
    /* Compressed RAM is never much larger than RAM (zlib's bound is
     * 0.1% more); the rest of a snapshot is a few KiB. */
    size_t ram = pc->vm->mem.ram_size;
    size_t max = ram + ram / 8 + (16u << 20);
    uint8_t *buf;
    size_t len;
    if (host_read_file(path, max, &buf, &len, err, errlen) < 0)
        return -1;
    char why[384];
    int rc = snapshot_load_bytes(pc, buf, len, force, why, sizeof(why));
    if (rc < 0)
        snprintf(err, errlen, "%s: %s", path, why);
    free(buf);
    return rc;
}
