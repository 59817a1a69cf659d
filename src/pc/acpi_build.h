/* Helpers that build ACPI tables (ACPI 6.4 chapter 5.2: the common header,
 * checksums, Generic Address Structures) and the command list QEMU hands
 * its firmware to place them, the BIOS linker/loader ("etc/table-loader":
 * QEMU's hw/acpi/bios-linker-loader.c describes the format, SeaBIOS's
 * src/fw/romfile_loader.c runs it).
 *
 * A loader command is 128 bytes: a 32-bit little-endian command and its
 * arguments, file names being 56-byte NUL-padded fw_cfg names:
 *   ALLOCATE (1): file, alignment (u32, a power of two), zone (u8: 1 high
 *     memory, 2 the F segment): copy the file into guest memory;
 *   ADD_POINTER (2): destination file, source file, offset (u32), size
 *     (u8: 1, 2, 4 or 8): add the source file's address to the
 *     little-endian number of `size` bytes at `offset` in the destination;
 *   ADD_CHECKSUM (3): file, offset (u32), start (u32), length (u32):
 *     subtract the byte sum of [start, start + length) from the byte at
 *     `offset`, which makes the range sum to zero.
 * The firmware skips commands it does not know.
 *
 * Nothing here knows the board: acpi_tables.c builds the tables with these
 * helpers, pc_acpi.c hands them out. */
#ifndef PLEX86_PC_ACPI_BUILD_H
#define PLEX86_PC_ACPI_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A growing byte array.  After a failed allocation `failed` is set and
 * every later call does nothing; check it once at the end. */
struct acpi_blob {
    uint8_t *data;
    size_t len, cap;
    bool failed;
};

void acpi_blob_free(struct acpi_blob *b);
/* Appends n bytes (zeros when p is NULL); returns their offset. */
size_t acpi_put(struct acpi_blob *b, const void *p, size_t n);
/* Appends v as n little-endian bytes (n <= 8); returns their offset. */
size_t acpi_put_le(struct acpi_blob *b, uint64_t v, unsigned n);
/* Pads with zeros to a multiple of `align` (a power of two). */
void acpi_align(struct acpi_blob *b, size_t align);
/* Writes v as n little-endian bytes at `off` (which must lie in the blob). */
void acpi_set_le(struct acpi_blob *b, size_t off, uint64_t v, unsigned n);
uint64_t acpi_get_le(const uint8_t *p, unsigned n);

/* The byte that, stored in a zero checksum field, makes [p, p + n) sum to
 * zero modulo 256. */
uint8_t acpi_checksum(const uint8_t *p, size_t n);

/* A Generic Address Structure (ACPI 6.4 5.2.3.2): address space (0 memory,
 * 1 I/O, 2 PCI configuration), register width and offset in bits, access
 * size (0 undefined, 1 byte ... 4 qword), address. */
enum { ACPI_GAS_MEMORY = 0, ACPI_GAS_IO = 1, ACPI_GAS_PCI = 2 };
size_t acpi_put_gas(struct acpi_blob *b, uint8_t space, uint8_t bit_width, uint8_t bit_offset,
                    uint8_t access, uint64_t address);

/* The OEM fields of every table, QEMU's (hw/acpi/aml-build.c): guests and
 * their quirk lists see the machine QEMU's users know. */
#define ACPI_OEM_ID "BOCHS "
#define ACPI_OEM_TABLE_ID "BXPC    "
#define ACPI_CREATOR_ID "BXPC"

/* The BIOS linker/loader. */
#define ACPI_LOADER_FILESZ 56
#define ACPI_LOADER_ENTRY_SIZE 128
enum {
    ACPI_LOADER_ALLOCATE = 1, ACPI_LOADER_ADD_POINTER = 2, ACPI_LOADER_ADD_CHECKSUM = 3,
};
enum { ACPI_LOADER_ZONE_HIGH = 1, ACPI_LOADER_ZONE_FSEG = 2 };

void acpi_loader_allocate(struct acpi_blob *cmds, const char *file, uint32_t align,
                          uint8_t zone);
void acpi_loader_add_pointer(struct acpi_blob *cmds, const char *dest_file, uint32_t offset,
                             uint8_t size, const char *src_file);
void acpi_loader_add_checksum(struct acpi_blob *cmds, const char *file, uint32_t offset,
                              uint32_t start, uint32_t length);

/* Begins a table in `b` with the 36-byte header (ACPI 6.4 5.2.6): signature,
 * revision, the OEM fields; length and checksum are left to
 * acpi_table_end.  Returns the table's offset. */
size_t acpi_table_begin(struct acpi_blob *b, const char *sig, uint8_t rev);
/* Sets the table's length (from `start` to the blob's end) and checksum,
 * and, with `cmds`, adds the ADD_CHECKSUM command for it in `file`. */
void acpi_table_end(struct acpi_blob *b, size_t start, struct acpi_blob *cmds,
                    const char *file);

/* Runs a loader command list as the firmware would, for files placed at
 * addresses the caller chose (the -kernel boot, tests): `files[i]` is the
 * file's bytes (changed in place), its size and guest address.  Every
 * file a command names must be in the list and ALLOCATEd first; a
 * malformed command (bad name, alignment, range or size) fails the run.
 * Unknown commands are skipped.  Returns 0, or -1 with a line in `err`. */
struct acpi_loader_file {
    const char *name;
    uint8_t *data;
    size_t size;
    uint64_t addr;
    bool allocated;
};
int acpi_loader_run(const uint8_t *cmds, size_t len, struct acpi_loader_file *files,
                    unsigned nfiles, char *err, size_t errlen);

#endif
