# UEFI: Debian's stock OVMF on hvmm's platform (i440FX, fw_cfg, flash),
# through it the Debian kernel (fw_cfg direct boot) and a Debian 12 disk
# image on virtio-blk. Sourced by tests/integration/run; each file appends
# its cases to all_cases. Needs the patched L0 QEMU in the lab (kvm-lab
# --patched; docs/lab.md) because OVMF trips the packaged one.
all_cases+=" uefi_bad_firmware uefi_kernel"
# uefi_shell (OVMF with nothing to boot ends in its shell) is one more
# OVMF boot; uefi_kernel's boot proves OVMF on hvmm in `make check`, so
# it runs when named (`make check-uefi`), as CI's hour is full.
named_cases+=" uefi_shell"
# uefi_vars is one more OVMF boot (about 250 s in the slower labs, CI run
# of 2026-12-02: uefi_kernel took 270 s): it runs when named, after
# uefi_kernel whose boot writes the variable (`tests/integration/run
# uefi_kernel uefi_vars`); flash_vars checks the flash store in make check.
named_cases+=" uefi_vars"
# Six or more minutes of lab time per disk boot (400-450 s in the slower
# labs, session 7): since session 7 both disk boots (1 vCPU with SIGTERM,
# 2 vCPUs with ctl shutdown) run when named, as CI's hour is full:
# `make check-uefi` runs them with the other named OVMF cases, until OVMF
# boots get cheaper.
named_cases+=" uefi_disk_1cpu uefi_disk_2cpu"
lab_retry_cases+=" uefi_kernel uefi_vars uefi_disk_1cpu uefi_disk_2cpu"
lab_stimer_flake_cases+=" uefi_disk_2cpu"

OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd
# A UEFI boot in the lab: OVMF alone takes 20-40 s before the kernel, a
# kernel through OVMF 60-140 s to its init, the disk image's systemd
# 130 s or more of guest uptime to its marker (loaded 2-core machine).
UEFI_TIMEOUT=${HVMM_IT_UEFI_TIMEOUT:-300}
DISK_TIMEOUT=${HVMM_IT_DISK_TIMEOUT:-600}
DISK_IMAGE=${HVMM_IT_DISK:-${HVMM_CACHE:-$HOME/.cache/hvmm}/images/debian12.img}

case_uefi_bad_firmware() {
	# Every one of these is the user's mistake: one line, exit 2, before
	# anything runs.
	head -c 1048576 /dev/zero >"$OUT/short.fd"
	boot uefi_fw_wrong_size 2 --timeout 30 --firmware "$OUT/short.fd"
	expect "one-line error" [ "$(wc -l <"$OUT/$name.err")" = 1 ]
	expect "error names the file" err_has "short.fd"
	finish
	boot uefi_fw_secboot 2 --timeout 30 --firmware /usr/share/OVMF/OVMF_CODE_4M.secboot.fd
	expect "one-line error" [ "$(wc -l <"$OUT/$name.err")" = 1 ]
	expect "says secure boot/SMM is not supported" err_has "secboot"
	finish
	boot uefi_fw_ms_symlink 2 --timeout 30 --firmware /usr/share/OVMF/OVMF_CODE_4M.ms.fd
	expect "one-line error" [ "$(wc -l <"$OUT/$name.err")" = 1 ]
	finish
	boot uefi_fw_missing 2 --timeout 30 --firmware "$OUT/none.fd"
	expect "error says why" err_has "No such file"
	finish
	head -c 4096 /dev/zero >"$OUT/bad-vars.fd"
	boot uefi_vars_wrong_size 2 --timeout 30 --firmware "$OVMF_CODE" --uefi-vars "$OUT/bad-vars.fd"
	expect "one-line error" [ "$(wc -l <"$OUT/$name.err")" = 1 ]
	expect "error names the file" err_has "bad-vars.fd"
	finish
	boot uefi_disk_missing 2 --timeout 30 --uefi --uefi-vars "$OUT/v.fd" --disk "$OUT/none.img"
	expect "one-line error" [ "$(wc -l <"$OUT/$name.err")" = 1 ]
	expect "error names the disk" err_has "none.img"
	finish
}

case_uefi_shell() {
	# No disk, no kernel: OVMF finds nothing to boot and ends in its
	# shell, saying so on COM1; SIGTERM (no grace: no VMBus) ends the run
	# as soon as the prompt is there. In the slower labs OVMF takes
	# 60-120 s to its prompt: the bound is UEFI_TIMEOUT, not a guess.
	boot_bg uefi_shell --timeout "$UEFI_TIMEOUT" --shutdown-grace 0 --uefi \
		--uefi-vars "$OUT/shell-vars.fd"
	expect "OVMF reached its shell" wait_for "Shell> " 1 "$UEFI_TIMEOUT"
	kill -TERM "$bg" 2>/dev/null
	end_bg 6
	expect "the variable store was created" [ -s "$OUT/shell-vars.fd" ]
	expect "no error" err_lacks "error"
	expect "no unhandled exit" err_lacks "unhandled"
	finish
}

# uefi_linux_bg NAME ARGS...: the Debian kernel through OVMF (fw_cfg)
uefi_linux_bg() {
	local n=$1
	shift
	boot_bg "$n" --uefi --kernel "$BZIMAGE" --initrd "$INITRD" --timeout "$UEFI_TIMEOUT" "$@"
}

# The store uefi_kernel leaves behind, with the variable it wrote.
KERNEL_VARS_VALUE=hvmm-vars-$$

# uefi_kernel_case NAME [gdb]: direct kernel boot through the firmware,
# 2 vCPUs (SMP under UEFI), VMBus up, an EFI variable written (read back
# by uefi_vars), shut down through the shutdown IC. With gdb, the VM
# starts held by --gdb-wait: gdb checks OVMF's reset vector in real mode,
# steps, and continues; it stays attached through the boot and sees the
# VM exit (gdb_uefi_reset_start/_end, 85-gdb.sh): a few seconds on this
# boot where a boot of its own would cost a minute or two.
uefi_kernel_case() {
	local sock=/dev/shm/hvmm-it-uefi-$$.sock port="" gdb=()
	if [ "${2:-}" = gdb ]; then
		port=$(gdb_port)
		gdb=(--gdb "tcp:127.0.0.1:$port" --gdb-wait)
	fi
	uefi_linux_bg "$1" --cpus 2 --uefi-vars "$OUT/k-vars.fd" --api "unix:$sock" "${gdb[@]}" \
		--cmdline "$CMDLINE hvmm.test=wait hvmm.efivar=$KERNEL_VARS_VALUE"
	[ -z "$port" ] || gdb_uefi_reset_start "$port"
	expect "guest up and waiting" wait_for "HVMM-GUEST: wait" 1 "$UEFI_TIMEOUT"
	expect "booted through UEFI" out_has "HVMM-GUEST: efi=yes"
	expect "the firmware brought up both vCPUs" out_has "HVMM-GUEST: cpus=2"
	expect "an EFI variable was written" out_has "HVMM-GUEST: efivar-written $KERNEL_VARS_VALUE"
	expect_vmbus_devices
	ctl shutdown >"$OUT/ctl" 2>&1
	expect "ctl shutdown accepted" grep -q "^ok" "$OUT/ctl"
	end_bg 0
	expect "guest shut down on the host's request" out_has "HVMM-GUEST: host-shutdown poweroff"
	[ -z "$port" ] || gdb_uefi_reset_end
	gdb_finish "$OUT/$name.gdb"
}

# With gdb at the reset vector (issue 11's UEFI session, a few seconds on
# this boot). gdb_uefi (85-gdb.sh) is the same boot under its own name.
case_uefi_kernel() { uefi_kernel_case uefi_kernel gdb; }

case_uefi_vars() {
	# The variable the guest wrote through efivarfs in uefi_kernel is
	# there in a second run with the same --uefi-vars store: the flash
	# writes reached the file. Run alone, it writes one first.
	if ! grep -q "efivar-written $KERNEL_VARS_VALUE" "$OUT/uefi_kernel.out" 2>/dev/null; then
		uefi_linux_bg uefi_vars_write --uefi-vars "$OUT/k-vars.fd" \
			--cmdline "$CMDLINE hvmm.efivar=$KERNEL_VARS_VALUE"
		end_bg 0
		expect "written in the first run" out_has "HVMM-GUEST: efivar-written $KERNEL_VARS_VALUE"
		finish
	fi
	uefi_linux_bg uefi_vars_read --uefi-vars "$OUT/k-vars.fd" --cmdline "$CMDLINE"
	end_bg 0
	expect "read back in the second run" out_has "HVMM-GUEST: efivar HvmmTest=$KERNEL_VARS_VALUE"
	finish
}

# uefi_disk_case CPUS HOW: the Debian 12 image through OVMF's boot
# manager, its boot loader and systemd, to the readiness marker.
uefi_disk_case() {
	local cpus=$1 how=$2 sock=/dev/shm/hvmm-it-disk-$$.sock img=$OUT/disk-$1.img
	if [ ! -s "$DISK_IMAGE" ]; then
		name=uefi_disk_${cpus}cpu
		ok=0
		secs=0
		echo "    FAIL: no disk image $DISK_IMAGE (make guest-disk builds it)"
		finish
		return
	fi
	cp --sparse=always "$DISK_IMAGE" "$img"
	boot_bg "uefi_disk_${cpus}cpu" --uefi --uefi-vars "$OUT/d$cpus-vars.fd" --disk "$img" \
		--cpus "$cpus" --api "unix:$sock" --timeout "$DISK_TIMEOUT"
	# "wait" comes after the VMBus lines: shutting down earlier would cut
	# them short.
	expect "guest up and waiting for its host" wait_for "HVMM-GUEST: wait" 1 "$DISK_TIMEOUT"
	expect "guest reports $cpus CPUs" out_has "HVMM-GUEST: cpus=$cpus"
	expect_vmbus_devices
	if [ "$how" = sigterm ]; then
		kill -TERM "$bg"
	else
		ctl shutdown >"$OUT/ctl" 2>&1
		expect "ctl shutdown accepted" grep -q "^ok" "$OUT/ctl"
	fi
	end_bg 0
	# The guest waits for its host forever: an orderly systemd power-off
	# within the grace (exit 0, not 6) can only come from hv_utils acting
	# on the shutdown IC's request. (The image's own "host-shutdown" stop
	# line, from its unit's ExecStop, did not reach the console under
	# hvmm in the lab; see docs/guest-images.md.)
	[ "$how" = sigterm ] &&
		expect "SIGTERM became a shutdown-IC request" err_has "asking the guest to shut down"
	expect "systemd powered the guest off" out_has "HVMM-GUEST: systemd-shutdown poweroff"
	finish
	rm -f "$img"
}

case_uefi_disk_1cpu() { uefi_disk_case 1 sigterm; }
case_uefi_disk_2cpu() { uefi_disk_case 2 ctl; }
