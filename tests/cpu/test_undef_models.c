/* Flags the SDM leaves undefined, per CPU model: the 386 model has the
 * 80386's own values (cpu_model.flags386, docs/cpu-models.md; the guest
 * test undef386 checks every data point), and every other model keeps
 * plex86's P6-like values.  One case of each rule, run in real mode on
 * each model of the table. */
#include <string.h>

#include "check.h"
#include "hexload.h"
#include "cpu/cpu_model.h"
#include "engine/engine.h"
#include "machine/vm.h"

#define CF 0x001u
#define PF 0x004u
#define AF 0x010u
#define ZF 0x040u
#define SF 0x080u
#define OF 0x800u
#define ARITH (CF | PF | AF | ZF | SF | OF)

struct flag_case {
    const char *what;
    const char *code;    /* at 0100:0000, ending in HLT */
    uint32_t eax;
    uint32_t before;     /* arithmetic flags before */
    uint32_t on_386;     /* after, on the 386 model */
    uint32_t on_others;  /* after, on every other model */
};

static const struct flag_case cases[] = {
    /* AAA: SZP/OF of AL + 6 = 80h on the 386; of the cleared AL elsewhere */
    { "aaa, AL=7Ah", "37 f4", 0x007A, 0, CF | AF | SF | OF, CF | AF | ZF | PF },
    /* AAS: of AL - 6 = 7Ah (OF) on the 386; of the cleared AL (0Ah) elsewhere */
    { "aas, AX=0680h, AF", "3f f4", 0x0680, AF, CF | AF | OF, CF | AF | PF },
    /* SHL AL,16: CF = the LSB, AF = 1 on the 386 */
    { "shl al,16, AL=1", "c0 e0 10 f4", 0x01, 0, CF | PF | AF | ZF | OF, PF | ZF },
    /* SHR AL,1: AF = 1 on the 386 */
    { "shr al,1, AL=81h", "d0 e8 f4", 0x81, 0, CF | AF | OF, CF | OF },
    /* SHR AX,16: AF = 1 on the 386 */
    { "shr ax,16, AX=8000h", "c1 e8 10 f4", 0x8000, 0, CF | PF | AF | ZF, CF | PF | ZF },
    /* SHR EAX,1: no data for doublewords, the same on every model */
    { "shr eax,1, EAX=81h", "66 d1 e8 f4", 0x81, 0, CF, CF },
    /* BT AX,1: OF = bit 0 xor the 0 CF on the 386, kept elsewhere */
    { "bt ax,1, AX=1", "0f ba e0 01 f4", 0x01, 0, OF, 0 },
    { "bts eax,2, EAX=1", "66 0f ba e8 02 f4", 0x01, CF, OF, 0 },
    { "btr ax,3, AX=1, OF", "0f ba f0 03 f4", 0x01, OF, 0, OF },
};

int main(void)
{
    char err[256];
    struct vm *vm =
        vm_create(&(struct vm_config){ .ram_mb = 2, .cpu_level = CPU_386 }, err, sizeof(err));
    CHECK(vm != NULL);
    if (!vm)
        return check_report();
    struct cpu *c = &vm->cpu;
    for (size_t m = 0; m < cpu_model_count; m++) {
        const struct cpu_model *model = &cpu_models[m];
        bool is386 = !strcmp(model->name, "386");
        cpu_set_model(c, model);
        for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
            const struct flag_case *fc = &cases[k];
            cpu_reset(c);
            cpu_load_seg_real(c, S_CS, 0x100);
            c->eip = 0;
            put_hex(vm, 0x1000, fc->code);
            engine_invalidate(vm->engine, 0x1000, 16);
            c->gpr[R_EAX] = fc->eax;
            cpu_set_eflags(c, 0x2 | fc->before);
            CHECK_EQ(engine_run(vm->engine, 10), CPU_STOP_HLT);
            uint32_t want = is386 ? fc->on_386 : fc->on_others;
            if ((c->eflags & ARITH) != want)
                fprintf(stderr, "model %s, %s: flags %03x, want %03x\n", model->name,
                        fc->what, c->eflags & ARITH, want);
            CHECK_EQ(c->eflags & ARITH, want);
        }
    }
    vm_destroy(vm);
    return check_report();
}
