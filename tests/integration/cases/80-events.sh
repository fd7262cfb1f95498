# Events and machine-readable state (docs/regress.md sections 1 and 2):
# `hvmm run --events`, `hvmm ctl status --json`, `hvmm ctl regs`.
# Sourced by tests/integration/run; each file appends its cases to all_cases.
#
# JSON is checked with build/tools/jsonflat (tests/integration/jsonflat.c,
# built by `make payloads`): the lab's L1 runs the host's userland, where
# no JSON tool is guaranteed; jsonflat turns each JSON line into
# "LINE PATH=VALUE" lines for grep and awk, and fails on a line that does
# not parse.
# (drop-eom's events and state are checked on regress_drop_eom's bundle,
# 81-regress.sh: one boot fewer.)
all_cases+=" events_boot events_status"
lab_retry_cases+=" events_boot events_status"

JSONFLAT=build/tools/jsonflat

# flat_events: $OUT/$name.ev (the events) -> $OUT/$name.flat; false if a
# line does not parse
flat_events() {
	"$JSONFLAT" <"$OUT/$name.ev" >"$OUT/$name.flat" 2>"$OUT/$name.flaterr"
}

# ev_first EV [PATH=VALUE]: the line number of the first event EV (that
# also has PATH=VALUE), or -1
ev_first() {
	awk -v ev="ev=$1" -v kv="${2:-}" '
		{ n = $1 + 0; rest = substr($0, length($1) + 2) }
		rest == ev { isev[n] = 1 }
		kv != "" && rest == kv { has[n] = 1 }
		END {
			best = -1
			for (n in isev)
				if ((kv == "" || (n in has)) && (best < 0 || n + 0 < best))
					best = n + 0
			print best
		}' "$OUT/$name.flat"
}

# ev_count EV [PATH=VALUE]: how many events EV (with PATH=VALUE)
ev_count() {
	awk -v ev="ev=$1" -v kv="${2:-}" '
		{ n = $1 + 0; rest = substr($0, length($1) + 2) }
		rest == ev { isev[n] = 1 }
		kv != "" && rest == kv { has[n] = 1 }
		END { c = 0; for (n in isev) if (kv == "" || (n in has)) c++; print c }' "$OUT/$name.flat"
}

# ev_field LINE PATH: the value of PATH in event line LINE
ev_field() {
	awk -v n="$1" -v p="$2=" '$1 == n && index(substr($0, length($1) + 2), p) == 1 {
		print substr($0, length($1) + 2 + length(p)); exit }' "$OUT/$name.flat"
}

# before A B: event line A exists and comes before line B (which exists)
before() { [ "$1" -ge 0 ] && [ "$2" -ge 0 ] && [ "$1" -lt "$2" ]; }

# t_monotonic: every line has a t, and t never decreases
t_monotonic() {
	awk '{ rest = substr($0, length($1) + 2) }
		rest ~ /^t=/ { t = substr(rest, 3) + 0; if (t < last) bad = 1; last = t; nt++ }
		END { exit bad || nt == 0 }' "$OUT/$name.flat"
}

# last_line_is_exit: the highest line number is the (only) exit event
last_line_is_exit() {
	local last
	last=$(awk '{ if ($1 + 0 > m) m = $1 + 0 } END { print m + 0 }' "$OUT/$name.flat")
	[ "$(ev_first exit)" = "$last" ] && [ "$(ev_count exit)" = 1 ]
}

# status_json FILE: `hvmm ctl status --json` flattened into FILE.flat
status_json() {
	ctl status --json >"$1" 2>"$1.err" && "$JSONFLAT" <"$1" >"$1.flat" 2>>"$1.err"
}

# chan_field FLAT NAME PATH: PATH of the VMBus channel NAME in a status
chan_field() {
	local idx
	idx=$(sed -n "s/^0 vmbus\.channels\.\([0-9]*\)\.name=$2\$/\1/p" "$1")
	[ -n "$idx" ] && sed -n "s/^0 vmbus\.channels\.$idx\.$3=//p" "$1"
}

# status_json_until SECONDS COMMAND...: poll status --json into
# $OUT/sj(.flat) until COMMAND (given the flat file) succeeds
status_json_until() {
	local i secs=$1
	shift
	for i in $(seq 1 "$secs"); do
		status_json "$OUT/sj" && "$@" "$OUT/sj.flat" && return 0
		kill -0 "$bg" 2>/dev/null || return 1
		sleep 1
	done
	return 1
}

# regs_for_each_vcpu FILE CPUS: `hvmm ctl regs` printed every vCPU
regs_for_each_vcpu() {
	local i
	head -n 1 "$1" | grep -q '^ok$' || return 1
	for i in $(seq 0 $(($2 - 1))); do
		grep -q "^vcpu$i registers:" "$1" || return 1
	done
	[ "$(grep -c '^ rip=' "$1")" = "$2" ] && [ "$(grep -c '^ cr0=' "$1")" = "$2" ]
}

shutdown_open_and_unread() {
	[ "$(chan_field "$1" shutdown state)" = open ] &&
		[ "$(chan_field "$1" shutdown h2g.unread)" -gt 0 ] 2>/dev/null
}

shutdown_ready_status() { [ "$(chan_field "$1" shutdown state)" = open ]; }

case_events_boot() {
	local sock=/dev/shm/hvmm-ev-$$.sock
	local start v0 v1 serial contact offer gpadl open neg ready req ack ex f
	# 2 vCPUs, events to a file, a clean shutdown through `hvmm ctl`.
	vmbus_boot events_boot --cpus 2 --api "unix:$sock" --events "$OUT/events_boot.ev"
	expect "guest up and waiting" wait_for "HVMM-GUEST: wait" 1 200
	# The machine-readable state of a healthy boot, and the registers.
	expect "status --json parses, shutdown channel open" \
		status_json_until 30 shutdown_ready_status
	expect "status: VMBus 5.3 connected" grep -q "^0 vmbus.version=5.3$" "$OUT/sj.flat"
	expect "status: 2 vCPUs with exits" grep -q "^0 vcpus.1.exits=[1-9]" "$OUT/sj.flat"
	expect "status: VP 1 SynIC enabled" grep -q "^0 synic.1.scontrol=0x1$" "$OUT/sj.flat"
	expect "status: SINT2 unmasked on VP 0" grep -q "^0 synic.0.sint2_masked=false$" "$OUT/sj.flat"
	expect "status: no VMBus message waiting" \
		[ "$(grep -c "^0 synic.[01].msg_queued_since=null$" "$OUT/sj.flat")" = 2 ]
	expect "status: the shutdown channel was signalled" \
		[ "$(chan_field "$OUT/sj.flat" shutdown h2g.signals)" -ge 1 ]
	expect "status: the guest read its shutdown ring" \
		[ "$(chan_field "$OUT/sj.flat" shutdown h2g.unread)" = 0 ]
	ctl regs >"$OUT/regs" 2>&1
	expect "ctl regs prints both vCPUs' registers" regs_for_each_vcpu "$OUT/regs" 2
	ctl shutdown >"$OUT/ctl" 2>&1
	expect "ctl shutdown accepted" grep -q "^ok" "$OUT/ctl"
	end_bg 0
	expect "guest shut down on the host's request" out_has "HVMM-GUEST: host-shutdown poweroff"
	expect "every events line parses" flat_events
	expect "t never decreases" t_monotonic
	expect "exit is the last line, once" last_line_is_exit
	start=$(ev_first start)
	expect "start is the first line" [ "$start" = 0 ]
	expect "start: cpus 2, direct boot" [ "$(ev_field 0 cpus)/$(ev_field 0 firmware)" = 2/direct ]
	expect "exit: poweroff, status 0" [ "$(ev_field "$(ev_first exit)" reason)/$(ev_field "$(ev_first exit)" status)" = poweroff/0 ]
	v0=$(ev_first vcpu_entry vcpu=0)
	v1=$(ev_first vcpu_entry vcpu=1)
	expect "one vcpu_entry per vCPU" [ "$(ev_count vcpu_entry)" = 2 ]
	expect "vcpu_entry of vCPU 1 after start" before "$start" "$v1"
	serial=$(ev_first serial)
	contact=$(ev_first vmbus_contact)
	offer=$(ev_first vmbus_offer name=shutdown)
	gpadl=$(ev_first vmbus_gpadl)
	open=$(ev_first vmbus_open name=shutdown)
	neg=$(ev_first ic_negotiated name=shutdown)
	ready=$(ev_first ready by=shutdown_ic)
	req=$(ev_first shutdown_request source=ctl)
	ack=$(ev_first shutdown_ack status=0)
	ex=$(ev_first exit)
	expect "one serial event, after vCPU 0 entered" [ "$(ev_count serial)" = 1 ]
	expect "order: start < vcpu_entry 0 < serial" before "$start" "$v0"
	expect "order: vcpu_entry 0 < serial" before "$v0" "$serial"
	expect "order: serial < vmbus_contact 5.3" before "$serial" "$contact"
	expect "vmbus_contact says 5.3" [ "$(ev_field "$contact" version)" = 5.3 ]
	expect "order: vmbus_contact < vmbus_offer shutdown" before "$contact" "$offer"
	expect "order: vmbus_offer shutdown < a vmbus_gpadl" before "$offer" "$gpadl"
	expect "order: vmbus_gpadl < vmbus_open shutdown" before "$gpadl" "$open"
	expect "order: vmbus_open < ic_negotiated shutdown" before "$open" "$neg"
	expect "order: ic_negotiated shutdown < ready" before "$neg" "$ready"
	expect "order: shutdown_request (ctl) < shutdown_ack" before "$req" "$ack"
	expect "order: ready < shutdown_ack < exit" before "$ready" "$ack"
	expect "order: shutdown_ack < exit" before "$ack" "$ex"
	# KVP negotiates only once a daemon runs (none in this guest).
	for f in shutdown heartbeat timesync; do
		expect "ic_negotiated $f" [ "$(ev_count ic_negotiated "name=$f")" = 1 ]
	done
	expect "no panic or fault" [ "$(ev_count panic)$(ev_count fault)" = 00 ]
	finish
}

case_events_status() {
	local sock=/dev/shm/hvmm-ev-$$.sock open f
	# The seed bug on purpose: each channel's first signal is lost, so the
	# guest never reads the shutdown IC's negotiation. The state must show
	# it while it happens, and the events must stop at the open.
	vmbus_boot events_status --cpus 2 --api "unix:$sock" --events "$OUT/events_status.ev" \
		--debug-inject late-event-port
	expect "status: shutdown channel open with unread host data" \
		status_json_until 200 shutdown_open_and_unread
	expect "status: nothing signalled on it (the lost signal)" \
		[ "$(chan_field "$OUT/sj.flat" shutdown h2g.signals)" = 0 ]
	expect "status: unread since a time" \
		[ "$(chan_field "$OUT/sj.flat" shutdown h2g.unread_since)" != null ]
	expect "status: the guest did not mask the ring" \
		[ "$(chan_field "$OUT/sj.flat" shutdown h2g.guest_mask)" = false ]
	for f in h2g.guest_read_t g2h.unread g2h.host_read_t; do
		expect "status: $f present" [ -n "$(chan_field "$OUT/sj.flat" shutdown $f)" ]
	done
	expect "status: lost signals counted" grep -q "^0 vmbus.lost_signals=[1-9]" "$OUT/sj.flat"
	ctl regs >"$OUT/regs" 2>&1
	expect "ctl regs prints both vCPUs' registers" regs_for_each_vcpu "$OUT/regs" 2
	ctl shutdown --force >"$OUT/ctl" 2>&1
	end_bg 6
	expect "every events line parses" flat_events
	expect "t never decreases" t_monotonic
	expect "exit is the last line, once" last_line_is_exit
	expect "start lists the injected fault" grep -q "^0 inject.0=late-event-port$" "$OUT/$name.flat"
	open=$(ev_first vmbus_open name=shutdown)
	expect "vmbus_open of the shutdown channel" [ "$open" -gt 0 ]
	expect "no ic_negotiated for shutdown" [ "$(ev_count ic_negotiated name=shutdown)" = 0 ]
	expect "no ready" [ "$(ev_count ready)" = 0 ]
	expect "exit: signal, status 6" [ "$(ev_field "$(ev_first exit)" reason)" = signal ]
	finish
}
