/* SPDX-License-Identifier: MIT */
/*
 * QEMU's firmware configuration interface (fw_cfg), as stock OVMF reads
 * it: a set of items, each a byte string selected by a 16-bit key, read
 * through an I/O port or by DMA. Wire format from edk2
 * OvmfPkg/Include/IndustryStandard/QemuFwCfg.h and
 * OvmfPkg/Library/QemuFwCfgLib/QemuFwCfgLib.c, QemuFwCfgDxe.c
 * (edk2-stable202211); QEMU's docs/specs/fw_cfg.rst describes the same.
 *
 * Ports (x86), relative to FW_CFG_PORT_BASE (0x510):
 *   +0  selector, 16-bit write: selects a key, rewinds its offset to 0.
 *       An 8-bit write selects the zero-extended byte; reads give 0.
 *   +1  data, reads return the selected item's bytes in order and advance
 *       the offset; past the end, or for a key with no item, they read 0.
 *       A wider read returns that many consecutive bytes. Writes are
 *       ignored (QEMU dropped data-port writes; OVMF writes by DMA).
 *   +2, +3  nothing: read 0, writes ignored.
 *   +4..+11  DMA address register, big-endian, byte-addressed: +4 is the
 *       most significant byte. OVMF writes the high half at +4 and the
 *       low half at +8 as two 32-bit big-endian values; any access width
 *       works. A write that covers the last byte (+11) runs the transfer
 *       and then clears the register (so a guest below 4 GiB may write
 *       only the low half). Reads return "QEMU CFG" byte by byte.
 *
 * DMA descriptor (16 bytes, big-endian, in guest RAM):
 *   { u32 control; u32 length; u64 address; }
 * control: ERROR 0x01, READ 0x02, SKIP 0x04, SELECT 0x08 (key in bits
 * 31:16, which are ignored without SELECT), WRITE 0x10. SELECT happens
 * first, then the one operation. The transfer is synchronous: when the port access
 * returns, control has been written back as 0 (done) or ERROR. Defined
 * results for bad descriptors (each logs one rate-limited line):
 *   - descriptor not wholly in RAM: nothing happens (no place to report);
 *   - control with ERROR or any bit in 5..15 set, or more than one of
 *     READ/WRITE/SKIP: ERROR, no transfer, the selection is unchanged;
 *   - READ/WRITE whose [address, address+length) is not wholly in RAM
 *     (including a wrap): ERROR, no transfer, offset unchanged;
 *   - WRITE to an item that does not allow it, to a key with no item, or
 *     past the item's end: ERROR, nothing written. (QEMU ignores a write
 *     to a key with no item without an error; OVMF never does one: every
 *     OVMF write goes to a file it found in the directory first, e.g.
 *     AcpiPlatformDxe's WRITE_POINTER, QemuRamfbDxe, SmiFeatures.c.)
 * A READ past the item's end (or of a key with no item) is not an error:
 * the missing bytes read as 0, as with the data port. SELECT of a key
 * with no item succeeds (reads then give 0). SKIP advances the offset,
 * stopping at the item's end. Control with no operation bit (0 or a bare
 * SELECT) succeeds.
 *
 * Items: the core always holds the signature (key 0x00, "QEMU"), the
 * interface id (0x01, FW_CFG_ID_TRADITIONAL | FW_CFG_ID_DMA) and the file
 * directory (0x19). Numbered items are set with fw_cfg_set_item(); named
 * files get keys from 0x20 up in the order they are first added (a key
 * never changes once given, so a guest's selection stays valid) and the
 * directory lists them sorted by name, as QEMU does:
 *   be32 count; count x { be32 size; be16 select; be16 reserved;
 *                         char name[56] (NUL-terminated) }
 * Adding or resizing a file rebuilds the directory. Every item's content
 * is copied in.
 *
 * Threads: one lock covers the whole state; port accesses may come from
 * several vCPU threads at once, items may be set at any time.
 */
#ifndef HVMM_FW_CFG_H
#define HVMM_FW_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct guest_mem;

#define FW_CFG_PORT_BASE 0x510
#define FW_CFG_PORT_LEN 12     /* 0x510 .. 0x51b */
#define FW_CFG_PORT_SEL 0      /* offsets from FW_CFG_PORT_BASE */
#define FW_CFG_PORT_DATA 1
#define FW_CFG_PORT_DMA 4      /* high half; low half at +8 */

/* Numbered keys (QemuFwCfg.h FIRMWARE_CONFIG_ITEM). */
enum fw_cfg_key {
	FW_CFG_SIGNATURE = 0x00,
	FW_CFG_ID = 0x01,
	FW_CFG_NB_CPUS = 0x05,          /* u16 */
	FW_CFG_KERNEL_SIZE = 0x08,      /* u32 */
	FW_CFG_INITRD_SIZE = 0x0b,      /* u32 */
	FW_CFG_BOOT_MENU = 0x0e,        /* u16 */
	FW_CFG_KERNEL_DATA = 0x11,
	FW_CFG_INITRD_DATA = 0x12,
	FW_CFG_CMDLINE_SIZE = 0x14,     /* u32, includes the NUL */
	FW_CFG_CMDLINE_DATA = 0x15,     /* NUL-terminated */
	FW_CFG_SETUP_SIZE = 0x17,       /* u32 */
	FW_CFG_SETUP_DATA = 0x18,
	FW_CFG_FILE_DIR = 0x19,
	FW_CFG_FILE_FIRST = 0x20,
};

#define FW_CFG_ID_TRADITIONAL 0x1
#define FW_CFG_ID_DMA 0x2              /* FW_CFG_F_DMA */

#define FW_CFG_DMA_CTL_ERROR 0x01
#define FW_CFG_DMA_CTL_READ 0x02
#define FW_CFG_DMA_CTL_SKIP 0x04
#define FW_CFG_DMA_CTL_SELECT 0x08
#define FW_CFG_DMA_CTL_WRITE 0x10
#define FW_CFG_DMA_SIGNATURE "QEMU CFG"

#define FW_CFG_NAME_SIZE 56            /* QEMU_FW_CFG_FNAME_SIZE, with the NUL */
#define FW_CFG_MAX_FILES 64            /* keys 0x20 .. 0x5f */
#define FW_CFG_DIR_ENTRY_SIZE 64
#define FW_CFG_MAX_ITEM_SIZE 0xffffffffu /* sizes are u32 on the wire */

struct fw_cfg;

/*
 * A new instance whose DMA reaches `mem` (which must outlive it; NULL: any
 * DMA descriptor is "not in RAM"). NULL on allocation failure.
 */
struct fw_cfg *fw_cfg_new(const struct guest_mem *mem);
void fw_cfg_free(struct fw_cfg *fw);

/*
 * Called once per item, at the guest's first read of its data (port or
 * DMA), with the fw_cfg lock held (it must not call back into fw_cfg):
 * `name` is the file name, or "" for a numbered key. For the `fw_cfg`
 * event (events.h); set before the guest runs.
 */
typedef void (*fw_cfg_read_fn)(uint16_t key, const char *name);
void fw_cfg_set_read_hook(struct fw_cfg *fw, fw_cfg_read_fn fn);

/*
 * Set the numbered item `key` (< FW_CFG_FILE_FIRST, not the signature,
 * id or directory) to a copy of `data`, replacing any previous content.
 * Returns 0, -EINVAL (reserved key or too big), -ENOMEM.
 */
int fw_cfg_set_item(struct fw_cfg *fw, uint16_t key, const void *data, size_t len);
int fw_cfg_set_u16(struct fw_cfg *fw, uint16_t key, uint16_t v); /* little-endian */
int fw_cfg_set_u32(struct fw_cfg *fw, uint16_t key, uint32_t v); /* little-endian */

/*
 * Add the named file `name` (1..55 chars) with a copy of `data`, or
 * replace the content of the file already so named (its key is kept).
 * `writable` lets the guest DMA-WRITE into it (within its size). Returns
 * the file's key (>= FW_CFG_FILE_FIRST) or -EINVAL (bad name, too big),
 * -ENOSPC (FW_CFG_MAX_FILES files already), -ENOMEM.
 */
int fw_cfg_set_file(struct fw_cfg *fw, const char *name, const void *data,
		    size_t len, bool writable);
/* The same, with `str` and no NUL: fw_cfg's "string=" files. */
int fw_cfg_set_file_str(struct fw_cfg *fw, const char *name, const char *str);

/*
 * Copy out up to `cap` bytes of item `key` (for tests and the host side:
 * a guest's DMA WRITE lands there). Returns the item's size, or -ENOENT.
 */
long fw_cfg_get_item(struct fw_cfg *fw, uint16_t key, void *buf, size_t cap);
/* Key of the named file, or -ENOENT. */
int fw_cfg_find_file(struct fw_cfg *fw, const char *name);

/*
 * Port accesses, `off` relative to FW_CFG_PORT_BASE, len 1..8 (the
 * iodev_ops contract); bytes outside [0, FW_CFG_PORT_LEN) are ignored
 * (read 0).
 */
void fw_cfg_io_read(struct fw_cfg *fw, uint64_t off, uint8_t *data, unsigned int len);
void fw_cfg_io_write(struct fw_cfg *fw, uint64_t off, const uint8_t *data, unsigned int len);

/*
 * Run the DMA descriptor at guest-physical `desc_gpa` now, as the port
 * write does. Returns the control value written back (0 or
 * FW_CFG_DMA_CTL_ERROR), or -EFAULT if the descriptor is not in RAM.
 */
int fw_cfg_dma(struct fw_cfg *fw, uint64_t desc_gpa);

#endif
