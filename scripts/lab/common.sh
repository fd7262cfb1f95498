# shellcheck shell=bash disable=SC2034
# Helpers shared by the hvmm lab scripts. Source this file (bash); it
# defines functions and variables only, and changes no shell options.
#
#   HVMM_CACHE      cache directory (default: $HOME/.cache/hvmm)
#   HVMM_KERNEL_PKG force a kernel package (e.g. linux-image-6.1.0-56-amd64)
#
# Layout of the cache:
#   kernel/<pkg>_<version>_amd64.deb     the downloaded Debian kernel package
#   kernel/<pkg>_<version>/              dpkg -x of it (+ modules.dep from depmod)
#   kernel/current                       name of the directory above in use
#   lab/                                 the L1 initramfs (see scripts/kvm-lab)
#   qemu-l0/                             the patched L0 QEMU (scripts/lab/build-l0-qemu)

HVMM_CACHE=${HVMM_CACHE:-${HOME:-/root}/.cache/hvmm}
HVMM_LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HVMM_TOP=$(cd "$HVMM_LAB_DIR/../.." && pwd)
: "${HVMM_PROG:=$(basename "$0")}"

msg() { printf '%s: %s\n' "$HVMM_PROG" "$*" >&2; }
die() { printf '%s: error: %s\n' "$HVMM_PROG" "$*" >&2; exit "${HVMM_DIE_STATUS:-1}"; }

# apt_download PKG DIR: apt-get download PKG into DIR; on failure (stale
# or empty package lists) refresh the lists once, as root, and retry.
apt_download() {
	# apt may warn that the download is "performed unsandboxed as root"
	# because user _apt cannot write the cache dir: harmless.
	(cd "$2" && apt-get download "$1" >&2) && return 0
	if [ "$(id -u)" -eq 0 ]; then
		msg "apt-get download $1 failed; refreshing the package lists and retrying"
		apt-get update -qq >&2 && (cd "$2" && apt-get download "$1" >&2) && return 0
	fi
	die "apt-get download $1 failed (try: apt-get update)"
}

# lock_cache NAME: take an exclusive lock on $HVMM_CACHE/NAME.lock on fd 9
# for the rest of the calling shell (released when it exits).
lock_cache() {
	mkdir -p "$HVMM_CACHE"
	exec 9>"$HVMM_CACHE/$1.lock"
	if ! flock -n 9; then
		msg "waiting for another run holding $HVMM_CACHE/$1.lock"
		flock 9
	fi
}

# unlock_cache: release the lock taken by lock_cache.
unlock_cache() { exec 9>&-; }

# need_root_for WHAT: fail with a clear message unless we are root.
need_root_for() {
	[ "$(id -u)" -eq 0 ] || die "need root to $1 (run as root or run scripts/deps first)"
}

# Debian kernel ---------------------------------------------------------------

# kernel_pkg_wanted: print the linux-image-X.Y.Z-N-amd64 package that
# linux-image-amd64 depends on (after apt-get update if apt knows nothing).
kernel_pkg_wanted() {
	if [ -n "${HVMM_KERNEL_PKG:-}" ]; then
		echo "$HVMM_KERNEL_PKG"
		return
	fi
	local p
	p=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n1)
	if [ -z "$p" ] && [ "$(id -u)" -eq 0 ]; then
		msg "apt knows no linux-image-amd64; running apt-get update"
		apt-get update -qq >&2 || true
		p=$(apt-cache depends linux-image-amd64 2>/dev/null |
			sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n1)
	fi
	[ -n "$p" ] || die "cannot find the kernel package that linux-image-amd64 depends on (apt-cache depends linux-image-amd64)"
	echo "$p"
}

# ensure_kernel: make sure a Debian kernel is unpacked in the cache and set
#   KERNEL_DIR      the unpacked tree
#   KERNEL_VERSION  the uname -r of that kernel (e.g. 6.1.0-56-amd64)
#   KERNEL_VMLINUZ  path of its vmlinuz
#   KERNEL_MODDIR   path of its lib/modules/<ver>
#   KERNEL_CONFIG   path of its config
# The kernel already cached (kernel/current) is kept until it is removed or
# HVMM_KERNEL_PKG names another one, so results do not move under our feet
# when the archive publishes a new kernel.
ensure_kernel() {
	local kdir="$HVMM_CACHE/kernel" cur="" pkg deb name
	mkdir -p "$kdir"
	if [ -z "${HVMM_KERNEL_PKG:-}" ] && [ -f "$kdir/current" ]; then
		cur=$(cat "$kdir/current")
		if [ -f "$kdir/$cur/.complete" ]; then
			_kernel_set "$kdir/$cur"
			return 0
		fi
	fi
	lock_cache kernel
	pkg=$(kernel_pkg_wanted) || exit 1
	# Already unpacked (by a concurrent run, or a forced package)?
	for name in "$kdir/${pkg}"_*; do
		case $name in *.deb) continue ;; esac
		if [ -f "$name/.complete" ]; then
			basename "$name" >"$kdir/current.tmp" && mv "$kdir/current.tmp" "$kdir/current"
			unlock_cache
			_kernel_set "$name"
			return 0
		fi
	done
	deb=$(find "$kdir" -maxdepth 1 -name "${pkg}_*_amd64.deb" | sort | tail -n1)
	if [ -z "$deb" ]; then
		msg "downloading $pkg into $kdir"
		apt_download "$pkg" "$kdir"
		deb=$(find "$kdir" -maxdepth 1 -name "${pkg}_*_amd64.deb" | sort | tail -n1)
		[ -n "$deb" ] || die "apt-get download $pkg left no .deb in $kdir"
	fi
	name=$(basename "$deb" _amd64.deb)
	msg "unpacking $(basename "$deb")"
	rm -rf "$kdir/$name.tmp"
	mkdir -p "$kdir/$name.tmp"
	dpkg -x "$deb" "$kdir/$name.tmp" || die "dpkg -x $deb failed"
	local ver
	ver=$(ls "$kdir/$name.tmp/lib/modules")
	[ -f "$kdir/$name.tmp/boot/vmlinuz-$ver" ] || die "no boot/vmlinuz-$ver in $deb"
	# The package ships no modules.dep (its postinst runs depmod): make one.
	command -v depmod >/dev/null || PATH=$PATH:/sbin:/usr/sbin
	depmod -b "$kdir/$name.tmp" "$ver" || die "depmod failed (is kmod installed? run scripts/deps)"
	touch "$kdir/$name.tmp/.complete"
	rm -rf "${kdir:?}/$name"
	mv "$kdir/$name.tmp" "$kdir/$name"
	echo "$name" >"$kdir/current.tmp" && mv "$kdir/current.tmp" "$kdir/current"
	unlock_cache
	_kernel_set "$kdir/$name"
}

_kernel_set() {
	KERNEL_DIR=$1
	KERNEL_VERSION=$(ls "$KERNEL_DIR/lib/modules")
	KERNEL_VMLINUZ=$KERNEL_DIR/boot/vmlinuz-$KERNEL_VERSION
	KERNEL_MODDIR=$KERNEL_DIR/lib/modules/$KERNEL_VERSION
	KERNEL_CONFIG=$KERNEL_DIR/boot/config-$KERNEL_VERSION
	export KERNEL_DIR KERNEL_VERSION KERNEL_VMLINUZ KERNEL_MODDIR KERNEL_CONFIG
}

# kernel_config_value SYMBOL: print y, m or nothing for CONFIG_SYMBOL.
kernel_config_value() {
	sed -n "s/^CONFIG_$1=\\(.*\\)\$/\\1/p" "$KERNEL_CONFIG"
}

# resolve_modules NAME...: print the module files (relative to
# KERNEL_MODDIR) needed to load the named modules, dependencies first, each
# once, from modules.dep. Names use the file's spelling without .ko
# (kvm-amd, 9pnet_virtio); '-' and '_' are interchangeable. A module that is
# built in (modules.builtin) is skipped; an unknown one is an error.
resolve_modules() {
	awk -v wanted="$*" '
	function norm(s) { gsub(/-/, "_", s); return s }
	function base(p,   b) { b = p; sub(/.*\//, "", b); sub(/\.ko(\.[a-z]+)?$/, "", b); return norm(b) }
	FILENAME ~ /modules\.builtin$/ { builtin[base($1)] = 1; next }
	{
		f = $1; sub(/:$/, "", f)
		n = base(f); path[n] = f; deps[n] = ""
		for (i = 2; i <= NF; i++) deps[n] = deps[n] " " $i
	}
	function visit(n,   d, k, i) {
		if (n in done) return
		if (n in active) { print "resolve_modules: dependency loop at " n > "/dev/stderr"; exit 2 }
		active[n] = 1
		k = split(deps[n], d, " ")
		for (i = 1; i <= k; i++) visit(base(d[i]))
		done[n] = 1
		print path[n]
	}
	END {
		k = split(wanted, w, " ")
		for (i = 1; i <= k; i++) {
			n = norm(w[i])
			if (n in path) visit(n)
			else if (n in builtin) continue
			else { print "resolve_modules: no module " w[i] > "/dev/stderr"; exit 2 }
		}
	}' "$KERNEL_MODDIR/modules.builtin" "$KERNEL_MODDIR/modules.dep"
}

# L0 QEMU --------------------------------------------------------------------

HVMM_QEMU_L0_PREFIX=$HVMM_CACHE/qemu-l0
HVMM_QEMU_L0=$HVMM_QEMU_L0_PREFIX/bin/qemu-system-x86_64

# The patch the installed L0 QEMU was built with must be today's: a
# changed patch (a new lab fix) rebuilds it (scripts/lab/build-l0-qemu).
l0_patch_sum() {
	cat "$HVMM_LAB_DIR"/qemu-*-l0.patch | sha256sum | cut -c1-64
}
l0_qemu_current() {
	[ -x "$HVMM_QEMU_L0" ] &&
		[ "$(cat "$HVMM_QEMU_L0_PREFIX/HVMM-PATCH-SHA256" 2>/dev/null)" = "$(l0_patch_sum)" ]
}
