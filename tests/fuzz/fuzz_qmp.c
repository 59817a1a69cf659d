/* Fuzz harness: the monitors' parsers, QMP (src/host/qmp.c: the JSON
 * splitter, cJSON, the dispatch) and the human monitor (src/host/
 * monitor.c and its commands), fed untrusted bytes as a client would send
 * them, against a VM with a tiny guest (a 4 KiB firmware page of HLTs).
 *
 * Input: byte 0 picks the protocol (bit 0: QMP, else HMP) and whether to
 * negotiate QMP first (bit 1); the rest is the client's bytes, fed in
 * pieces whose sizes come from byte 0's upper bits (1 to 16 bytes, or all
 * at once), so that splits inside values and lines are covered.
 *
 * The VM has two drives in memory (so that `info block`, `commit`,
 * `qemu-io` and query-block have something to act on): ide0-hd0, a 64 KiB
 * disk cleared for each input, and ide1-cd0, a 4 KiB read-only CD.
 *
 * Properties: every QMP output line is one JSON object, a greeting,
 * reply or event; the human monitor's output always ends with the prompt
 * after a complete line; nothing crashes, leaks or reads out of bounds
 * (the sanitizers); savevm/loadvm never touch files (allow_files off). */
#include <cjson/cJSON.h>
#include <stdbool.h>

#include "block/block.h"
#include "fuzz.h"
#include "host/drives.h"
#include "host/monitor.h"
#include "host/qmp.h"
#include "host/vmctl.h"
#include "pc/pc.h"
#include "machine/vm.h"

static struct pc *pc;
static struct qmp qmp;
static struct monitor hmp;
static struct vmctl ctl;
static struct drives drives;
static uint8_t disk[64 << 10], cd[4096];

/* What the session wrote, for the checks (bounded: a reply never grows
 * past a few megabytes here). */
static char out[1 << 22];
static size_t out_len;

static void capture(void *opaque, const char *data, size_t n)
{
    (void)opaque;
    if (n > sizeof(out) - out_len)
        fuzz_fail("session output over %zu bytes", sizeof(out));
    memcpy(out + out_len, data, n);
    out_len += n;
}

static void on_event(void *opaque, const char *name, const char *data_json)
{
    (void)opaque;
    qmp_event(&qmp, name, data_json);
}

static void setup(void)
{
    if (pc)
        return;
    static uint8_t bios[4096];
    memset(bios, 0xF4, sizeof(bios));
    char err[256];
    struct pc_config cfg = { .ram_mb = 2, .cpu_level = CPU_486, .bios_data = bios,
                             .bios_size = sizeof(bios) };
    pc = pc_create(&cfg, err, sizeof(err));
    if (!pc)
        fuzz_fail("pc_create: %s", err);
    drives.d[0] = (struct drive){ .present = true, .name = "ide0-hd0", .path = "memory",
                                  .block = block_open_memory(disk, sizeof(disk), false) };
    drives.d[2] = (struct drive){ .present = true, .cdrom = true, .name = "ide1-cd0",
                                  .path = "memory",
                                  .block = block_open_memory(cd, sizeof(cd), true) };
    drives.d[3] = (struct drive){ .present = true, .cdrom = true, .name = "ide1-cd1" };
    if (!drives.d[0].block || !drives.d[2].block)
        fuzz_fail("out of memory");
}

/* Each \r\n-ended line is one JSON object of a known kind. */
static void check_qmp_output(void)
{
    size_t start = 0;
    for (size_t i = 0; i + 1 < out_len; i++) {
        if (out[i] != '\r' || out[i + 1] != '\n')
            continue;
        cJSON *msg = cJSON_ParseWithLength(out + start, i - start);
        if (!msg || !cJSON_IsObject(msg))
            fuzz_fail("QMP wrote a line that is not a JSON object: %.*s", (int)(i - start),
                      out + start);
        bool known = cJSON_HasObjectItem(msg, "QMP") || cJSON_HasObjectItem(msg, "return") ||
                     cJSON_HasObjectItem(msg, "error") || cJSON_HasObjectItem(msg, "event");
        cJSON_Delete(msg);
        if (!known)
            fuzz_fail("QMP wrote an object of no known kind");
        start = i + 2;
        i++;
    }
    if (start != out_len)
        fuzz_fail("QMP output does not end with a complete line");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    if (size == 0)
        return 0;
    /* A fresh run state per input; the VM itself is only read. */
    struct vm *vm = pc->vm;
    vm_clock_resume(&vm->clock);
    vm->exit_reason = VM_EXIT_NONE;
    vm->cpu.stop_request = false;
    vmctl_init(&ctl, pc);
    ctl.allow_files = false;
    ctl.drives = &drives;
    memset(disk, 0, sizeof(disk));
    ctl.event = on_event;
    out_len = 0;
    bool use_qmp = data[0] & 1;
    bool negotiate = data[0] & 2;
    size_t piece = data[0] >> 4;   /* 0: all at once */
    data++;
    size--;
    if (use_qmp) {
        qmp_init(&qmp, &ctl, capture, NULL);
        qmp_start(&qmp);
        if (negotiate) {
            static const char caps[] = "{\"execute\": \"qmp_capabilities\"}";
            qmp_input(&qmp, caps, sizeof(caps) - 1);
        }
    } else {
        monitor_init(&hmp, &ctl, capture, NULL);
        monitor_start(&hmp);
    }
    for (size_t off = 0; off < size;) {
        size_t n = piece ? piece : size;
        if (n > size - off)
            n = size - off;
        if (use_qmp)
            qmp_input(&qmp, data + off, n);
        else
            monitor_input(&hmp, data + off, n);
        off += n;
    }
    if (use_qmp) {
        check_qmp_output();
    } else {
        static const char prompt[] = MONITOR_PROMPT;
        size_t pl = sizeof(prompt) - 1;
        if (out_len < pl || memcmp(out + out_len - pl, prompt, pl))
            fuzz_fail("the human monitor's output does not end with its prompt");
    }
    return 0;
}
