#!/usr/bin/env bash
# Proof by booting: build real Linux kernels from `make tinyconfig` plus what `kcheck vm --fix`
# says a QEMU command line needs, boot them under QEMU (TCG) and ask the guest itself whether its
# NIC, its DHCP lease and its virtio disk work. A config kcheck passes must boot with a working NIC
# and disk; a config without kcheck's fragment must not (the negative case shows the probe can fail).
#
# The guest side is scripts/boot/init (busybox /init printing "KCHECK-BOOT: ..." lines on the
# console) and scripts/boot/udhcpc.script; scripts/boot/userland.config is the userland fragment.
set -euo pipefail

prog=${0##*/}
here=$(cd -- "$(dirname -- "$0")" && pwd)
repo=$(dirname -- "$here")

# Kernel builds see only the system's tools: a rustc, bindgen or pahole in the caller's PATH
# would change what Kconfig offers (RUST, DEBUG_INFO_BTF) and what the build runs.
clean_path=/usr/sbin:/usr/bin:/sbin:/bin
linux_series=6.12
all_cases=(x86_64 ppce500 x86_64-unfixed)

usage() {
    cat <<EOF
Usage: $prog [OPTIONS] [CASE...]

Build Linux $linux_series kernels, boot them under QEMU (TCG, never KVM) and ask each guest: is
eth0 there, does DHCP on QEMU's user network give 10.0.2.15, can /dev/vda be read. Per case:

  1. make tinyconfig, merge scripts/boot/userland.config (busybox userland only), olddefconfig
  2. kcheck vm --guest .config --tree SRC --no-host --fix -o kcheck-vm.config -- QEMU-LINE,
     merge that fragment, olddefconfig, then kcheck vm (without --fix) must exit 0 (the
     kernel is built and booted whatever it says, so both answers show in the verdict)
  3. build the kernel, an initramfs (busybox + scripts/boot/init) and a disk with a known line
  4. boot QEMU-LINE, read the guest's answers from the serial console

Cases (default: all):
  x86_64          qemu-system-x86_64 -M pc ... -nic user,model=virtio-net-pci -drive if=virtio
  ppce500         qemu-system-ppc -M ppce500 -cpu e500mc ... -net nic,model=virtio -net user
                  -drive if=virtio
  x86_64-unfixed  the x86_64 line on a config WITHOUT step 2, only a serial console added by
                  hand (scripts/boot/console-x86_64.config): the guest must report no eth0,
                  printed as "FAIL (expected)"

Prints one verdict line per case (PASS/FAIL, what the guest said, build and boot seconds) and
exits 0 only if every case did what it should: 1 otherwise, 2 on bad usage or a missing tool.

Options:
  --work DIR          build and cache directory (default: \${XDG_CACHE_HOME:-~/.cache}/kcheck-boot);
                      kernels are built in DIR/cases/CASE/build, a rebuild is incremental
  --source DIR        an unpacked Linux $linux_series source tree, used read-only (make O=...)
  --deb FILE          Debian's linux-source-$linux_series .deb to unpack into DIR/linux-$linux_series
                      (default: that tree if present, else apt-get download)
  --kcheck CMD        how to run kcheck (default: kcheck on PATH, else python3 -m kcheck)
  --fragment CASE=FILE  merge FILE instead of kcheck vm --fix's fragment in step 2 (kcheck
                      still checks the result); to try a hand-written fragment
  --timeout SECONDS   boot time limit per case (default: 300)
  -j, --jobs N        make -jN (default: number of CPUs)
  --no-install        never run apt-get install, only report what is missing
  -h, --help          show this help

Needs Debian 12 packages: qemu-system-x86 qemu-system-ppc busybox-static gcc-powerpc-linux-gnu
libc6-dev-powerpc-cross gcc make flex bison bc libelf-dev cpio xz-utils dpkg-dev ccache. Run as
root, $prog installs the missing ones with apt-get. The PowerPC busybox is built (static, with
Debian's configuration) from Debian's busybox source, fetched with apt-get source through a
private apt configuration in the work directory (your /etc/apt is not changed). Compiles go
through ccache (DIR/ccache). Kernel builds run with PATH=$clean_path.

Example:
  $prog --source /usr/src/linux-source-$linux_series          # all cases, about 30 min on 2 cores
  $prog --fragment ppce500=my.config ppce500
EOF
}

die() {
    printf '%s: error: %s\n' "$prog" "$*" >&2
    exit 2
}

note() { printf '%s: %s\n' "$prog" "$*" >&2; }

# ---------------------------------------------------------------------------------------------
# Arguments

work=${XDG_CACHE_HOME:-$HOME/.cache}/kcheck-boot
source_dir=
deb=
kcheck_cmd=
timeout=300
jobs=$(nproc 2>/dev/null || echo 1)
install=yes
declare -A fragment_override=()
cases=()
while (($#)); do
    case $1 in
        -h | --help)
            usage
            exit 0
            ;;
        --work | --source | --deb | --kcheck | --fragment | --timeout | -j | --jobs)
            (($# >= 2)) || die "$1 needs a value"
            val=$2
            shift
            ;;&
        --work) work=$val ;;
        --source) source_dir=$val ;;
        --deb) deb=$val ;;
        --kcheck) kcheck_cmd=$val ;;
        --fragment)
            [[ $val == *=* ]] || die "--fragment wants CASE=FILE, got '$val'"
            fragment_override[${val%%=*}]=${val#*=}
            ;;
        --timeout) timeout=$val ;;
        -j | --jobs) jobs=$val ;;
        --no-install) install=no ;;
        -*) die "unknown option '$1' (see --help)" ;;
        *) cases+=("$1") ;;
    esac
    shift
done
unset val
((${#cases[@]})) || cases=("${all_cases[@]}")
for c in "${cases[@]}" "${!fragment_override[@]}"; do
    [[ " ${all_cases[*]} " == *" $c "* ]] || die "unknown case '$c' (cases: ${all_cases[*]})"
done
for c in "${!fragment_override[@]}"; do
    [[ -f ${fragment_override[$c]} ]] || die "--fragment $c: '${fragment_override[$c]}' is not a file"
    fragment_override[$c]=$(realpath -- "${fragment_override[$c]}")
done
[[ $timeout =~ ^[1-9][0-9]*$ ]] || die "--timeout wants a number of seconds, got '$timeout'"
[[ $jobs =~ ^[1-9][0-9]*$ ]] || die "--jobs wants a number, got '$jobs'"
[[ -z $deb || -f $deb ]] || die "--deb: '$deb' is not a file"
[[ -z $source_dir || -f $source_dir/Makefile ]] || die "--source: '$source_dir' has no Makefile"
[[ -z $deb ]] || deb=$(realpath -- "$deb")
[[ -z $source_dir ]] || source_dir=$(realpath -- "$source_dir")
mkdir -p -- "$work" || die "cannot create the work directory '$work'"
work=$(realpath -- "$work")

if [[ -n $kcheck_cmd ]]; then
    read -r -a kcheck <<<"$kcheck_cmd"
elif command -v kcheck >/dev/null 2>&1; then
    kcheck=(kcheck)
else
    kcheck=(python3 -m kcheck)
fi

# ---------------------------------------------------------------------------------------------
# Tools

wants_ppc=no
for c in "${cases[@]}"; do [[ $c != ppce500 ]] || wants_ppc=yes; done

packages=(gcc make flex bison bc libelf-dev cpio gzip xz-utils ccache qemu-system-x86 busybox-static)
[[ $wants_ppc == no ]] || packages+=(qemu-system-ppc gcc-powerpc-linux-gnu libc6-dev-powerpc-cross dpkg-dev)
# apt-get download/source as root: apt drops privileges to _apt, which cannot write our directories.
apt_opts=()
[[ $(id -u) != 0 ]] || apt_opts+=(-o APT::Sandbox::User=root)

ensure_packages() {
    local missing=() p
    for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    ((${#missing[@]})) || return 0
    if [[ $install == no || $(id -u) != 0 ]]; then
        die "missing Debian packages: ${missing[*]} (run as root to install them, or apt-get install them)"
    fi
    note "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 ||
        { apt-get update -q >&2 &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; } ||
        die "apt-get install ${missing[*]} failed"
}

# The Linux source: --source, else an earlier unpack in the work directory, else --deb or a fresh
# download, unpacked by the repo's fetch-kconfig-tree.sh (one unpacker for the whole project).
find_source() {
    if [[ -z $source_dir ]]; then
        source_dir=$work/linux-$linux_series
        if [[ ! -f $source_dir/.fetch-kconfig-tree ]]; then
            rm -rf -- "$source_dir"
            bash "$repo/scripts/fetch-kconfig-tree.sh" --full ${deb:+--deb "$deb"} "$linux_series" "$source_dir" ||
                die "could not get Debian's linux-source-$linux_series (see above)"
        fi
    fi
    local v
    v=$(awk -F' *= *' '$1 == "VERSION" { v = $2 } $1 == "PATCHLEVEL" { p = $2 } END { print v "." p }' \
        "$source_dir/Makefile")
    [[ $v == "$linux_series" ]] || die "'$source_dir' is Linux $v, this script is written for $linux_series"
    [[ ! -e $source_dir/.config ]] || die "'$source_dir' has a .config: builds with O= need a clean tree"
}

# Compiles go through ccache: a second run rebuilds only what the configs changed.
export CCACHE_DIR=$work/ccache

kmake() { # kmake BUILD_DIR ARCH CROSS_COMPILE TARGET...
    local dir=$1 arch=$2 cross=$3
    shift 3
    env PATH=$clean_path make -C "$source_dir" O="$dir" ARCH="$arch" CROSS_COMPILE="$cross" \
        CC="ccache ${cross}gcc" HOSTCC="ccache gcc" -j"$jobs" "$@"
}

# A tool from the kernel source, built with the host compiler: gen_init_cpio writes the
# initramfs with its /dev/console node without needing root.
gen_init_cpio() {
    local bin=$work/tools/gen_init_cpio
    if [[ ! -x $bin || $bin -ot $source_dir/usr/gen_init_cpio.c ]]; then
        mkdir -p -- "$work/tools"
        env PATH=$clean_path gcc -O2 -o "$bin" "$source_dir/usr/gen_init_cpio.c" || die "cannot build gen_init_cpio"
    fi
    "$bin" "$@"
}

# A static PowerPC busybox from Debian's busybox source with Debian's "static" configuration
# (the one busybox-static is built with), fetched through a private apt configuration that
# turns the system's own apt sources into deb-src lines.
ppc_busybox() {
    local top=$work/busybox-powerpc bin=$work/busybox-powerpc/build/busybox
    if [[ -x $bin ]]; then
        printf '%s\n' "$bin"
        return
    fi
    local apt=$top/apt
    rm -rf -- "$top"
    mkdir -p -- "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/sources.list.d" "$top/dl"
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
        [[ -f $f ]] || continue
        sed -e 's/^deb[[:space:]]/deb-src /' -e 's/^Types:[[:space:]]*deb[[:space:]]*$/Types: deb-src/' \
            "$f" >"$apt/sources.list.d/${f##*/}"
    done
    [[ -f $apt/sources.list.d/sources.list ]] && mv "$apt/sources.list.d/sources.list" "$apt/sources.list.d/main.list"
    local private=("${apt_opts[@]}" -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$apt/sources.list.d"
        -o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache")
    note "fetching Debian's busybox source"
    apt-get "${private[@]}" -q update >&2 || die "apt-get update (deb-src, private configuration) failed"
    (cd "$top/dl" && apt-get "${private[@]}" -q source --download-only busybox) >&2 ||
        die "apt-get source busybox failed"
    local dsc=("$top"/dl/busybox_*.dsc)
    [[ -f ${dsc[0]} ]] || die "apt-get source left no busybox .dsc in $top/dl"
    dpkg-source -x "${dsc[0]}" "$top/src" >&2 || die "dpkg-source -x ${dsc[0]} failed"
    # As debian/rules does: OS overrides, then the flavour's config, then oldconfig.
    mkdir -p -- "$top/build"
    cat "$top/src/debian/config/os/linux" "$top/src/debian/config/pkg/static" >"$top/build/.config"
    local bbmake=(env "PATH=$clean_path" make -C "$top/build" -f "$top/src/Makefile" KBUILD_SRC="$top/src"
        CROSS_COMPILE=powerpc-linux-gnu- CC="ccache powerpc-linux-gnu-gcc")
    note "building a static PowerPC busybox (log: $top/build.log)"
    { yes "" | "${bbmake[@]}" oldconfig && "${bbmake[@]}" -j"$jobs" busybox; } >"$top/build.log" 2>&1 ||
        die "busybox build failed, see $top/build.log"
    # busybox's own build can only build one target at a time (debian/rules says so), hence busybox.
    [[ -x $bin ]] || die "busybox build left no $bin"
    printf '%s\n' "$bin"
}

# Checks that BIN is a static ELF for MACHINE (readelf's name, e.g. "PowerPC").
check_static_elf() {
    local bin=$1 machine=$2 header
    header=$(LC_ALL=C readelf -h -l "$bin" 2>/dev/null) || die "'$bin' is not an ELF file"
    grep -q "Machine:[[:space:]]*$machine" <<<"$header" || die "'$bin' is not a $machine binary"
    ! grep -q 'Requesting program interpreter' <<<"$header" || die "'$bin' is not static"
}

initramfs() { # initramfs NAME BUSYBOX -> prints the .cpio.gz path
    local name=$1 bb=$2 out=$work/initramfs/$1.cpio.gz list
    mkdir -p -- "$work/initramfs"
    list=$work/initramfs/$name.list
    cat >"$list" <<EOF
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
dir /proc 0755 0 0
dir /sys 0755 0 0
dir /bin 0755 0 0
file /bin/busybox $bb 0755 0 0
file /init $here/boot/init 0755 0 0
file /udhcpc.script $here/boot/udhcpc.script 0755 0 0
EOF
    gen_init_cpio "$list" | gzip -9 -n >"$out"
    printf '%s\n' "$out"
}

# ---------------------------------------------------------------------------------------------
# Configs

# "CONFIG_X=v" lines, with "# CONFIG_X is not set" as CONFIG_X=n: the same reading for a
# fragment and a .config, to compare what was asked with what make olddefconfig kept.
config_values() {
    sed -n -e 's/^\(CONFIG_[A-Za-z0-9_]*\)=\(.*\)$/\1=\2/p' -e 's/^# \(CONFIG_[A-Za-z0-9_]*\) is not set$/\1=n/p' "$1"
}

# merge FRAGMENT into DIR/.config as the kernel's merge_config.sh -m does, then olddefconfig;
# says which requested values make olddefconfig did not keep.
merge() { # merge DIR ARCH CROSS FRAGMENT
    local dir=$1 arch=$2 cross=$3 frag=$4 dropped
    (cd "$dir" && env PATH=$clean_path "$source_dir/scripts/kconfig/merge_config.sh" -m -O "$dir" \
        "$dir/.config" "$frag") >>"$dir/config.log" 2>&1 || return 1
    kmake "$dir" "$arch" "$cross" olddefconfig >>"$dir/config.log" 2>&1 || return 1
    dropped=$(awk -F= 'FNR == NR { have[$1] = substr($0, length($1) + 2); next }
        { got = ($1 in have) ? have[$1] : "n"; want = substr($0, length($1) + 2)
          if (got != want) printf " %s=%s (got %s)", $1, want, got }' \
        <(config_values "$dir/.config") <(config_values "$frag"))
    [[ -z $dropped ]] || note "${frag##*/}: make olddefconfig did not keep:$dropped"
}

# ---------------------------------------------------------------------------------------------
# Cases

# Sets the globals a case needs. The QEMU line is the one kcheck checks and the one that boots.
setup_case() {
    local c=$1 dir=$work/cases/$1
    case_dir=$dir
    disk=$dir/disk.img
    # shellcheck disable=SC2054 # the commas are QEMU's sub-option separators
    case $c in
        x86_64 | x86_64-unfixed)
            karch=x86_64 cross='' ktarget=bzImage kimage=$dir/build/arch/x86/boot/bzImage
            qemu_line=(qemu-system-x86_64 -M pc -m 256 -nographic -kernel "$kimage"
                -initrd "$work/initramfs/x86_64.cpio.gz" -append console=ttyS0
                -nic user,model=virtio-net-pci -drive "if=virtio,file=$disk,format=raw")
            ;;
        ppce500)
            # QEMU's ppce500 loads an ELF vmlinux as it is; the device tree it builds names the
            # 16550 as stdout, so no console= is needed.
            karch=powerpc cross=powerpc-linux-gnu- ktarget=vmlinux kimage=$dir/build/vmlinux
            qemu_line=(qemu-system-ppc -M ppce500 -cpu e500mc -m 256 -nographic -kernel "$kimage"
                -initrd "$work/initramfs/powerpc.cpio.gz" -net nic,model=virtio -net user
                -drive "if=virtio,file=$disk,format=raw")
            ;;
    esac
    if [[ $c == *-unfixed ]]; then fixed=no; else fixed=yes; fi
}

# Steps 1 and 2: tinyconfig + userland (+ kcheck's fragment, or the console by hand for the
# negative case). Returns non-zero with a reason in $why.
configure_case() {
    local c=$1 dir=$case_dir/build frag rc
    mkdir -p -- "$dir"
    : >"$dir/config.log"
    kmake "$dir" "$karch" "$cross" tinyconfig >>"$dir/config.log" 2>&1 || {
        why="make tinyconfig failed (see $dir/config.log)"
        return 1
    }
    merge "$dir" "$karch" "$cross" "$here/boot/userland.config" || {
        why="merging userland.config failed (see $dir/config.log)"
        return 1
    }
    if [[ $fixed == no ]]; then
        merge "$dir" "$karch" "$cross" "$here/boot/console-$karch.config" || {
            why="merging console-$karch.config failed (see $dir/config.log)"
            return 1
        }
        return 0
    fi
    frag=$case_dir/kcheck-vm.config
    if [[ -n ${fragment_override[$c]:-} ]]; then
        cp -- "${fragment_override[$c]}" "$frag"
    else
        rm -f -- "$frag"
        rc=0
        "${kcheck[@]}" vm --guest "$dir/.config" --tree "$source_dir" --no-host --fix -o "$frag" \
            -- "${qemu_line[@]}" >"$case_dir/kcheck-fix.txt" 2>&1 || rc=$?
        if ((rc > 1)) || [[ ! -f $frag ]]; then
            why="kcheck vm --fix exited $rc without a fragment (see $case_dir/kcheck-fix.txt)"
            return 1
        fi
    fi
    merge "$dir" "$karch" "$cross" "$frag" || {
        why="merging $frag failed (see $dir/config.log)"
        return 1
    }
    # The verdict needs kcheck's exit code, but the kernel is built and booted whatever it is:
    # a guest that works on a config kcheck rejects is worth seeing too.
    kcheck_rc=0
    "${kcheck[@]}" vm --guest "$dir/.config" --tree "$source_dir" --no-host -- "${qemu_line[@]}" \
        >"$case_dir/kcheck-check.txt" 2>&1 || kcheck_rc=$?
}

# Step 4: boot, stop QEMU when the guest says it is done (or at the time limit), keep the console.
boot_case() {
    local log=$case_dir/console.log qpid deadline
    # -no-reboot: a guest that panics and reboots ends QEMU instead of looping. stdin is closed so
    # QEMU's -nographic monitor reads nothing.
    : >"$log" # before QEMU starts, so the first look at it finds a file
    "${qemu_line[@]}" -no-reboot </dev/null >>"$log" 2>&1 &
    qpid=$!
    deadline=$((SECONDS + timeout))
    timed_out=no
    while kill -0 "$qpid" 2>/dev/null; do
        # A panicked kernel (panic=0, the default) spins for ever: no need to wait for the limit.
        if grep -q -e 'KCHECK-BOOT: done' -e 'Kernel panic - not syncing' "$log"; then
            sleep 1 # let QEMU flush the last lines
            break
        fi
        if ((SECONDS >= deadline)); then
            timed_out=yes
            break
        fi
        sleep 1
    done
    kill "$qpid" 2>/dev/null || true
    wait "$qpid" 2>/dev/null || true
    tr -d '\r' <"$log" >"$log.tmp" && mv -- "$log.tmp" "$log"
}

answer() { # answer PROBE -> the guest's last answer to PROBE, or empty
    sed -n "s/^KCHECK-BOOT: $1 //p" "$case_dir/console.log" | tail -n 1
}

run_case() {
    local c=$1 t0 build_s=- boot_s=- eth0 lease vda said verdict ok retried finished
    setup_case "$c"
    mkdir -p -- "$case_dir"
    token="kcheck-boot-disk $(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
    printf '%s\n' "$token" >"$disk"
    truncate -s 1M "$disk"
    why='' kcheck_rc=- retried=
    t0=$SECONDS
    note "$c: configure"
    if configure_case "$c"; then
        note "$c: build $ktarget (log: $case_dir/build/build.log)"
        if kmake "$case_dir/build" "$karch" "$cross" "$ktarget" >"$case_dir/build/build.log" 2>&1; then
            build_s=$((SECONDS - t0))
            note "$c: boot (console: $case_dir/console.log)"
            t0=$SECONDS
            boot_case
            # Under TCG on a loaded host the kernel's IO-APIC timer check can fail by timing alone
            # ("IO-APIC + timer doesn't work!" panic, seen on x86_64 pc at load 10; the same
            # kernel booted the next time). A guest that never reached /init is booted once more,
            # and the verdict says so.
            if ! grep -q '^KCHECK-BOOT: kernel ' "$case_dir/console.log"; then
                retried=$(grep -m1 -i -E 'panic|error' "$case_dir/console.log" || tail -n 1 "$case_dir/console.log")
                mv -- "$case_dir/console.log" "$case_dir/console.1.log"
                note "$c: the guest never reached /init ($retried); booting again"
                boot_case
            fi
            boot_s=$((SECONDS - t0))
        else
            why="kernel build failed (see $case_dir/build/build.log)"
        fi
    fi

    if [[ -n $why ]]; then
        verdict="FAIL: $why"
        ok=no
    else
        eth0=$(answer eth0) lease=$(answer lease) vda=$(answer vda)
        said="eth0 ${eth0:-?}, lease ${lease:-?}, vda ${vda:-?}"
        finished=no
        ! grep -q '^KCHECK-BOOT: done' "$case_dir/console.log" || finished=yes
        [[ $timed_out == no ]] || said+=", no 'done' within ${timeout}s"
        [[ $finished == yes ]] ||
            said+=", the guest did not finish: $(grep -m1 'Kernel panic' "$case_dir/console.log" || echo "see console.log")"
        [[ -z $retried ]] || said+=" (second boot; the first never reached /init: $retried)"
        if [[ $fixed == yes ]]; then
            said+=", kcheck vm exit $kcheck_rc"
            ((kcheck_rc == 0)) || said+=" (see $case_dir/kcheck-check.txt)"
            if [[ $eth0 == present && $lease == 10.0.2.15 && $vda == "$token" && $finished == yes ]] &&
                ((kcheck_rc == 0)); then
                verdict="PASS: $said" ok=yes
            else
                verdict="FAIL: $said" ok=no
            fi
        elif [[ $eth0 == absent && $finished == yes ]]; then
            # The guest booted and answered, and had no NIC: the failure this case must show.
            verdict="FAIL (expected): $said" ok=yes
        elif [[ -z $eth0 ]]; then
            verdict="FAIL, but not the expected one: the guest never answered ($said)" ok=no
        else
            verdict="UNEXPECTED PASS: $said" ok=no
        fi
    fi
    printf '%-15s %s [build %ss, boot %ss]\n' "$c" "$verdict" "$build_s" "$boot_s"
    printf '%s\t%s\t%s\t%s\n' "$c" "$ok" "$build_s" "$boot_s" >>"$work/times.tsv"
    [[ $ok == yes ]]
}

ensure_packages
find_source
note "Linux source: $source_dir; work directory: $work; kcheck: ${kcheck[*]}"
check_static_elf /bin/busybox "Advanced Micro Devices X86-64"
initramfs x86_64 /bin/busybox >/dev/null
if [[ $wants_ppc == yes ]]; then
    bb=$(ppc_busybox)
    check_static_elf "$bb" PowerPC
    initramfs powerpc "$bb" >/dev/null
fi

failed=0
for c in "${cases[@]}"; do
    run_case "$c" || failed=1
done
exit "$failed"
