#!/bin/sh
# Installs what plex86's build and tests need on Debian 12 (bookworm), and
# only what is missing: a machine that has everything is left alone and no
# root rights are needed.  Used by `make` and by .ci/run.
#
#   tools/install-deps.sh           what building and `make demo` need
#   tools/install-deps.sh --tests   that, and what only tests use (`make test`)
#
# Packages: cmake (and ctest), gcc, binutils (as, ld, objcopy for the guest
# ROMs), make, pkg-config, the Zydis disassembler, zlib, cJSON, python3;
# the tools that make the drive guests' images, and memtest86+; SDL2,
# libvncserver and ncurses for the display frontends; with --tests, noVNC
# and chromium for the frontends' browser test, and xvfb (xvfb-run) for the
# SDL window without a display (bench/display-cost.sh).
set -eu

PACKAGES="cmake gcc binutils make pkg-config libzydis-dev zlib1g-dev libcjson-dev python3"
# The default firmware (Debian's SeaBIOS, src/host/cli.h CLI_DEFAULT_BIOS).
PACKAGES="$PACKAGES seabios"
# iasl, which compiles the ACPI tables' DSDT (src/pc/acpi/dsdt.asl).
PACKAGES="$PACKAGES acpica-tools"
# Screendumps in PNG (src/host/screendump.c).
PACKAGES="$PACKAGES libpng-dev"
# The drive guests (tools/fetch-pc-guests.sh, docs/pc-guests.md).
PACKAGES="$PACKAGES xorriso isolinux syslinux syslinux-common grub-pc-bin mtools e2fsprogs memtest86+"
# The display frontends (docs/display.md; each optional at build time).
PACKAGES="$PACKAGES libsdl2-dev libvncserver-dev libncurses-dev"
# Only for tests: the browser test of the VNC websocket (noVNC in headless
# chromium; test_novnc skips without them), not worth a demo's download;
# xvfb-run, a virtual X server for the SDL window's figures
# (bench/display-cost.sh measures -display sdl under it).
if [ "${1:-}" = --tests ]; then
    PACKAGES="$PACKAGES novnc chromium xvfb"
fi

# A package counts as present if dpkg has it installed, or, for the tools,
# if its command is on PATH (e.g. a python3 from pyenv).
command_of() {
    case $1 in
        binutils) echo as ;;
        pkg-config) echo pkg-config ;;
        acpica-tools) echo iasl ;;
        cmake | gcc | make | python3) echo "$1" ;;
        *) echo "" ;;
    esac
}

installed() {
    if command -v dpkg-query >/dev/null 2>&1 &&
        dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; then
        return 0
    fi
    cmd=$(command_of "$1")
    [ -n "$cmd" ] && command -v "$cmd" >/dev/null 2>&1
}

missing=""
for p in $PACKAGES; do
    installed "$p" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing:$missing" >&2
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-deps: no apt-get here; please install:$missing" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo -n"
    else
        echo "install-deps: not root and no sudo; please install:$missing" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086  # word splitting of $missing is intended
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    $missing </dev/null
