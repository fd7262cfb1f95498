# virtio-blk (docs/virtio.md): the Debian kernel's virtio_pci + virtio_blk
# find the disk on PCI with MSI-X, read it, write it and flush.
# Sourced by tests/integration/run.
all_cases+=" virtio_blk_rw virtio_blk_ro virtio_blk_two disk_missing"
lab_retry_cases+=" virtio_blk_rw virtio_blk_ro virtio_blk_two"

# vda_image FILE: 2 MiB (4096 sectors) of known bytes; echoes the md5 of its first MiB.
vda_image() {
	awk 'BEGIN { for (i = 0; i < 65536; i++) printf "hvmm-virtio-blk-%015d\n", i }' >"$1"
	head -c 1048576 "$1" | md5sum | cut -d' ' -f1
}

case_virtio_blk_rw() {
	local img=$OUT/vda-rw.img sum
	sum=$(vda_image "$img")
	linux virtio_blk_rw 0 --timeout "$BOOT_TIMEOUT" --disk "$img" --cmdline "$CMDLINE hvmm.test=vda"
	expect "guest found /dev/vda with 4096 sectors" out_has "HVMM-GUEST: vda sectors=4096 ro=0"
	expect "guest read the first MiB intact" out_has "md5=$sum"
	expect "guest write + flush succeeded" out_has "HVMM-GUEST: vda write ok"
	expect "the write reached the image at 1 MiB" \
		[ "$(dd if="$img" bs=512 skip=2048 count=1 2>/dev/null | head -c 14)" = HVMM-VDA-WRITE ]
	expect "the queue interrupt is an MSI-X vector" out_has "vda irqs.*virtio0-req.0"
	expect "no virtio errors logged" err_lacks "virtio"
	finish
}

case_virtio_blk_ro() {
	local img=$OUT/vda-ro.img sum
	sum=$(vda_image "$img")
	linux virtio_blk_ro 0 --timeout "$BOOT_TIMEOUT" --disk "$img,readonly" \
		--cmdline "$CMDLINE hvmm.test=vda"
	expect "guest sees a read-only disk" out_has "HVMM-GUEST: vda sectors=4096 ro=1"
	expect "guest read the first MiB intact" out_has "md5=$sum"
	expect "the write was refused" out_has "HVMM-GUEST: vda write failed"
	expect "the image is unchanged" [ "$(head -c 1048576 "$img" | md5sum | cut -d' ' -f1)" = "$sum" ]
	expect "image unchanged at 1 MiB" \
		[ "$(dd if="$img" bs=512 skip=2048 count=1 2>/dev/null | head -c 14)" != HVMM-VDA-WRITE ]
	finish
}

case_virtio_blk_two() {
	# Two disks (two PCI functions, four MSI-X vectors) on two vCPUs.
	local a=$OUT/vda-two.img b=$OUT/vdb-two.img sum
	sum=$(vda_image "$a")
	vda_image "$b" >/dev/null
	linux virtio_blk_two 0 --timeout "$BOOT_TIMEOUT" --cpus 2 --disk "$a" --disk "$b,readonly" \
		--cmdline "$CMDLINE hvmm.test=vda"
	expect "guest sees both disks" out_has "HVMM-GUEST: vd-disks vda vdb"
	expect "the first disk reads and writes" out_has "md5=$sum"
	expect "the first disk took the write" out_has "HVMM-GUEST: vda write ok"
	expect "both functions use MSI-X" out_has "vda irqs.*virtio0-req.0.*virtio1-req.0"
	finish
}

case_disk_missing() {
	linux disk_missing 2 --timeout "$BOOT_TIMEOUT" --disk "$OUT/no-such-disk.img" --cmdline "$CMDLINE"
	expect "one-line error" [ "$(wc -l <"$OUT/$name.err")" = 1 ]
	expect "error names the file" err_has "no-such-disk.img"
	finish
}
