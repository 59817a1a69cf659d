/* Direct Linux boot, for -kernel with a bzImage: what QEMU's -kernel does
 * for Linux, by the 32-bit boot protocol of the kernel's
 * Documentation/arch/x86/boot.rst ("THE LINUX/x86 BOOT PROTOCOL", "32-bit
 * BOOT PROTOCOL") and zero-page.rst.  No firmware and no real-mode setup
 * code run: the loader fills in the zero page (struct boot_params) itself,
 * e820 memory map included, copies the protected-mode kernel to 1 MiB and
 * the initrd as high as it may go, and starts the CPU at the kernel's
 * 32-bit entry.
 *
 * A kernel or initrd file is untrusted input: every header field is checked
 * before anything is written to guest RAM, and each problem is reported as
 * one line that starts with the file's name.  Nothing here prints or exits.
 *
 * Guest memory at the entry:
 *
 *   0x00000-0x0FFFF  free; ESP starts at LB_STACK_TOP (nothing is pushed)
 *   0x10000          the zero page (LB_ZERO_PAGE, 4 KiB), ESI points here
 *   0x11000          the GDT (LB_GDT: null, null, __BOOT_CS, __BOOT_DS)
 *   0x12000-0x1FFFF  the command line (LB_CMDLINE), NUL-terminated
 *   0x9FC00-0xA0000  reserved (EBDA), as 0xF0000-0x100000 (BIOS)
 *   0x100000         the protected-mode kernel (code32_start)
 *   top of RAM       the initrd, page aligned, below initrd_addr_max and
 *                    LB_TOP_RESERVE bytes under the end of RAM
 *
 * The zero page, GDT and command line lie in memory the e820 map calls
 * usable, as with QEMU's -kernel: the kernel copies boot_params and the
 * command line into its own data (arch/x86/kernel/head_32.S,
 * copy_boot_data) and loads its own GDT before it allocates any memory,
 * and it reserves the initrd itself (reserve_initrd). */
#ifndef PLEX86_PC_LINUX_BOOT_H
#define PLEX86_PC_LINUX_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;

/* The setup header in the file and in the zero page (boot.rst, "THE REAL-
 * MODE KERNEL HEADER"; zero-page.rst).  Offsets from the start of both. */
enum {
    /* struct screen_info, at the start (zero-page.rst; the kernel's
     * include/uapi/linux/screen_info.h). */
    LB_OFF_ORIG_X = 0x000,         /* u8, the cursor's column */
    LB_OFF_ORIG_Y = 0x001,         /* u8, the cursor's row */
    LB_OFF_EXT_MEM_K = 0x002,      /* u16, KiB above 1 MiB (screen_info) */
    LB_OFF_ORIG_VIDEO_PAGE = 0x004,/* u16 */
    LB_OFF_ORIG_VIDEO_MODE = 0x006,/* u8, the BIOS mode number */
    LB_OFF_ORIG_VIDEO_COLS = 0x007,/* u8 */
    LB_OFF_ORIG_VIDEO_EGA_BX = 0x00A, /* u16, INT 10h AH=12h BL=10h's BX */
    LB_OFF_ORIG_VIDEO_LINES = 0x00E,  /* u8 */
    LB_OFF_ORIG_VIDEO_ISVGA = 0x00F,  /* u8, VIDEO_TYPE_* */
    LB_OFF_ORIG_VIDEO_POINTS = 0x010, /* u16, character height */
    LB_OFF_ACPI_RSDP = 0x070,      /* u64, the RSDP (read by Linux 5.0+) */
    LB_OFF_ALT_MEM_K = 0x1E0,      /* u32, KiB above 1 MiB */
    LB_OFF_E820_ENTRIES = 0x1E8,   /* u8 */
    LB_OFF_SENTINEL = 0x1EF,       /* u8: must stay 0 (zero-page.rst) */
    LB_OFF_HDR = 0x1F1,            /* the setup header starts here */
    LB_OFF_SETUP_SECTS = 0x1F1,    /* u8, 0 means 4 */
    LB_OFF_SYSSIZE = 0x1F4,        /* u32, 16-byte units (2.04+) */
    LB_OFF_BOOT_FLAG = 0x1FE,      /* u16 0xAA55 */
    LB_OFF_JUMP = 0x200,           /* u16: short jump; its byte 0x201 sets
                                      the header's length */
    LB_OFF_MAGIC = 0x202,          /* "HdrS" */
    LB_OFF_VERSION = 0x206,        /* u16 protocol version */
    LB_OFF_TYPE_OF_LOADER = 0x210, /* u8 */
    LB_OFF_LOADFLAGS = 0x211,      /* u8 */
    LB_OFF_CODE32_START = 0x214,   /* u32 */
    LB_OFF_RAMDISK_IMAGE = 0x218,  /* u32 */
    LB_OFF_RAMDISK_SIZE = 0x21C,   /* u32 */
    LB_OFF_HEAP_END_PTR = 0x224,   /* u16 (2.01+) */
    LB_OFF_CMD_LINE_PTR = 0x228,   /* u32 (2.02+) */
    LB_OFF_INITRD_ADDR_MAX = 0x22C,/* u32 (2.03+) */
    LB_OFF_CMDLINE_SIZE = 0x238,   /* u32 (2.06+) */
    LB_OFF_PREF_ADDRESS = 0x258,   /* u64 (2.10+) */
    LB_OFF_INIT_SIZE = 0x260,      /* u32 (2.10+) */
    LB_OFF_HDR_MAX_END = 0x290,    /* the header may not run past this:
                                      edd_mbr_sig_buffer starts here */
    LB_OFF_E820_TABLE = 0x2D0,     /* 20-byte entries */
    LB_ZERO_PAGE_SIZE = 0x1000,
};

#define LB_HDR_MAGIC 0x53726448u   /* "HdrS" read as a little-endian u32 */
#define LB_MIN_VERSION 0x0202u     /* cmd_line_ptr, 32-bit entry (2.02) */
#define LB_LOADER_TYPE 0xFFu       /* "undefined" boot loader (boot.rst) */

/* loadflags bits (boot.rst, "Details of header fields"). */
enum {
    LB_LOADED_HIGH = 1u << 0,
    LB_QUIET_FLAG = 1u << 5,
    LB_CAN_USE_HEAP = 1u << 7,
};

/* e820 entry types (zero-page.rst, struct boot_e820_entry). */
enum { LB_E820_RAM = 1, LB_E820_RESERVED = 2 };

/* Where we put things; see the map at the top. */
#define LB_STACK_TOP 0x10000u
#define LB_ZERO_PAGE 0x10000u
#define LB_GDT 0x11000u
#define LB_CMDLINE 0x12000u
#define LB_CMDLINE_AREA 0xE000u     /* bytes up to 0x20000, NUL included */
#define LB_BOOT_CS 0x10u            /* __BOOT_CS: flat 4 GiB code */
#define LB_BOOT_DS 0x18u            /* __BOOT_DS: flat 4 GiB data */
#define LB_KERNEL_ADDR 0x100000u    /* where a LOADED_HIGH kernel goes */
#define LB_LOW_END 0x9FC00u         /* usable conventional memory ends */
/* The initrd ends this far below the top of RAM: QEMU keeps the room there
 * for its ACPI tables (hw/i386/x86.c, acpi_data_size = 0x20000 + 0x8000),
 * and a guest then sees the same layout under both. */
#define LB_TOP_RESERVE 0x28000u
/* The protocol's defaults for older headers (boot.rst). */
#define LB_DEFAULT_INITRD_MAX 0x37FFFFFFu  /* before 2.03 */
#define LB_DEFAULT_CMDLINE_SIZE 255u       /* before 2.06 */

/* A heap_end_ptr as for setup code at a 64 KiB segment: the heap ends
 * 0x200 bytes below the segment's end (boot.rst, "heap_end_ptr"). */
#define LB_HEAP_END 0xFE00u

/* True when the file carries a Linux setup header ("HdrS" at 0x202): the
 * board then boots it with lb_load() and not as a Multiboot kernel. */
bool lb_is_bzimage(const uint8_t *img, size_t size);

/* What lb_parse() found in a bzImage. */
struct lb_image {
    uint16_t version;          /* protocol version, e.g. 0x020F */
    uint32_t setup_size;       /* boot sector + setup sectors, in bytes */
    uint32_t header_end;       /* one past the setup header in the file */
    uint32_t kernel_offset;    /* the protected-mode kernel in the file */
    uint32_t kernel_size;
    uint32_t initrd_addr_max;  /* highest address an initrd byte may have */
    uint32_t cmdline_size;     /* longest command line, without the NUL */
    /* One past the highest byte the kernel needs before it reads the
     * memory map: its loaded image, and from 2.10 on init_size bytes at
     * max(1 MiB, pref_address), where it decompresses itself. */
    uint32_t kernel_end;
};

/* Parses and checks a bzImage against a machine with `ram_size` bytes of
 * RAM: the header, the version and LOADED_HIGH, the setup size against the
 * file, and that the kernel's memory fits in RAM.  `name` starts each
 * message.  Returns 0, or -1 with one line in `err`. */
int lb_parse(const uint8_t *img, size_t size, uint32_t ram_size, const char *name,
             struct lb_image *m, char *err, size_t errlen);

/* The text screen the kernel finds, as its real-mode setup code would
 * have read it from the VGA BIOS (arch/x86/boot/video.c, store_mode_params
 * and store_cursor_position), for boot_params.screen_info.  With no
 * adapter (vga false) the fields stay zero: Linux's vgacon then finds no
 * screen and the console is "dummy", which is what a PC without a VGA
 * BIOS gives it under QEMU too. */
struct lb_screen {
    bool vga;
    uint8_t mode;              /* 3: 80x25 colour text */
    uint8_t cols, lines;
    uint8_t x, y;              /* the cursor */
    uint16_t points;           /* scan lines per character row */
};

/* screen_info.orig_video_isVGA: a VGA in a colour mode (the kernel's
 * VIDEO_TYPE_VGAC); orig_video_ega_bx as a VGA BIOS with 256 KiB answers
 * INT 10h AH=12h BL=10h (BH 0: colour, BL 3: 256 KiB), which vgacon
 * takes for EGA or better (a BL of 0x10 would mean CGA). */
#define LB_VIDEO_TYPE_VGAC 0x22u
#define LB_VGA_EGA_BX 0x0003u

/* A -kernel boot of a bzImage. */
struct lb_boot {
    const uint8_t *kernel;
    size_t kernel_size;
    const char *kernel_name;   /* file name, for messages */
    const char *append;        /* the command line (-append), or NULL */
    const uint8_t *initrd;     /* NULL: none */
    size_t initrd_size;
    const char *initrd_name;   /* file name, for messages */
    uint32_t acpi_rsdp;        /* the RSDP's address, or 0 (boot_params.acpi_rsdp_addr) */
    struct lb_screen screen;   /* boot_params.screen_info's text fields */
};

/* Where lb_load() put things (for tests and -d logs). */
struct lb_result {
    uint32_t entry;            /* code32_start */
    uint32_t zero_page;
    uint32_t cmdline;
    uint32_t initrd_addr, initrd_size; /* 0, 0 without an initrd */
    unsigned e820_entries;
};

/* Loads a bzImage and its initrd into the VM's RAM and sets the CPU up
 * for the 32-bit entry (the CPU must be in its reset state).  Returns 0,
 * or -1 with one line in `err` and guest RAM untouched. */
int lb_load(struct vm *vm, const struct lb_boot *b, struct lb_result *r, char *err,
            size_t errlen);

#endif
