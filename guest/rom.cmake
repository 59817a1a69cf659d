# plex86_add_rom(NAME SOURCE OUTPUT_DIR [DEFSYM ...]): assembles a real-mode
# guest with GNU as (`as --32`), links it at offset 0 of segment F000 with
# rom16.ld and flattens it into OUTPUT_DIR/NAME.rom, a 64 KiB image for -bios.
# Adds a target NAME-rom that builds it as part of `all`.
# Sources may `.include` files beside them (as -I is their directory); list
# those in PLEX86_ROM_DEPENDS so that edits rebuild the ROM.
# DEFSYM entries are passed as `--defsym SYM=VALUE` (one source, several ROMs).
set(PLEX86_ROM_LDS "${CMAKE_CURRENT_LIST_DIR}/rom16.ld")
find_program(PLEX86_AS NAMES as REQUIRED)
find_program(PLEX86_LD NAMES ld REQUIRED)
find_program(PLEX86_OBJCOPY NAMES objcopy REQUIRED)

function(plex86_add_rom name source outdir)
  set(obj "${CMAKE_CURRENT_BINARY_DIR}/${name}.o")
  set(elf "${CMAKE_CURRENT_BINARY_DIR}/${name}.elf")
  set(rom "${outdir}/${name}.rom")
  get_filename_component(srcdir "${source}" DIRECTORY)
  set(defsyms "")
  foreach(d IN LISTS ARGN)
    list(APPEND defsyms --defsym "${d}")
  endforeach()
  add_custom_command(
    OUTPUT "${rom}"
    COMMAND ${CMAKE_COMMAND} -E make_directory "${outdir}"
    COMMAND ${PLEX86_AS} --32 -I "${srcdir}" ${defsyms} -o "${obj}" "${source}"
    COMMAND ${PLEX86_LD} -m elf_i386 -nostdlib -T "${PLEX86_ROM_LDS}" -o "${elf}" "${obj}"
    COMMAND ${PLEX86_OBJCOPY} -O binary -j .text "${elf}" "${rom}"
    DEPENDS "${source}" "${PLEX86_ROM_LDS}" ${PLEX86_ROM_DEPENDS}
    COMMENT "Assembling guest ROM ${name}.rom"
    VERBATIM)
  add_custom_target(${name}-rom ALL DEPENDS "${rom}")
endfunction()
