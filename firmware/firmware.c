// SPDX-License-Identifier: MIT
/*
 * Firmware images and the UEFI variable store (firmware.h has the
 * contract). Sizes and addresses: ../shared/reference/ovmf.md A1/A2 and
 * edk2 OvmfPkg/OvmfPkgDefines.fdf.inc; why secure-boot builds are refused:
 * ovmf.md A9.
 */
#include "firmware.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

/* EFI_FIRMWARE_VOLUME_HEADER.Signature (PI spec, Vol. 3): "_FVH" at offset 40. */
#define FV_SIG_OFF 0x28
#define FV_SIG "_FVH"

static const char *const secboot_suffixes[] = { ".secboot.fd", ".ms.fd", ".snakeoil.fd" };

static int fw_err(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fw_err(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return ret;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static bool is_secboot_name(const char *path)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(secboot_suffixes); i++)
		if (ends_with(base_name(path), secboot_suffixes[i]))
			return true;
	return false;
}

static uint64_t layout_vars_size(enum fw_layout l)
{
	return l == FW_LAYOUT_4M ? FW_VARS_4M_SIZE : FW_VARS_2M_SIZE;
}

/* Where the code starts inside the image file. */
static uint64_t layout_code_off(enum fw_layout l)
{
	return l == FW_LAYOUT_UNIFIED ? FW_VARS_2M_SIZE : 0;
}

static int fw_pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (uint8_t *)buf + done, len - done, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO; /* shrank under us */
		done += (size_t)n;
	}
	return 0;
}

static int fw_write_all(int fd, const void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, (const uint8_t *)buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		done += (size_t)n;
	}
	return 0;
}

int firmware_check_image(const char *path, enum fw_layout *layout, char *err, size_t errlen)
{
	char real[PATH_MAX], sig[4];
	struct stat st;
	int fd, ret;

	if (is_secboot_name(path) || (realpath(path, real) && is_secboot_name(real)))
		return fw_err(err, errlen, -EINVAL,
			      "firmware %s is a Secure Boot build that needs SMM; use %s",
			      path, FW_DEFAULT_CODE);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fw_err(err, errlen, -EINVAL, "firmware %s: %s", path, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return fw_err(err, errlen, -EINVAL, "firmware %s is not a regular file", path);
	}
	switch (st.st_size) {
	case FW_CODE_4M_SIZE:
		*layout = FW_LAYOUT_4M;
		break;
	case FW_CODE_2M_SIZE:
		*layout = FW_LAYOUT_2M;
		break;
	case FW_UNIFIED_SIZE:
		*layout = FW_LAYOUT_UNIFIED;
		break;
	default:
		close(fd);
		return fw_err(err, errlen, -EINVAL,
			      "firmware %s: size %lld is not that of OVMF_CODE_4M.fd (%llu), "
			      "OVMF_CODE.fd (%llu) or OVMF.fd (%llu)",
			      path, (long long)st.st_size, FW_CODE_4M_SIZE, FW_CODE_2M_SIZE,
			      FW_UNIFIED_SIZE);
	}
	ret = fw_pread_all(fd, sig, sizeof(sig), layout_code_off(*layout) + FV_SIG_OFF);
	close(fd);
	if (ret)
		return fw_err(err, errlen, -EINVAL, "firmware %s: %s", path, strerror(-ret));
	if (memcmp(sig, FV_SIG, sizeof(sig)))
		return fw_err(err, errlen, -EINVAL,
			      "firmware %s is not an OVMF image (no firmware volume header)", path);
	return 0;
}

int firmware_default_vars(const struct vm_config *cfg, char *buf, size_t len,
			  char *err, size_t errlen)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	const char *name = FW_STATE_NAME;
	char dev_name[NAME_MAX + 16];
	struct stat st;
	int n;

	if (cfg->nr_disks) {
		const char *disk = cfg->disks[0].path;

		if (stat(disk, &st) == 0 && S_ISREG(st.st_mode)) {
			n = snprintf(buf, len, "%s" FW_DISK_VARS_SUFFIX, disk);
			goto out;
		}
		/* A block device's folder (/dev) is no place for a file. */
		snprintf(dev_name, sizeof(dev_name), "hvmm/%s" FW_DISK_VARS_SUFFIX, base_name(disk));
		name = dev_name;
	}
	/* The XDG base-directory spec ignores a relative $XDG_STATE_HOME. */
	if (state && state[0] == '/')
		n = snprintf(buf, len, "%s/%s", state, name);
	else if (home && home[0] == '/')
		n = snprintf(buf, len, "%s/.local/state/%s", home, name);
	else
		return fw_err(err, errlen, -EINVAL,
			      "--uefi: no place for the variable store (set HOME or "
			      "XDG_STATE_HOME, or give --uefi-vars)");
out:
	if (n < 0 || (size_t)n >= len)
		return fw_err(err, errlen, -EINVAL, "--uefi: the variable store's path is too long");
	return 0;
}

const char *firmware_vars_path(const struct vm_config *cfg, char *buf, size_t len,
			       bool *is_default, char *err, size_t errlen)
{
	*is_default = false;
	err[0] = 0;
	if (cfg->uefi_vars)
		return cfg->uefi_vars;
	if (!cfg->uefi)
		return NULL;
	if (firmware_default_vars(cfg, buf, len, err, errlen))
		return NULL;
	*is_default = true;
	return buf;
}

static int fw_check_vars_file(const char *path, int fd, uint64_t want,
			      char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		return fw_err(err, errlen, -EINVAL, "UEFI variable store %s is not a regular file",
			      path);
	if ((uint64_t)st.st_size != want)
		return fw_err(err, errlen, -EINVAL,
			      "UEFI variable store %s: size %lld, this firmware's is %llu",
			      path, (long long)st.st_size, (unsigned long long)want);
	return 0;
}

int firmware_check_config(const struct vm_config *cfg, char *err, size_t errlen)
{
	char buf[PATH_MAX];
	enum fw_layout layout;
	const char *vars;
	bool dflt;
	int fd, ret;

	if (!cfg->firmware)
		return 0;
	ret = firmware_check_image(cfg->firmware, &layout, err, errlen);
	if (ret)
		return ret;
	vars = firmware_vars_path(cfg, buf, sizeof(buf), &dflt, err, errlen);
	if (!vars)
		return err[0] ? -EINVAL : 0;
	fd = open(vars, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0; /* created from the template at start */
		return fw_err(err, errlen, -EINVAL, "UEFI variable store %s: %s", vars,
			      strerror(errno));
	}
	ret = fw_check_vars_file(vars, fd, layout_vars_size(layout), err, errlen);
	close(fd);
	return ret;
}

/* A page-aligned anonymous buffer for a private copy. */
static uint8_t *fw_alloc(uint64_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Read a separate vars template, which must have the layout's vars size. */
static int fw_read_template(const struct fw_open_opts *o, enum fw_layout layout,
			    uint8_t *dst, char *err, size_t errlen)
{
	uint64_t size = layout_vars_size(layout);
	char path[PATH_MAX];
	int fd, ret;

	snprintf(path, sizeof(path), "%s/%s", o->template_dir ? o->template_dir : FW_DIR,
		 layout == FW_LAYOUT_4M ? FW_TEMPLATE_4M : FW_TEMPLATE_2M);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fw_err(err, errlen, -EINVAL, "UEFI variable template %s: %s", path,
			      strerror(errno));
	ret = fw_check_vars_file(path, fd, size, err, errlen);
	if (!ret) {
		ret = fw_pread_all(fd, dst, size, 0);
		if (ret)
			fw_err(err, errlen, ret, "UEFI variable template %s: %s", path,
			       strerror(-ret));
	}
	close(fd);
	return ret;
}

/* mkdir -p of the folder that will hold `path`. */
static int fw_mkdir_parents(const char *path)
{
	char buf[PATH_MAX];
	char *p;

	if (strlen(path) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, path);
	for (p = buf + 1; (p = strchr(p, '/')); p++) {
		*p = 0;
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

/*
 * Create `path` holding `data` so that it either does not exist or is
 * complete: write a temp file next to it, fsync, then rename it into
 * place without replacing a store another process created meanwhile.
 */
static int fw_create_store(const char *path, const uint8_t *data, uint64_t size,
			   char *err, size_t errlen)
{
	char tmp[PATH_MAX + 16], dir[PATH_MAX];
	int fd, ret;

	if (snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path) >= (int)sizeof(tmp))
		return fw_err(err, errlen, -EINVAL, "UEFI variable store %s: path too long", path);
	fd = mkstemp(tmp);
	if (fd < 0)
		return fw_err(err, errlen, -EINVAL, "cannot create UEFI variable store %s: %s",
			      path, strerror(errno));
	ret = fw_write_all(fd, data, size);
	if (!ret && fsync(fd))
		ret = -errno;
	close(fd);
	if (!ret && renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE)) {
		ret = -errno;
		/* A file system without RENAME_NOREPLACE: link() never replaces either. */
		if (ret == -EINVAL || ret == -ENOSYS)
			ret = link(tmp, path) ? -errno : 0;
	}
	unlink(tmp);
	if (ret == -EEXIST)
		return 0; /* someone else made it: use theirs */
	if (ret)
		return fw_err(err, errlen, -EINVAL, "cannot create UEFI variable store %s: %s",
			      path, strerror(-ret));
	/* Make the new name durable too. */
	snprintf(dir, sizeof(dir), "%s", path);
	fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	pr_info("created UEFI variable store %s", path);
	return 0;
}

static int fw_open_store(struct firmware *fw, const struct fw_open_opts *o,
			 const uint8_t *template, char *err, size_t errlen)
{
	uint64_t size = fw->vars.size;
	void *p;
	int fd, ret;

	if (strlen(o->vars) >= sizeof(fw->vars_path))
		return fw_err(err, errlen, -EINVAL, "UEFI variable store %s: path too long", o->vars);
	fd = open(o->vars, O_RDWR | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		if (!template)
			return -EINVAL; /* err says why the template is unusable */
		ret = o->mkdir_vars ? fw_mkdir_parents(o->vars) : 0;
		if (ret)
			return fw_err(err, errlen, -EINVAL,
				      "cannot create the folder of UEFI variable store %s: %s",
				      o->vars, strerror(-ret));
		ret = fw_create_store(o->vars, template, size, err, errlen);
		if (ret)
			return ret;
		fd = open(o->vars, O_RDWR | O_CLOEXEC);
	}
	if (fd < 0)
		return fw_err(err, errlen, -EINVAL, "UEFI variable store %s: %s", o->vars,
			      strerror(errno));
	ret = fw_check_vars_file(o->vars, fd, size, err, errlen);
	if (!ret && flock(fd, LOCK_EX | LOCK_NB))
		ret = fw_err(err, errlen, -EINVAL,
			     "UEFI variable store %s is in use by another process", o->vars);
	if (ret) {
		close(fd);
		return ret;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		ret = -errno;
		close(fd);
		return fw_err(err, errlen, ret, "UEFI variable store %s: mmap: %s", o->vars,
			      strerror(-ret));
	}
	fw->vars.host = p;
	fw->vars_fd = fd;
	fw->vars_persistent = true;
	strcpy(fw->vars_path, o->vars);
	return 0;
}

int firmware_open(struct firmware *fw, const struct fw_open_opts *o, char *err, size_t errlen)
{
	uint64_t vars_size, code_size, code_off;
	uint8_t *tmpl = NULL;
	int fd, ret;

	memset(fw, 0, sizeof(*fw));
	fw->vars_fd = -1;
	err[0] = 0;
	ret = firmware_check_image(o->code, &fw->layout, err, errlen);
	if (ret)
		return ret;
	vars_size = layout_vars_size(fw->layout);
	code_off = layout_code_off(fw->layout);
	code_size = (fw->layout == FW_LAYOUT_4M ? FW_CODE_4M_SIZE : FW_CODE_2M_SIZE);
	fw->code.size = code_size;
	fw->code.gpa = FW_END - code_size;
	fw->vars.size = vars_size;
	fw->vars.gpa = fw->code.gpa - vars_size;

	/* The image: a private copy, so replacing the file under a running VM is harmless. */
	fw->code.host = fw_alloc(code_size);
	tmpl = fw_alloc(vars_size);
	if (!fw->code.host || !tmpl) {
		ret = fw_err(err, errlen, -ENOMEM, "firmware %s: out of memory", o->code);
		goto fail;
	}
	fd = open(o->code, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = fw_err(err, errlen, -EINVAL, "firmware %s: %s", o->code, strerror(errno));
		goto fail;
	}
	ret = fw_pread_all(fd, fw->code.host, code_size, code_off);
	if (!ret && fw->layout == FW_LAYOUT_UNIFIED)
		ret = fw_pread_all(fd, tmpl, vars_size, 0);
	close(fd);
	if (ret) {
		fw_err(err, errlen, ret, "firmware %s: %s", o->code, strerror(-ret));
		goto fail;
	}
	mprotect(fw->code.host, code_size, PROT_READ);

	if (fw->layout != FW_LAYOUT_UNIFIED &&
	    fw_read_template(o, fw->layout, tmpl, err, errlen)) {
		/* Only a store that has to be created, or a volatile one, needs it. */
		munmap(tmpl, vars_size);
		tmpl = NULL;
	}
	if (o->vars) {
		ret = fw_open_store(fw, o, tmpl, err, errlen);
		if (ret)
			goto fail;
	} else if (tmpl) {
		fw->vars.host = tmpl;   /* volatile: the guest writes the copy */
		tmpl = NULL;
	} else {
		pr_warn("%s; UEFI variables live in guest RAM only", err);
		fw->vars.size = 0;
	}
	if (tmpl)
		munmap(tmpl, vars_size);
	err[0] = 0;
	return 0;
fail:
	if (tmpl)
		munmap(tmpl, vars_size);
	firmware_close(fw);
	return ret;
}

int firmware_sync(struct firmware *fw)
{
	if (!fw->vars_persistent || !fw->vars.host)
		return 0;
	if (msync(fw->vars.host, fw->vars.size, MS_SYNC)) {
		int ret = -errno;

		pr_err("UEFI variable store %s: msync: %s", fw->vars_path, strerror(-ret));
		return ret;
	}
	return 0;
}

void firmware_close(struct firmware *fw)
{
	firmware_sync(fw);
	if (fw->vars.host && fw->vars.size)
		munmap(fw->vars.host, fw->vars.size);
	if (fw->code.host)
		munmap(fw->code.host, fw->code.size);
	if (fw->vars_fd >= 0)
		close(fw->vars_fd);
	fw->vars.host = fw->code.host = NULL;
	fw->vars_fd = -1;
	fw->vars_persistent = false;
}
