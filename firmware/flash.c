// SPDX-License-Identifier: MIT
/*
 * CFI flash core for the UEFI variable store (flash.h has the contract).
 * Command set and detection: edk2 OvmfPkg/QemuFlashFvbServicesRuntimeDxe/
 * QemuFlash.c; mode and status behaviour: QEMU hw/block/pflash_cfi01.c.
 */
#include "flash.h"

#include <errno.h>
#include <string.h>

#include "util.h"

int flash_init(struct flash *f, uint8_t *mem, uint64_t size,
	       flash_romd_fn set_romd, void *opaque)
{
	if (!mem || !size || size % FLASH_BLOCK_SIZE)
		return -EINVAL;
	memset(f, 0, sizeof(*f));
	pthread_mutex_init(&f->lock, NULL);
	f->mem = mem;
	f->size = size;
	f->mode = FLASH_MODE_ARRAY;
	/*
	 * Status starts at 0: QemuFlashDetected() writes 0x50 then 0x70 and
	 * takes a status of 0x00 as "flash", so only 0x50 really matters.
	 */
	f->status = 0;
	f->set_romd = set_romd;
	f->romd_opaque = opaque;
	f->romd = set_romd != NULL;
	return 0;
}

void flash_destroy(struct flash *f)
{
	pthread_mutex_destroy(&f->lock);
}

bool flash_romd_present(struct flash *f)
{
	bool r;

	pthread_mutex_lock(&f->lock);
	r = f->romd;
	pthread_mutex_unlock(&f->lock);
	return r;
}

/*
 * Make the fast path present or absent. If the platform cannot remove
 * it, reads bypass the status mode: OVMF's probe then sees ROM and falls
 * back to its emulated store, which is safe; say so once in a while.
 */
static void flash_romd(struct flash *f, bool want)
{
	if (!f->set_romd || f->romd == want)
		return;
	if (f->set_romd(f->romd_opaque, want) == 0) {
		f->romd = want;
		f->romd_changes++;
	} else {
		pr_err_rl("flash: cannot %s the read-only mapping of the variable store",
			  want ? "restore" : "remove");
	}
}

/*
 * Enter `mode`. Leaving read-array mode removes the fast path first;
 * returning to it does not restore it (flash_read does, once reads
 * dominate: flash.h).
 */
static void flash_set_mode(struct flash *f, enum flash_mode mode)
{
	f->mode = mode;
	f->array_reads = 0;
	if (mode != FLASH_MODE_ARRAY)
		flash_romd(f, false);
}

static bool flash_access_ok(struct flash *f, uint64_t off, unsigned int len)
{
	if ((len == 1 || len == 2 || len == 4 || len == 8) && off < f->size &&
	    len <= f->size - off)
		return true;
	f->rejected++;
	pr_err_rl("flash: %u-byte access at offset 0x%llx is outside the %llu-byte store",
		  len, (unsigned long long)off, (unsigned long long)f->size);
	return false;
}

void flash_read(void *opaque, uint64_t off, uint8_t *data, unsigned int len)
{
	struct flash *f = opaque;

	pthread_mutex_lock(&f->lock);
	if (!flash_access_ok(f, off, len)) {
		memset(data, 0xff, len > 8 ? 8 : len);
	} else if (f->mode == FLASH_MODE_ARRAY) {
		memcpy(data, f->mem + off, len);
		if (!f->romd && ++f->array_reads >= FLASH_ROMD_READS)
			flash_romd(f, true);
	} else {
		/* pflash_cfi01: status in every byte lane */
		memset(data, f->status, len);
	}
	pthread_mutex_unlock(&f->lock);
}

static void flash_command(struct flash *f, uint64_t off, uint8_t cmd)
{
	switch (cmd) {
	case FLASH_CMD_READ_ARRAY:
		flash_set_mode(f, FLASH_MODE_ARRAY);
		break;
	case FLASH_CMD_PROGRAM:
	case FLASH_CMD_PROGRAM_ALT:
		flash_set_mode(f, FLASH_MODE_PROGRAM);
		break;
	case FLASH_CMD_ERASE:
		flash_set_mode(f, FLASH_MODE_ERASE);
		break;
	case FLASH_CMD_CLEAR_STATUS:
		/* pflash_cfi01 clears the whole register and resets to read array */
		f->status = 0;
		flash_set_mode(f, FLASH_MODE_ARRAY);
		break;
	case FLASH_CMD_READ_STATUS:
		flash_set_mode(f, FLASH_MODE_STATUS);
		break;
	default:
		f->rejected++;
		pr_err_rl("flash: unsupported command 0x%02x at offset 0x%llx, back to read-array",
			  cmd, (unsigned long long)off);
		flash_set_mode(f, FLASH_MODE_ARRAY);
		break;
	}
}

void flash_write(void *opaque, uint64_t off, const uint8_t *data, unsigned int len)
{
	struct flash *f = opaque;

	pthread_mutex_lock(&f->lock);
	if (!flash_access_ok(f, off, len))
		goto out;
	switch (f->mode) {
	case FLASH_MODE_PROGRAM:
		memcpy(f->mem + off, data, len);
		f->programs += len;
		f->status |= FLASH_STATUS_READY;
		flash_set_mode(f, FLASH_MODE_STATUS);
		break;
	case FLASH_MODE_ERASE:
		if (data[0] == FLASH_CMD_ERASE_CONFIRM) {
			memset(f->mem + ALIGN_DOWN(off, (uint64_t)FLASH_BLOCK_SIZE), 0xff,
			       FLASH_BLOCK_SIZE);
			f->erases++;
			f->status |= FLASH_STATUS_READY;
			flash_set_mode(f, FLASH_MODE_STATUS);
		} else if (data[0] == FLASH_CMD_READ_ARRAY) {
			flash_set_mode(f, FLASH_MODE_ARRAY);
		} else {
			f->rejected++;
			pr_err_rl("flash: erase at 0x%llx not confirmed (0x%02x instead of 0xd0)",
				  (unsigned long long)off, data[0]);
			flash_set_mode(f, FLASH_MODE_ARRAY);
		}
		break;
	case FLASH_MODE_ARRAY:
	case FLASH_MODE_STATUS:
		flash_command(f, off, data[0]);
		break;
	}
out:
	pthread_mutex_unlock(&f->lock);
}
