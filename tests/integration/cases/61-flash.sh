# The UEFI variable store as flash (firmware/flash.c, docs/firmware.md),
# without OVMF: the flash payload (tests/payloads/flash.S) runs OVMF's own
# flash probe and program/erase sequences against the 4 MB layout mapped
# from Debian's OVMF_CODE_4M.fd and a --uefi-vars file. Sourced by
# tests/integration/run; each file appends its cases to all_cases.
all_cases+=" flash_vars"

FLASH_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd

# byte_at FILE OFFSET: that byte of FILE as two hex digits
byte_at() {
	od -An -tx1 -j "$2" -N1 "$1" | tr -d ' \n'
}

case_flash_vars() {
	local vars="$OUT/flash-vars.fd"

	boot flash_vars 0 --timeout "$PAYLOAD_TIMEOUT" --hyperv off --stats \
		--firmware "$FLASH_CODE" --uefi-vars "$vars" --kernel "$PAYLOADS/flash.elf" \
		--debug-inject firmware-payload
	expect "the store was created from the template" [ "$(stat -c %s "$vars")" = 540672 ]
	expect "OVMF's flash probe finds flash" out_has "PROBE-FLASH"
	expect "the store reads in read-array mode" out_has "READ-ALL-OK"
	expect "byte program, status until read-array" out_has "PROGRAM-OK"
	expect "block erase" out_has "ERASE-OK"
	expect "the code is read-only" out_has "ROM-OK"
	# 0x84000 byte reads come from the read-only memslot; only the
	# commands (about a dozen writes and status reads) exit.
	expect "reads in read-array mode do not exit" \
		[ "$(sed -n 's/.*stats: exits MMIO *//p' "$OUT/$name.err")" -lt 100 ]
	expect "the programmed byte is in the file" [ "$(byte_at "$vars" $((0x3f000)))" = a5 ]
	expect "the erased block is in the file" [ "$(byte_at "$vars" $((0x40fff)))" = ff ]
	finish

	boot flash_vars_again 0 --timeout "$PAYLOAD_TIMEOUT" --hyperv off \
		--firmware "$FLASH_CODE" --uefi-vars "$vars" --kernel "$PAYLOADS/flash.elf" \
		--debug-inject firmware-payload
	expect "the byte survived into the next run" out_has "VARS-PERSISTED"
	expect "flash again" out_has "ROM-OK"
	finish
}
