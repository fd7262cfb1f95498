/* SPDX-License-Identifier: MIT */
/*
 * UEFI firmware images (Debian's stock OVMF) and the variable store: which
 * files are accepted, where they go in guest-physical memory, and the
 * writable copy of the variable store behind --uefi-vars.
 *
 * Accepted images (../shared/reference/ovmf.md A1/A2; edk2
 * OvmfPkg/OvmfPkgDefines.fdf.inc fixes the addresses at build time):
 *
 *   image              size      code at      vars at      vars size  template
 *   OVMF_CODE_4M.fd    0x37C000  0xFFC84000   0xFFC00000   0x84000    OVMF_VARS_4M.fd
 *   OVMF_CODE.fd       0x1E0000  0xFFE20000   0xFFE00000   0x20000    OVMF_VARS.fd
 *   OVMF.fd            0x200000  0xFFE20000   0xFFE00000   0x20000    its own first 128 KiB
 *
 * The code always ends at 4 GiB (the reset vector is its last 16 bytes).
 * Secure-boot builds (*.secboot.fd, *.ms.fd, *.snakeoil.fd, also behind a
 * symlink) need SMM and Q35 (ovmf.md A9) and are refused.
 *
 * The variable store:
 *   - with a vars path: that file, MAP_SHARED, so the guest's flash writes
 *     land in it. Created on first use from the template (a temp file in
 *     the same folder, fsync'ed, then renamed into place without
 *     replacing anything: an interrupted copy never leaves a half store);
 *     size-checked and locked (flock) against a second hvmm afterwards.
 *   - without: a private copy of the template (of OVMF.fd's own vars
 *     part), so variables live until the VM ends. If a separate template
 *     is missing, no store is mapped (vars.size == 0) and OVMF falls
 *     back to its emulated store (ovmf.md A8).
 *
 * Errors: every function that can refuse a file writes one line naming
 * it into `err` and returns -EINVAL (the caller exits 2) or -errno for a
 * host failure.
 */
#ifndef HVMM_FIRMWARE_H
#define HVMM_FIRMWARE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define FW_END 0x100000000ULL
#define FW_CODE_4M_SIZE 0x37C000ULL
#define FW_VARS_4M_SIZE 0x84000ULL
#define FW_CODE_2M_SIZE 0x1E0000ULL
#define FW_VARS_2M_SIZE 0x20000ULL
#define FW_UNIFIED_SIZE 0x200000ULL

#define FW_DIR "/usr/share/OVMF"
#define FW_DEFAULT_CODE FW_DIR "/OVMF_CODE_4M.fd"   /* what --uefi picks */
#define FW_TEMPLATE_4M "OVMF_VARS_4M.fd"
#define FW_TEMPLATE_2M "OVMF_VARS.fd"
/* --uefi without a disk: $XDG_STATE_HOME/FW_STATE_NAME, or ~/.local/state/... */
#define FW_STATE_NAME "hvmm/OVMF_VARS_4M.fd"
#define FW_DISK_VARS_SUFFIX ".vars.fd"

enum fw_layout {
	FW_LAYOUT_4M,      /* OVMF_CODE_4M.fd */
	FW_LAYOUT_2M,      /* OVMF_CODE.fd */
	FW_LAYOUT_UNIFIED, /* OVMF.fd: vars + code in one file */
};

struct fw_region {
	uint64_t gpa;
	uint64_t size;   /* 0: nothing to map */
	uint8_t *host;   /* page-aligned, `size` bytes */
};

struct firmware {
	enum fw_layout layout;
	/* The image, a private read-only copy: a KVM_MEM_READONLY memslot. */
	struct fw_region code;
	/* The variable store: the flash device (flash.h) over these bytes. */
	struct fw_region vars;
	bool vars_persistent;      /* vars.host is the vars file, MAP_SHARED */
	int vars_fd;               /* the vars file (flock'ed), or -1 */
	char vars_path[PATH_MAX];  /* "" when volatile */
};

/* Options for firmware_open(). */
struct fw_open_opts {
	const char *code;         /* the image */
	const char *vars;         /* writable store, or NULL: volatile */
	const char *template_dir; /* where OVMF_VARS*.fd live; NULL: FW_DIR */
	bool mkdir_vars;          /* create the store's folder (the --uefi default) */
};

/*
 * Check an image without mapping it: a readable regular file of one of
 * the three sizes, not a secure-boot build (by name, and by the name of
 * the file a symlink leads to), with a firmware-volume header where its
 * code starts. Sets *layout.
 */
int firmware_check_image(const char *path, enum fw_layout *layout, char *err, size_t errlen);

/*
 * The variable store --uefi uses when --uefi-vars is not given:
 * DISK.vars.fd next to the first --disk when that is a regular file;
 * for a block device or without a disk, a file under $XDG_STATE_HOME
 * (absolute) or ~/.local/state: hvmm/OVMF_VARS_4M.fd, or
 * hvmm/NAME.vars.fd for a block device /dev/.../NAME. Pure apart from
 * stat() and getenv().
 */
int firmware_default_vars(const struct vm_config *cfg, char *buf, size_t len,
			  char *err, size_t errlen);

/* The store a configuration uses: --uefi-vars, the --uefi default, or NULL (volatile). */
const char *firmware_vars_path(const struct vm_config *cfg, char *buf, size_t len,
			       bool *is_default, char *err, size_t errlen);

/*
 * Everything about a configuration's firmware that can be checked before
 * the VM is built, without creating files: the image (firmware_check_image),
 * and an existing store's type and size. 0 when cfg has no firmware.
 */
int firmware_check_config(const struct vm_config *cfg, char *err, size_t errlen);

/*
 * Open, check and map the image and the variable store (creating the
 * store from its template if needed). On failure nothing stays open.
 */
int firmware_open(struct firmware *fw, const struct fw_open_opts *o, char *err, size_t errlen);

/*
 * Write the store's dirty pages to disk (msync MS_SYNC). 0, or -errno;
 * a no-op for a volatile store.
 */
int firmware_sync(struct firmware *fw);

/* firmware_sync(), then unmap and close everything. Idempotent. */
void firmware_close(struct firmware *fw);

#endif
