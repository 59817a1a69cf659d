#!/bin/sh
# The DSDT's round trip through iasl: the AML the build made from
# src/pc/acpi/dsdt.asl disassembles (iasl -d) to ASL that compiles back to
# the same bytes, and names what the ASL says (issue 19).
# usage: acpi-dsdt.sh IASL DSDT.aml
set -u
IASL=$1 AML=$2
TMP=$(mktemp -d "${TMPDIR:-/tmp}/plex86-dsdt.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
cp "$AML" "$TMP/dsdt.aml"
cd "$TMP" || exit 1
"$IASL" -d dsdt.aml >log 2>&1 || { cat log; echo "FAIL: iasl -d"; exit 1; }
for want in 'PNP0A03' 'PNP0C0F' 'PNP0303' 'PNP0F13' 'PNP0501' 'PNP0700' 'PNP0B00' \
            'PNP0000' 'PNP0100' 'PNP0200' 'PNP0C04' 'PNP0103' '_S5_' '_PRT' 'ACPI0007'; do
    grep -q "$want" dsdt.dsl || { echo "FAIL: the disassembly has no $want"; exit 1; }
done
if grep -q '_S3_\|_S4_' dsdt.dsl; then
    echo "FAIL: the DSDT offers a sleep state the board does not have"; exit 1
fi
mkdir again
"$IASL" -p again/dsdt dsdt.dsl >log 2>&1 || { cat log; echo "FAIL: recompiling"; exit 1; }
# The header's compiler fields and checksum may differ; the AML may not.
if ! cmp -s -i 36 dsdt.aml again/dsdt.aml; then
    echo "FAIL: the disassembly does not compile back to the same AML"; exit 1
fi
echo "ok: DSDT $(wc -c <dsdt.aml) bytes, disassembled and compiled back identical"
