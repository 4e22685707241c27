#!/usr/bin/env bash
# Remake the expected outputs of the tiny Kconfig trees' olddefconfig cases with the kernel's own
# C tool, so that the unit tests compare kconfiglib (with kcheck's compat rules) with the kernel,
# not with answers worked out by hand.
#
# Every tests/unit/kconfig/TREE/olddefconfig/NAME.config is an input; this writes beside it
# NAME.expected.config: what `conf --olddefconfig` of Linux 6.12 makes of it on TREE/Kconfig.
#
#   bash scripts/regen-tiny-expected.sh SRC      # SRC: a full Linux 6.12 source tree
#
# SRC is read only; conf is built in a temporary directory (make O=...). A full source comes from
# Debian's linux-source-6.12 (the same package as tests/data/kernels' 6.12 tree):
#   scripts/fetch-kconfig-tree.sh --full 6.12 /tmp/linux-6.12      (or --deb FILE, no network)
# Needs make, gcc, flex and bison. Review the diff of the .expected.config files afterwards: a
# change there is a change in what the kernel does, and the tests follow it.
set -euo pipefail
cd "$(dirname "$0")/.."

src=${1:?usage: $0 LINUX-6.12-SOURCE-DIR}
[ -f "$src/scripts/kconfig/conf.c" ] || { echo "$0: $src is not a full kernel source" >&2; exit 2; }
version=$(sed -n 's/^VERSION = //p; s/^PATCHLEVEL = //p' "$src/Makefile" | paste -sd.)
[ "$version" = 6.12 ] || { echo "$0: $src is Linux $version, not 6.12" >&2; exit 2; }

build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
# Building any *config target builds scripts/kconfig/conf first.
make -s -C "$src" O="$build" ARCH=x86_64 allnoconfig >/dev/null
conf="$build/scripts/kconfig/conf"

n=0
for input in tests/unit/kconfig/*/olddefconfig/*.config; do
    case $input in *.expected.config) continue ;; esac
    tree=$(cd "$(dirname "$input")/.." && pwd)
    out=${input%.config}.expected.config
    work=$(mktemp -d -p "$build")
    cp "$input" "$work/.config"
    # The environment kcheck's unit tests parse the tiny trees with (tests/unit/conftest.py).
    (cd "$work" && env -i PATH="$PATH" srctree="$tree" ARCH=x86_64 SRCARCH=x86 \
        CC=gcc LD=ld KERNELVERSION=6.12.0 "$conf" --olddefconfig Kconfig >/dev/null)
    cp "$work/.config" "$out"
    n=$((n + 1))
done
echo "wrote $n expected configs with the conf of Linux $(sed -n 's/^SUBLEVEL = //p' "$src/Makefile" \
    | sed "s/^/$version./")"
