# The gdbstub's lab acceptance (issue 11, docs/gdbstub.md): Debian's gdb
# in batch mode (`gdb -nx -batch -x tests/integration/gdb/SCRIPT`) against
# `hvmm run --gdb`, on the gdbtest guest (tests/guest/gdb) and the Debian
# kernel. Each case greps gdb's transcript (the scripts printf "HVMM
# key=value" lines and "==section==" markers for it) and checks what the
# guest did. OVMF at the reset vector: gdb_uefi_reset_start/_end ride on
# uefi_kernel's boot (60-uefi.sh), held by --gdb-wait (an OVMF boot is a
# minute or more in the lab); gdb_uefi runs that boot under its own name.
# Sourced by tests/integration/run; each file appends its cases to all_cases.
# Compound checks are `expect DESC eval '...'`: expanded when expect runs them.
# shellcheck disable=SC2016
# Lab wall times (2026-12-02, loaded 2-core machine): gdb_break 7.5 s,
# gdb_smp 22 s, gdb_kernel 190 s (two Debian boots and three gdb starts,
# each 10-20 s on the emulated L1 CPU).
all_cases+=" gdb_break gdb_smp gdb_kernel"
named_cases+=" gdb_uefi"
lab_retry_cases+=" gdb_kernel gdb_uefi"

GDBTEST=$PAYLOADS/gdbtest.elf
GDB_DIR=tests/integration/gdb
# One gdb session: gdb itself is slow on the lab's emulated L1 CPU.
GDB_TIMEOUT=${HVMM_IT_GDB_TIMEOUT:-120}
# --timeout of a gdbtest boot under gdb (the guest alone takes 1-2 s).
GDB_VM_TIMEOUT=180
# Linux's link-time _text (CONFIG_PHYSICAL_START 16 MiB), what nokaslr gives.
LINUX_TEXT=ffffffff81000000

# gdb_port: a TCP port on 127.0.0.1 that nothing uses now
gdb_port() {
	local i p
	for i in $(seq 1 50); do
		p=$((20000 + RANDOM % 30000))
		grep -qi ":$(printf '%04X' "$p") " /proc/net/tcp /proc/net/tcp6 2>/dev/null || break
	done
	echo "$p"
}

# gdb_start TRANSCRIPT PORT GDB_ARGS...: gdb -batch in the background,
# connected to the stub on PORT, then running GDB_ARGS (-ex/-x in order,
# and the ELF to load). $gdb_pid is `timeout`'s pid, which is also the
# process group of gdb and anything it runs (timeout makes its own).
gdb_start() {
	local t=$1 port=$2
	shift 2
	timeout -s KILL "$GDB_TIMEOUT" gdb -nx -batch \
		-ex "set pagination off" -ex "set confirm off" -ex "set width 0" \
		-ex "set tcp connect-timeout 60" -ex "target remote 127.0.0.1:$port" \
		"$@" >"$t" 2>&1 </dev/null &
	gdb_pid=$!
}

# gdb_end: wait for the gdb of gdb_start (bounded by its timeout); $gdb_status
gdb_end() {
	wait "$gdb_pid"
	gdb_status=$?
	[ "$gdb_status" != 137 ] || echo "    gdb did not finish within $GDB_TIMEOUT s; killed" >&3
}

# gdb_run TRANSCRIPT PORT GDB_ARGS...: gdb_start + gdb_end
gdb_run() {
	gdb_start "$@"
	gdb_end
}

# gdb_wait_for TRANSCRIPT PATTERN SECONDS: until gdb printed PATTERN
gdb_wait_for() {
	local end now
	printf -v now '%(%s)T' -1
	end=$((now + $3))
	until grep -q -- "$2" "$1"; do
		printf -v now '%(%s)T' -1
		if ! kill -0 "$gdb_pid" 2>/dev/null || [ "$now" -ge "$end" ]; then
			grep -q -- "$2" "$1"
			return
		fi
		sleep 0.5
	done
}

# gdb_section TRANSCRIPT NAME: the lines after "==NAME==" up to the next marker
gdb_section() {
	awk -v s="==$2==" '$0 == s { on = 1; next } /^==[a-z0-9-]+==$/ { on = 0 } on' "$1"
}

# sec_has TRANSCRIPT NAME ERE: that section has a line matching ERE
sec_has() { gdb_section "$1" "$2" | grep -qE -- "$3"; }
sec_lacks() { ! sec_has "$@"; }

# gdb_val TRANSCRIPT KEY: the value of " KEY=" in gdb's last "HVMM ..." line with it
gdb_val() { sed -n "s/^HVMM.* $2=\([^ ]*\).*/\1/p" "$1" | tail -n 1; }

# threads TRANSCRIPT NAME: how many threads `info threads` listed in that section
threads() { gdb_section "$1" "$2" | grep -cE '^[* ] +[0-9]+ +Thread '; }

# gdb_finish TRANSCRIPT...: finish, with the tails of gdb's transcripts if failed
gdb_finish() {
	local f
	if [ "$ok" != 1 ]; then
		for f in "$@"; do
			[ -f "$f" ] || continue
			echo "    gdb transcript ${f##*/}:"
			tail -n 25 "$f" | sed 's/^/    gdb| /'
		done
	fi
	finish
}

case_gdb_break() {
	# One vCPU held before its first instruction: break by name, locals
	# and a global, finish, next, a hardware watchpoint, the system
	# registers, then run to the guest's end.
	local port t=$OUT/gdb_break.gdb line entry k
	port=$(gdb_port)
	line=$(grep -n 'return acc;' tests/guest/gdb/main.c | cut -d: -f1)
	entry=$(readelf -h "$GDBTEST" | sed -n 's/.*Entry point address: *//p')
	# rounds=5: `next` after `finish` may step over one gdbtest_bump()
	# before the watchpoint is set, and two hits are checked.
	boot_bg gdb_break --kernel "$GDBTEST" --cmdline "rounds=5" \
		--gdb "tcp:127.0.0.1:$port" --gdb-wait --timeout "$GDB_VM_TIMEOUT"
	gdb_run "$t" "$port" -ex "set \$hvmm_ret_line = $line" -x "$GDB_DIR/break.gdb" "$GDBTEST"
	end_bg 0
	expect "gdb exited 0 (got $gdb_status)" [ "$gdb_status" = 0 ]
	expect "one thread at attach" [ "$(threads "$t" attach)" = 1 ]
	expect "held at the ELF entry $entry (pc $(gdb_val "$t" entry-pc))" \
		[ "$(gdb_val "$t" entry-pc)" = "$entry" ]
	expect "stopped at 'break gdbtest_compute'" sec_has "$t" break "^Breakpoint 1, gdbtest_compute \("
	expect "argument n=10, global gdbtest_counter=0 there" \
		[ "$(gdb_val "$t" n)/$(gdb_val "$t" counter0)" = 10/0 ]
	expect "at 'return acc;': locals acc=285 i=10 (got $(gdb_val "$t" acc)/$(gdb_val "$t" i))" \
		[ "$(gdb_val "$t" acc)/$(gdb_val "$t" i)" = 285/10 ]
	expect "finish: value returned 285" sec_has "$t" finish 'Value returned is \$[0-9]+ = 285$'
	expect "next: back in guest_main" sec_has "$t" finish "^guest_main \+ [0-9]+ in section"
	k=$(gdb_val "$t" counter-before-watch)
	expect "watch: a hardware watchpoint" sec_has "$t" watch "^Hardware watchpoint [0-9]+: gdbtest_counter$"
	expect "watch hit: Old value = $k, New value = $((k + 1))" \
		sec_has "$t" watch "^Old value = $k$"
	expect "watch hit: New value = $((k + 1))" sec_has "$t" watch "^New value = $((k + 1))$"
	expect "watch hit: pc inside gdbtest_bump (the writer)" \
		sec_has "$t" watch "^gdbtest_bump \+ [0-9]+ in section"
	expect "watch hit: the guest's counter is $((k + 1))" [ "$(gdb_val "$t" watch-counter)" = $((k + 1)) ]
	expect "info registers: cr0 PG|PE, cr4 PAE, efer LMA, ring-0 cs" \
		[ "$(gdb_val "$t" cr0-pg-pe)$(gdb_val "$t" cr4-pae)$(gdb_val "$t" efer-lma)$(gdb_val "$t" cs-ring0)" = 1111 ]
	expect "info registers: a page-aligned cr3 ($(gdb_val "$t" cr3))" \
		grep -qE "^HVMM .* cr3=0x[0-9a-f]*[1-9a-f][0-9a-f]*000$" "$t"
	expect "info registers printed efer" sec_has "$t" watch "^efer +0x"
	expect "second watch hit: counter $((k + 2))" [ "$(gdb_val "$t" second-watch-counter)" = $((k + 2)) ]
	expect "gdb saw the guest end" sec_has "$t" end "^\[Inferior 1 \(.*\) exited normally\]"
	expect "guest result right" out_has "GDBTEST-RESULT pass sum=285 counter=5 released=0 aps=0"
	gdb_finish "$t"
}

case_gdb_smp() {
	# Two vCPUs spinning until gdbtest_release: continue, then Ctrl-C
	# (SIGINT to gdb: it sends the stub 0x03, which must kick both out of
	# the guest); both threads' backtraces; setting gdbtest_release lets
	# the guest finish. Held by --gdb-wait while gdb starts: in the lab,
	# two spinning vCPUs share L1's one CPU with gdb, whose start then
	# takes 35 s instead of 5. (Attaching to a running VM: gdb_kernel.)
	local port t=$OUT/gdb_smp.gdb
	port=$(gdb_port)
	boot_bg gdb_smp --kernel "$GDBTEST" --cpus 2 --cmdline "rounds=2 spin=1000000 cpus=2" \
		--gdb "tcp:127.0.0.1:$port" --gdb-wait --timeout "$GDB_VM_TIMEOUT"
	gdb_start "$t" "$port" -x "$GDB_DIR/smp.gdb" "$GDBTEST"
	if gdb_wait_for "$t" "^==continue==$" 90; then
		sleep 2
		# To gdb itself, once: `timeout` would pass it on twice (to its
		# child and to its group), and gdb takes a second Ctrl-C before
		# the stop as "give up waiting" and disconnects.
		kill -INT "$(pgrep -P "$gdb_pid" -x gdb)"
	else
		expect "gdb attached and continued" false
		kill -KILL "$bg" 2>/dev/null
	fi
	gdb_end
	end_bg 0
	expect "gdb exited 0 (got $gdb_status)" [ "$gdb_status" = 0 ]
	expect "attach: 2 threads" [ "$(threads "$t" attach)" = 2 ]
	expect "Ctrl-C stopped the VM" sec_has "$t" continue "received signal SIGINT"
	expect "after Ctrl-C: 2 threads" [ "$(threads "$t" interrupted)" = 2 ]
	expect "backtrace: the second vCPU in gdbtest_ap_spin" sec_has "$t" interrupted "gdbtest_ap_spin \("
	expect "backtrace: the first vCPU in guest_main" sec_has "$t" interrupted "guest_main \("
	expect "the second vCPU had spun ($(gdb_val "$t" ap-spins))" [ "$(gdb_val "$t" ap-spins)" -gt 0 ]
	expect "gdb saw the guest end" sec_has "$t" release "^\[Inferior 1 \(.*\) exited normally\]"
	expect "guest result right, released by gdb" \
		out_has "GDBTEST-RESULT pass sum=285 counter=2 released=1 aps=1"
	gdb_finish "$t"
}

# ksym NAME: the address the guest printed for NAME (hvmm.kallsyms)
ksym() { sed -n "s/.*HVMM-GUEST: kallsyms $1=\([0-9a-f]*\).*/\1/p" "$OUT/$name.out" | tail -n 1; }

case_gdb_kernel() {
	# Two boots of the Debian kernel. KASLR on: attach to the running
	# guest, a first gdb is killed (SIGKILL) while it holds the VM
	# stopped with breakpoints planted, the VM runs on, a second gdb
	# checks `monitor kaslr` against the guest's /proc/kallsyms and the
	# VMM's monitor commands, detaches; the guest shuts down normally.
	# Then nokaslr, held by --gdb-wait: hbreak on start_kernel (its
	# address from the first boot: Debian's System.map is a stub), the
	# registers and stack there, detach in the middle of the boot.
	local port h=$OUT/gdb_kaslr.hold.gdb t=$OUT/gdb_kaslr.gdb k=$OUT/gdb_kernel.gdb
	local text sk nano wr off n1 n2 addr c
	port=$(gdb_port)
	boot_bg gdb_kaslr --kernel "$BZIMAGE" --initrd "$INITRD" --timeout "$BOOT_TIMEOUT" \
		--gdb "tcp:127.0.0.1:$port" \
		--cmdline "$CMDLINE hvmm.test=wait hvmm.clock=1 hvmm.kallsyms=_text,start_kernel,hrtimer_nanosleep,ksys_write"
	expect "guest up and waiting" wait_for "HVMM-GUEST: wait" 1 200
	text=$(ksym _text) sk=$(ksym start_kernel) nano=$(ksym hrtimer_nanosleep) wr=$(ksym ksys_write)
	expect "guest printed its symbols (_text=$text start_kernel=$sk hrtimer_nanosleep=$nano ksys_write=$wr)" \
		eval '[ -n "$text" ] && [ -n "$sk" ] && [ -n "$nano" ] && [ -n "$wr" ]'
	if [ "$ok" != 1 ]; then
		kill -KILL "$bg" 2>/dev/null
		end_bg 0
		gdb_finish
		return
	fi

	gdb_start "$h" "$port" -ex "set \$hvmm_bp = 0x$nano" -ex "set \$hvmm_hbp = 0x$wr" \
		-x "$GDB_DIR/hold.gdb"
	n1=0 n2=0
	if gdb_wait_for "$h" "^==holding==$" "$GDB_TIMEOUT"; then
		n1=$(out_count "HVMM-GUEST: clock=")
		sleep 3
		n2=$(out_count "HVMM-GUEST: clock=")
		expect "the VM stays stopped while gdb holds it ($n1 -> $n2 clock lines in 3 s)" [ "$n1" = "$n2" ]
	else
		expect "first gdb: attached, stopped on a planted breakpoint" false
	fi
	addr=$(gdb_val "$h" stop-pc)
	expect "first gdb stopped on its int3 or hbreak (pc $addr)" \
		eval '[ "$addr" = "0x$nano" ] || [ "$addr" = "0x$wr" ]'
	expect "first gdb: the int3 is planted" sec_has "$h" attach "^int3 at 0x$nano "
	expect "first gdb: the hbreak holds a debug register" sec_has "$h" attach "^dr[0-3]: exec 0x$wr "
	# gdb, and the `shell sleep` it runs: the whole process group.
	# (stderr off: no "Killed" job message, this kill is the test)
	{ kill -KILL -- "-$gdb_pid" || kill -KILL "$gdb_pid"; wait "$gdb_pid"; } 2>/dev/null
	expect "the VM runs on after gdb was killed" wait_for "HVMM-GUEST: clock=" $((n2 + 3)) 60

	gdb_run "$t" "$port" -x "$GDB_DIR/kaslr.gdb"
	expect "second gdb exited 0 (got $gdb_status)" [ "$gdb_status" = 0 ]
	expect "second gdb: attached, 1 thread" [ "$(threads "$t" attach)" = 1 ]
	expect "no int3 left planted" sec_lacks "$t" breakpoints "^int3 at"
	expect "no debug register left in use" sec_has "$t" breakpoints "^debug registers: 0 of 4 in use"
	off=$(printf '%#x' $((0x$text - 0x$LINUX_TEXT)))
	expect "monitor kaslr: _text at the guest's 0x$text" sec_has "$t" kaslr "^kernel _text at 0x$text "
	expect "monitor kaslr: offset $off" sec_has "$t" kaslr "KASLR offset $off$"
	expect "monitor kaslr: the symbol-file line" sec_has "$t" kaslr "^ *symbol-file -o $off vmlinux$"
	expect "monitor help: the stub's and the VMM's commands" \
		eval 'sec_has "$t" help kaslr && sec_has "$t" help vmbus && sec_has "$t" help hv-msrs'
	for c in vmbus synic hv-msrs hcalls exits; do
		expect "monitor $c answered" [ -n "$(gdb_section "$t" "$c" | tr -d '[:space:]')" ]
		expect "monitor $c known" sec_lacks "$t" "$c" "unknown (monitor )?command|Hyper-V is off"
	done
	expect "monitor vmbus: 5.3, shutdown channel ready" \
		eval 'sec_has "$t" vmbus "^vmbus: version 5\.3" && sec_has "$t" vmbus "^shutdown: ready"'
	expect "monitor synic: VP 0's SynIC enabled" \
		eval 'sec_has "$t" synic "^vp 0:$" && sec_has "$t" synic "^ +SCONTROL +0x0*1$"'
	expect "monitor hv-msrs: the guest's OS id set" \
		sec_has "$t" hv-msrs "^ +GUEST_OS_ID +0x0*[1-9a-f][0-9a-f]*$"
	expect "monitor exits: vCPU 0 exited" sec_has "$t" exits "^vcpu 0: [1-9][0-9]* exits$"
	expect "info registers: cr0 PG|PE, efer LMA" \
		[ "$(gdb_val "$t" cr0-pg-pe)$(gdb_val "$t" efer-lma)" = 11 ]
	expect "second gdb detached" sec_has "$t" detach "^\[Inferior 1 \(.*\) detached\]"
	n1=$(out_count "HVMM-GUEST: clock=")
	expect "the VM runs on after the detach" wait_for "HVMM-GUEST: clock=" $((n1 + 2)) 60
	kill -TERM "$bg"
	end_bg 0
	expect "guest shut down on the host's request" out_has "HVMM-GUEST: host-shutdown poweroff"
	gdb_finish "$h" "$t"

	# start_kernel where nokaslr puts it: the same distance from _text.
	addr=$(printf '%x' $((0x$sk - 0x$text + 0x$LINUX_TEXT)))
	port=$(gdb_port)
	boot_bg gdb_kernel --kernel "$BZIMAGE" --initrd "$INITRD" --timeout "$BOOT_TIMEOUT" \
		--gdb "tcp:127.0.0.1:$port" --gdb-wait \
		--cmdline "$CMDLINE nokaslr hvmm.kallsyms=_text,start_kernel"
	gdb_run "$k" "$port" -ex "set \$hvmm_bp = 0x$addr" -x "$GDB_DIR/kernel.gdb"
	end_bg 0
	expect "gdb exited 0 (got $gdb_status)" [ "$gdb_status" = 0 ]
	expect "one thread at attach" [ "$(threads "$k" attach)" = 1 ]
	expect "monitor kaslr before the kernel runs: says it cannot tell yet" \
		sec_has "$k" attach "^kaslr: (no kernel mapping|kernel mapping not yet trimmed)"
	expect "hbreak set" sec_has "$k" hbreak "^Hardware assisted breakpoint 1 at 0x0*$addr$"
	# (gdb 13 reports a hardware breakpoint's hit as "Breakpoint N, ...")
	expect "stopped at the hbreak on start_kernel" \
		sec_has "$k" hbreak "^(Hardware assisted )?[Bb]reakpoint 1, 0x0*$addr in "
	expect "pc = start_kernel 0x$addr (got $(gdb_val "$k" stop-pc))" [ "$(gdb_val "$k" stop-pc)" = "0x$addr" ]
	expect "info registers rip rsp cr3" \
		eval 'sec_has "$k" hbreak "^rip +0x$addr" && sec_has "$k" hbreak "^rsp +0x" &&
			sec_has "$k" hbreak "^cr3 +0x"'
	expect "x/4gx \$rsp read the stack" sec_has "$k" hbreak "^0x[0-9a-f]+( <[^>]*>)?:[[:space:]]+0x[0-9a-f]+[[:space:]]+0x"
	expect "long mode there: cr0 PG|PE, efer LMA" \
		[ "$(gdb_val "$k" cr0-pg-pe)$(gdb_val "$k" efer-lma)" = 11 ]
	expect "gdb detached" sec_has "$k" detach "^\[Inferior 1 \(.*\) detached\]"
	expect "guest confirms: nokaslr, start_kernel=$addr" \
		eval 'out_has "HVMM-GUEST: kallsyms _text=$LINUX_TEXT" &&
			out_has "HVMM-GUEST: kallsyms start_kernel=$addr"'
	expect "guest booted on and powered off" out_has "HVMM-GUEST: poweroff"
	gdb_finish "$k"
}

# gdb_uefi_reset_start PORT: gdb at OVMF's reset vector (the VM under
# --uefi --gdb-wait): real mode, i8086, CS:IP f000:fff0, the reset
# vector's bytes from the firmware file, three steps, then `continue`:
# gdb stays attached, in the background, for the whole boot
# (gdb_uefi_reset_end collects it after the VM has exited).
gdb_uefi_reset_start() {
	local t=$OUT/$name.gdb want got e1 e2 e3
	GDB_TIMEOUT=$((UEFI_TIMEOUT + HVMM_IT_GRACE)) gdb_start "$t" "$1" -x "$GDB_DIR/reset.gdb"
	expect "gdb stepped at the reset vector" gdb_wait_for "$t" "^==continue==$" "$GDB_TIMEOUT"
	expect "gdb sees real mode as i8086" sec_has "$t" attach '\(currently "i8086"\)'
	expect "at the reset vector: eip 0xfff0, cs 0xf000" \
		[ "$(gdb_val "$t" eip)/$(gdb_val "$t" cs)" = 0xfff0/0xf000 ]
	expect "\$cs_base + \$eip is the reset vector 0xfffffff0 ($(gdb_val "$t" linear-pc))" \
		[ "$(gdb_val "$t" linear-pc)" = 0xfffffff0 ]
	expect "CR0.PE clear ($(gdb_val "$t" cr0))" grep -qE "^HVMM reset .* cr0=0x[0-9a-f]*[02468ace]$" "$t"
	want=$(tail -c 16 "$OVMF_CODE" | head -c 4 | od -An -tx1 | sed 's/ \([0-9a-f][0-9a-f]\)/ 0x\1/g')
	got=$(gdb_section "$t" attach | sed -n 's/^0xfffffff0:\(.*\)/\1/p' | tr -s '\t ' '  ')
	expect "x/4xb 0xfffffff0 reads the firmware's reset vector ($got, file:$want)" [ "$got" = "$want" ]
	e1=$(gdb_val "$t" eip1) e2=$(gdb_val "$t" eip2) e3=$(gdb_val "$t" eip3)
	expect "three stepi moved eip (0xfff0 -> $e1 -> $e2 -> $e3)" \
		eval '[ -n "$e3" ] && [ "$e1" != 0xfff0 ] && [ "$e2" != "$e1" ] && [ "$e3" != "$e2" ]'
	expect "still in the reset segment" [ "$(gdb_val "$t" cs3)" = 0xf000 ]
}

# gdb_uefi_reset_end: after the VM exited: gdb saw it exit and ended
gdb_uefi_reset_end() {
	local t=$OUT/$name.gdb
	gdb_end
	expect "gdb exited 0 (got $gdb_status)" [ "$gdb_status" = 0 ]
	expect "gdb saw the VM power off (W00)" sec_has "$t" continue "^\[Inferior 1 \(.*\) exited normally\]"
}

case_gdb_uefi() { uefi_kernel_case gdb_uefi gdb; }
