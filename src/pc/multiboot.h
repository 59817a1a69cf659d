/* Multiboot v1 (specification 0.6.96) direct boot, for -kernel: finds the
 * Multiboot header, loads an ELF32 i386 executable's PT_LOAD segments or an
 * image described by the header's a.out-kludge address fields, builds the
 * boot information structure in guest RAM and puts the CPU in the state the
 * specification gives for the kernel's entry: 32-bit protected mode with
 * flat segments, paging off, IF=0, EAX=0x2BADB002, EBX=the info address.
 *
 * A kernel file is untrusted input: every header field and program header
 * is checked before anything is written to guest RAM, and each problem is
 * reported as one line that starts with the file's name.  Nothing here
 * prints or exits. */
#ifndef PLEX86_PC_MULTIBOOT_H
#define PLEX86_PC_MULTIBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;

#define MB_HEADER_MAGIC 0x1BADB002u   /* in the kernel file */
#define MB_BOOT_MAGIC 0x2BADB002u     /* in EAX at the kernel's entry */
#define MB_SEARCH_BYTES 8192u         /* the header lies wholly in these */

/* Header flags (spec 3.1.2).  Bits 0-15 are requirements: a loader must
 * refuse a kernel that sets one it does not know.  We know 0-2 (page-aligned
 * modules and memory information are always given; video mode information
 * (bit 2) cannot be, as there is no display yet: the info structure then
 * lacks flags bit 11 and the kernel can see that). */
enum {
    MB_HF_PAGE_ALIGN = 1u << 0,
    MB_HF_MEMORY_INFO = 1u << 1,
    MB_HF_VIDEO_MODE = 1u << 2,
    MB_HF_AOUT_KLUDGE = 1u << 16,
    MB_HF_KNOWN_REQUIRED = MB_HF_PAGE_ALIGN | MB_HF_MEMORY_INFO | MB_HF_VIDEO_MODE,
};

/* Boot information flags (spec 3.3) that we set. */
enum {
    MB_INFO_MEMORY = 1u << 0,
    MB_INFO_CMDLINE = 1u << 2,
    MB_INFO_MODS = 1u << 3,
    MB_INFO_MEM_MAP = 1u << 6,
    MB_INFO_LOADER_NAME = 1u << 9,
};

/* Where the boot information lives: a block that holds, in this order, the
 * GDT the kernel starts with, the info structure, the memory map, the
 * module list, the boot loader's name, the command line and the module
 * string.  It goes at MB_INFO_AREA, or, when the kernel or the module is
 * there, at the first free page below 640 KiB or after them above 1 MiB;
 * only a kernel that leaves no room for it is refused. */
#define MB_INFO_AREA 0x9000u
#define MB_INFO_AREA_MAX 0x3000u     /* bytes at most (the longest strings) */
#define MB_CMDLINE_MAX 4095u         /* bytes, without the NUL */
#define MB_GDT_ADDR MB_INFO_AREA     /* null, code 0x08, data 0x10 */
#define MB_CODE_SEL 0x08u
#define MB_DATA_SEL 0x10u
#define MB_INFO_ADDR (MB_INFO_AREA + 0x20u)

/* The most PT_LOAD segments we load (kernels have two to four). */
#define MB_MAX_SEGMENTS 16

/* One piece of the image: file bytes [offset, offset+filesz) land at
 * physical paddr, and [paddr+filesz, paddr+memsz) is zeroed. */
struct mb_segment {
    uint32_t paddr;
    uint32_t filesz;
    uint32_t memsz;
    uint32_t offset;
};

/* What mb_parse() found in a kernel file. */
struct mb_image {
    uint32_t header_offset;    /* of the magic, in the file */
    uint32_t flags;            /* the header's flags */
    bool aout_kludge;          /* loaded by the header's address fields */
    unsigned nseg;
    struct mb_segment seg[MB_MAX_SEGMENTS];
    uint32_t entry;            /* physical entry point */
    uint32_t start, end;       /* lowest and one past the highest loaded byte */
};

/* Parses and checks a kernel file against a machine with `ram_size` bytes
 * of RAM: the header, the ELF or a.out-kludge layout, and that every
 * segment lies in RAM that the memory map calls available, clear of the
 * others.  `name` starts each message.
 * Returns 0, or -1 with one line in `err`. */
int mb_parse(const uint8_t *img, size_t size, uint32_t ram_size, const char *name,
             struct mb_image *m, char *err, size_t errlen);

/* A -kernel boot: the kernel file, its command line (-append, or NULL) and
 * an optional module (-initrd). */
struct mb_boot {
    const uint8_t *kernel;
    size_t kernel_size;
    const char *kernel_name;   /* file name: messages, and the start of the
                                  command line as GRUB and QEMU pass it */
    const char *append;        /* NULL or the rest of the command line */
    const uint8_t *module;     /* NULL: no module */
    size_t module_size;
    const char *module_name;   /* file name: messages and the module string */
};

/* Where mb_load() put things (for tests and -d logs). */
struct mb_result {
    uint32_t entry;
    uint32_t info;             /* the info structure's physical address */
    uint32_t mod_start, mod_end; /* the module, when one was given */
};

/* Loads a kernel into the VM's RAM and sets the CPU up for its entry (the
 * CPU must be in its reset state).  Returns 0, or -1 with one line in `err`
 * and the VM's RAM possibly changed. */
int mb_load(struct vm *vm, const struct mb_boot *b, struct mb_result *r, char *err,
            size_t errlen);

#endif
