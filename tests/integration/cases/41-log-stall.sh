# hvmm's own log and a stalled stderr (issue 7, the class of defects 2
# and 3): `hvmm run 2>&1 | stalled-reader`. vCPU and device threads log;
# before the fix the first line that did not fit the pipe blocked a vCPU
# thread in write(), then the main thread's own stop message, and neither
# --timeout nor SIGTERM could end hvmm. With `-v -v` every port write of
# the flood payload logs a debug line (about 60 bytes per byte of console
# output), far more than a pipe and hvmm's 64 KiB log buffer hold.
# Uses stall_open, stall_close, bounded_end, stat_of and
# serial_status_until from 40-console.sh (sourced first).
# Sourced by tests/integration/run; each file appends its cases to all_cases.
all_cases+=" log_stall_timeout log_stall_sigterm log_stall_resume"

# log_flood_bg NAME STDOUT STDERR HVMM_ARGS...: the flood payload with
# debug logging in the background (pid in $bg), without the FIFO's fd 8.
log_flood_bg() {
	local out=$2 err=$3
	name=$1
	shift 3
	t0=$(date +%s.%N)
	: >"$OUT/$name.out"
	: >"$OUT/$name.err"
	"$HVMM" run --kernel "$PAYLOADS/flood.elf" --hyperv off -v -v "$@" \
		>"$out" 2>"$err" </dev/null 8<&- &
	bg=$!
	ok=1
}

# whole_lines FILE: every line is one of hvmm's, whole: it starts with
# "hvmm: " and holds no second one (two threads' lines mixed, or a line
# cut and another written after it).
whole_lines() {
	[ -s "$1" ] && ! grep -v '^hvmm: ' "$1" | grep -q . && ! grep -q 'hvmm: .*hvmm: ' "$1"
}

# Console and log both into one reader that never reads (`2>&1 | stalled`).
case_log_stall_timeout() {
	stall_open || { expect "mkfifo" false; finish; return; }
	log_flood_bg log_stall_timeout "$fifo" "$fifo" --timeout 30 --stats
	bounded_end 60 5
	# What the stalled reader holds, read without waiting for more.
	timeout 10 dd if="$fifo" iflag=nonblock bs=64k of="$OUT/$name.held" 2>/dev/null
	stall_close
	expect "stopped soon after --timeout 30 (${secs}s)" awk "BEGIN { exit !($secs < 40) }"
	expect "the log filled the stalled reader's pipe" \
		grep -q "^hvmm: debug: vcpu0: out port 0x3f8" "$OUT/$name.held"
	finish
}

# stderr alone stalls, and still does at SIGTERM: the guest must keep
# running (its console, to a file, grows far past what the log could have
# let through) and SIGTERM must stop hvmm at once.
case_log_stall_sigterm() {
	local sock=/dev/shm/hvmm-logstall-$$.sock t1
	stall_open || { expect "mkfifo" false; finish; return; }
	log_flood_bg log_stall_sigterm "$OUT/log_stall_sigterm.out" "$fifo" \
		--timeout 120 --api "unix:$sock"
	expect "guest kept writing while stderr stalled" \
		serial_status_until $((64 * 1024)) 90
	expect "SIGTERM blocked by hvmm" sigterm_ready
	t1=$(date +%s.%N)
	kill -TERM "$bg"
	bounded_end 20 6
	t1=$(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $t1 }")
	timeout 10 dd if="$fifo" iflag=nonblock bs=64k of="$OUT/$name.err" 2>/dev/null
	stall_close
	expect "stopped within 5 s of SIGTERM (${t1}s)" awk "BEGIN { exit !($t1 < 5) }"
	expect "the stalled reader holds only whole lines" whole_lines "$OUT/$name.err"
	finish
}

# The reader stalls, then resumes while the guest runs: it gets whole
# lines, then at the end the stats and the count of the lines dropped.
case_log_stall_resume() {
	local sock=/dev/shm/hvmm-logresume-$$.sock reader n out
	stall_open || { expect "mkfifo" false; finish; return; }
	log_flood_bg log_stall_resume "$OUT/log_stall_resume.out" "$fifo" \
		--timeout 120 --stats --api "unix:$sock"
	expect "guest kept writing while stderr stalled" \
		serial_status_until $((64 * 1024)) 90
	# A read-only fd first, so that hvmm stays the FIFO's only writer
	# once fd 8 is closed: the reader sees EOF when hvmm exits.
	exec 9<"$fifo"
	timeout 60 cat <&9 >"$OUT/$name.err" 8<&- 9<&- &
	reader=$!
	exec 8<&- 9<&-
	rm -f "$fifo"
	sleep 1
	ctl shutdown --force >"$OUT/ctl" 2>&1
	expect "forced stop accepted" grep -q "^ok" "$OUT/ctl"
	bounded_end 20 6
	expect "the resumed reader got EOF" wait "$reader"
	expect "only whole lines" whole_lines "$OUT/$name.err"
	n=$(sed -n 's/^hvmm: warning: \([0-9]*\) log line(s) dropped.*/\1/p' "$OUT/$name.err")
	expect "dropped lines counted and reported (${n:-none})" [ "${n:-0}" -gt 0 ]
	out=$(stat_of "serial bytes out")
	expect "the guest was not stalled by the log ($out bytes out)" [ "$out" -gt $((64 * 1024)) ]
	finish
}
