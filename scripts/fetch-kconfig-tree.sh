#!/usr/bin/env bash
# Fetch a Linux Kconfig tree (or a full source tree) from Debian's linux-source-VERSION package.
#
# kconfiglib only needs the Kconfig files, the top Makefile (for the version) and the shell probe
# scripts that Kconfig calls through $(shell ...), so by default only those are kept: about 2,000
# files instead of ~90,000. --full keeps everything, which the kernel's own C tool
# (`make olddefconfig`) needs because it builds scripts/kconfig/conf first.
set -euo pipefail

prog=${0##*/}

usage() {
    cat <<EOF
Usage: $prog [OPTIONS] VERSION [DEST]

Download Debian's linux-source-VERSION package and unpack from it what kconfiglib needs to
parse the kernel's Kconfig: every Kconfig* file, the top Makefile, scripts/*.sh and
arch/*/tools/*.sh (the toolchain probes), scripts/Kconfig.include and COPYING.

  VERSION   the Debian source series, e.g. 6.12 (package linux-source-6.12)
  DEST      where to put the tree (default: ./linux-VERSION-kconfig, or ./linux-VERSION with
            --full); must not exist yet

Options:
  --full                   keep the whole kernel source (needed to build and run the C tool,
                           e.g. make olddefconfig); about 1.5 GB unpacked
  --package-version VER    download exactly this Debian version, e.g. 6.12.117-1~deb12u1
                           (default: apt's candidate)
  --deb FILE               use an already downloaded linux-source-VERSION .deb; no network
  -h, --help               show this help

Downloading needs no root (apt-get download), but the package must be in your apt sources
(Debian 12: bookworm-security carries linux-source-6.12; run apt-get update first).
Needs: apt-get (unless --deb), dpkg-deb, tar, xz.

Example:
  $prog 6.12                      # -> ./linux-6.12-kconfig
  $prog --full 6.12 /srv/linux    # whole source, for make olddefconfig
EOF
}

die() {
    printf '%s: error: %s\n' "$prog" "$*" >&2
    exit 1
}

need() {
    command -v "$1" >/dev/null 2>&1 || die "'$1' not found on PATH ($2)"
}

full=no
pkg_version=
deb=
positional=()
while (($#)); do
    case $1 in
        -h | --help)
            usage
            exit 0
            ;;
        --full) full=yes ;;
        --package-version)
            (($# >= 2)) || die "--package-version needs a value"
            pkg_version=$2
            shift
            ;;
        --package-version=*) pkg_version=${1#*=} ;;
        --deb)
            (($# >= 2)) || die "--deb needs a file"
            deb=$2
            shift
            ;;
        --deb=*) deb=${1#*=} ;;
        --)
            shift
            positional+=("$@")
            break
            ;;
        -*) die "unknown option '$1' (see --help)" ;;
        *) positional+=("$1") ;;
    esac
    shift
done

((${#positional[@]} >= 1)) || {
    usage >&2
    exit 2
}
((${#positional[@]} <= 2)) || die "too many arguments (see --help)"

version=${positional[0]}
[[ $version =~ ^[0-9]+\.[0-9]+$ ]] ||
    die "VERSION must look like 6.12 (the Debian package is linux-source-VERSION), got '$version'"
pkg=linux-source-$version

if [[ $full == yes ]]; then
    dest=${positional[1]:-./linux-$version}
else
    dest=${positional[1]:-./linux-$version-kconfig}
fi
# Refuse to touch an existing directory: unpacking over an old tree would mix two versions.
[[ ! -e $dest ]] || die "'$dest' already exists; remove it or choose another DEST"

need dpkg-deb "Debian package dpkg"
need tar "Debian package tar"
need xz "Debian package xz-utils"

dest_parent=$(dirname -- "$dest")
[[ -d $dest_parent ]] || die "parent directory '$dest_parent' does not exist"
[[ -w $dest_parent ]] || die "parent directory '$dest_parent' is not writable"

# Everything is unpacked next to DEST and renamed into place at the end, so an interrupted run
# never leaves a half-filled DEST behind.
work=$(mktemp -d "$dest_parent/.fetch-kconfig-tree.XXXXXX")
cleanup() { rm -rf -- "$work"; }
trap cleanup EXIT

if [[ -n $deb ]]; then
    [[ -f $deb ]] || die "--deb: '$deb' is not a file"
else
    need apt-get "this script downloads with apt-get download; or pass --deb FILE"
    spec=$pkg
    [[ -z $pkg_version ]] || spec="$pkg=$pkg_version"
    apt_opts=()
    # As root, apt drops privileges to _apt, which cannot write into our private temp directory;
    # without this it still works but prints a confusing "unsandboxed" warning.
    [[ $(id -u) != 0 ]] || apt_opts+=(-o APT::Sandbox::User=root)
    printf '%s: downloading %s (about 150 MB)\n' "$prog" "$spec" >&2
    if ! (cd "$work" && apt-get "${apt_opts[@]}" download "$spec"); then
        die "apt-get download $spec failed. Is $pkg in your apt sources? Check with" \
            "'apt-cache policy $pkg' (run 'apt-get update' first); on Debian 12 it comes from" \
            "bookworm-security."
    fi
    debs=("$work"/"$pkg"_*.deb)
    [[ -f ${debs[0]} ]] || die "apt-get download succeeded but left no $pkg .deb in $work"
    deb=${debs[0]}
fi

deb_pkg=$(dpkg-deb --field "$deb" Package) || die "'$deb' is not a Debian package"
[[ $deb_pkg == "$pkg" ]] || die "'$deb' is package $deb_pkg, expected $pkg"
deb_version=$(dpkg-deb --field "$deb" Version)
if [[ -n $pkg_version && $deb_version != "$pkg_version" ]]; then
    die "'$deb' is version $deb_version, expected $pkg_version"
fi

printf '%s: unpacking %s %s\n' "$prog" "$pkg" "$deb_version" >&2
dpkg-deb -x "$deb" "$work/deb"
shopt -s nullglob
tarballs=("$work/deb/usr/src/$pkg".tar.*)
shopt -u nullglob
((${#tarballs[@]} == 1)) || die "expected one /usr/src/$pkg.tar.* in $deb, found ${#tarballs[@]}"
tarball=${tarballs[0]}

# The source tarball has a single top directory, linux-source-VERSION/; strip it.
top=$pkg
mkdir "$work/tree"
if [[ $full == yes ]]; then
    tar -xf "$tarball" -C "$work/tree" --strip-components=1
else
    # In GNU tar, '*' in a member pattern crosses '/' unless --no-wildcards-match-slash is in
    # effect, and the switches apply to the patterns after them: the probe scripts are matched
    # one level deep only, Kconfig* files at any depth (scripts/Kconfig.include among them).
    tar -xf "$tarball" -C "$work/tree" --strip-components=1 \
        "$top/Makefile" "$top/COPYING" \
        --wildcards --no-wildcards-match-slash \
        "$top/scripts/*.sh" "$top/arch/*/tools/*.sh" \
        --wildcards-match-slash \
        "$top/Kconfig*" "$top/*/Kconfig*"
fi
rm -rf -- "$work/deb"

[[ -f $work/tree/Makefile && -f $work/tree/Kconfig ]] ||
    die "the unpacked tree has no top Makefile or Kconfig; is $tarball a kernel source?"
[[ -f $work/tree/scripts/Kconfig.include ]] || die "the unpacked tree has no scripts/Kconfig.include"

# Record where the tree came from, so that callers (bench/ctool.py) can check a cached tree.
printf 'package=%s\nversion=%s\nfull=%s\n' "$pkg" "$deb_version" "$full" \
    >"$work/tree/.fetch-kconfig-tree"

mv -- "$work/tree" "$dest"

kernel_version=$(awk -F' *= *' '
    $1 == "VERSION" { v = $2 } $1 == "PATCHLEVEL" { p = $2 } $1 == "SUBLEVEL" { s = $2 }
    END { print v "." p "." s }' "$dest/Makefile")
nkconfig=$(find "$dest" -name 'Kconfig*' -type f | wc -l)
printf '%s: Linux %s from %s %s in %s (%s Kconfig files%s)\n' "$prog" "$kernel_version" "$pkg" \
    "$deb_version" "$dest" "$nkconfig" "$([[ $full == yes ]] && echo ', full source')" >&2
