/* SPDX-License-Identifier: MIT */
/*
 * The UEFI variable store as a CFI flash: the subset of the Intel command
 * set that OVMF's QemuFlashFvbServicesRuntimeDxe uses, modelled on QEMU's
 * pflash_cfi01 (the device OVMF is tested against). A core without KVM:
 * it works on a byte array (the vars mapping) and tells its owner through
 * a callback when reads may bypass it.
 *
 * Commands (edk2 OvmfPkg/QemuFlashFvbServicesRuntimeDxe/QemuFlash.c):
 *   0xFF        read array
 *   0x10, 0x40  byte program: the next write is the data
 *   0x20, 0xD0  block erase (4 KiB blocks, filled with 0xFF); 0xFF
 *               instead of 0xD0 cancels
 *   0x50        clear status (status = 0), stays in read-array mode
 *   0x70        read status: reads return the status byte
 * Anything else is logged (rate-limited) and puts the device back in
 * read-array mode, as pflash_cfi01 does.
 *
 * After a program or an erase the device is in status mode (reads return
 * 0x80, "ready") until the guest writes 0xFF: QemuFlashWrite ends every
 * burst with 0xFF; QemuFlashEraseBlock does not, and pflash_cfi01 also
 * returns status there, so that is what OVMF expects.
 *
 * Programming overwrites the byte (pflash_cfi01 does; real flash could
 * only clear bits), so OVMF sees exactly what it sees under QEMU.
 *
 * Accesses: the command is the low byte of a write of any width; a
 * program writes all `len` bytes; status reads return the status in every
 * byte. An access outside [0, size), or of a width other than 1, 2, 4 or
 * 8, reads as all-ones and is otherwise ignored (rate-limited log).
 *
 * Read-array fast path: while the device is in read-array mode its owner
 * may let guest reads bypass it (a read-only memslot over the same bytes);
 * writes always come here. The core calls set_romd(opaque, false) before
 * it leaves read-array mode, so a read that bypasses the core never sees
 * a command-mode value. It calls set_romd(opaque, true) only after
 * FLASH_ROMD_READS trapped reads in read-array mode, not on every return
 * to it: OVMF writes a variable as bursts of program commands each ended
 * by 0xFF, with hardly a read in between, and every memslot change makes
 * KVM drop the guest's whole stage-2 mapping (kvm_mmu_zap_all_fast on
 * x86): toggling per burst cost ~60 s of a fresh store's first OVMF boot
 * in the nested lab. Both calls are made under the device lock, so a
 * trapped read never sees a stale byte.
 *
 * Thread-safe: one lock per device.
 */
#ifndef HVMM_FLASH_H
#define HVMM_FLASH_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define FLASH_BLOCK_SIZE 0x1000U /* PcdOvmfFirmwareBlockSize */

#define FLASH_CMD_PROGRAM 0x10
#define FLASH_CMD_PROGRAM_ALT 0x40
#define FLASH_CMD_ERASE 0x20
#define FLASH_CMD_CLEAR_STATUS 0x50
#define FLASH_CMD_READ_STATUS 0x70
#define FLASH_CMD_ERASE_CONFIRM 0xd0
#define FLASH_CMD_READ_ARRAY 0xff

/* Trapped read-array reads that bring the fast path back (above). */
#define FLASH_ROMD_READS 64

#define FLASH_STATUS_READY 0x80
#define FLASH_STATUS_PROGRAM_ERR 0x10

enum flash_mode {
	FLASH_MODE_ARRAY,   /* reads return the store */
	FLASH_MODE_STATUS,  /* reads return the status byte */
	FLASH_MODE_PROGRAM, /* 0x10/0x40 seen: the next write is data */
	FLASH_MODE_ERASE,   /* 0x20 seen: waiting for 0xD0 */
};

/* Make the read-array fast path present or absent. 0 or -errno. */
typedef int (*flash_romd_fn)(void *opaque, bool present);

struct flash {
	pthread_mutex_t lock;
	uint8_t *mem;            /* the store, `size` bytes, writable */
	uint64_t size;           /* a multiple of FLASH_BLOCK_SIZE */
	enum flash_mode mode;
	uint8_t status;
	bool romd;               /* the fast path is present */
	unsigned int array_reads; /* trapped reads since read-array mode began */
	unsigned long romd_changes; /* set_romd calls that succeeded */
	flash_romd_fn set_romd;  /* may be NULL: every read comes here */
	void *romd_opaque;
	unsigned long programs;  /* bytes programmed */
	unsigned long erases;    /* blocks erased */
	unsigned long rejected;  /* bad commands and bad accesses */
};

/*
 * Start in read-array mode with status 0 (pflash_cfi01's reset state).
 * Does not call set_romd: the owner maps the fast path itself if it
 * wants it (flash_romd_present() says it should be). 0 or -EINVAL (size
 * not a non-zero multiple of FLASH_BLOCK_SIZE).
 */
int flash_init(struct flash *f, uint8_t *mem, uint64_t size,
	       flash_romd_fn set_romd, void *opaque);
void flash_destroy(struct flash *f);

/* Whether the fast path is present now. */
bool flash_romd_present(struct flash *f);

/* Guest accesses; the signatures match struct iodev_ops (opaque = f). */
void flash_read(void *opaque, uint64_t off, uint8_t *data, unsigned int len);
void flash_write(void *opaque, uint64_t off, const uint8_t *data, unsigned int len);

#endif
