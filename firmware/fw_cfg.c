// SPDX-License-Identifier: MIT
/*
 * fw_cfg core: items, the file directory, the port state machine and DMA.
 * No KVM here: guest memory comes in at fw_cfg_new(), so unit tests and
 * the fuzzer drive it with a plain guest_mem. fw_cfg.h has the contract.
 */
#include <endian.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fw_cfg.h"
#include "guest_mem.h"
#include "util.h"

struct fw_cfg_item {
	uint16_t key;
	bool writable;
	char name[FW_CFG_NAME_SIZE];  /* "" for a numbered item */
	bool read_seen;               /* the read hook was called */
	uint8_t *data;
	uint32_t size;
};

struct fw_cfg {
	pthread_mutex_t lock;
	const struct guest_mem *mem;
	struct fw_cfg_item *items;    /* unordered; a few dozen at most */
	unsigned int nr, cap;
	unsigned int nr_files;
	uint16_t cur_key;             /* the selection */
	uint32_t cur_off;
	uint8_t dma_addr[8];          /* big-endian, as the guest wrote it */
	fw_cfg_read_fn read_hook;     /* first read of each item, or NULL */
};

static struct fw_cfg_item *item_find(struct fw_cfg *fw, uint16_t key)
{
	for (unsigned int i = 0; i < fw->nr; i++)
		if (fw->items[i].key == key)
			return &fw->items[i];
	return NULL;
}

/* The item for `key`, created empty if missing. NULL on -ENOMEM. */
static struct fw_cfg_item *item_get(struct fw_cfg *fw, uint16_t key)
{
	struct fw_cfg_item *it = item_find(fw, key);

	if (it)
		return it;
	if (fw->nr == fw->cap) {
		unsigned int cap = fw->cap ? fw->cap * 2 : 32;
		struct fw_cfg_item *n = realloc(fw->items, cap * sizeof(*n));

		if (!n)
			return NULL;
		fw->items = n;
		fw->cap = cap;
	}
	it = &fw->items[fw->nr++];
	memset(it, 0, sizeof(*it));
	it->key = key;
	return it;
}

static int item_fill(struct fw_cfg_item *it, const void *data, size_t len)
{
	uint8_t *copy = NULL;

	if (len > FW_CFG_MAX_ITEM_SIZE)
		return -EINVAL;
	if (len) {
		copy = malloc(len);
		if (!copy)
			return -ENOMEM;
		memcpy(copy, data, len);
	}
	free(it->data);
	it->data = copy;
	it->size = (uint32_t)len;
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	const struct fw_cfg_item *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

/* Rebuild key 0x19 from the files, sorted by name. */
static int dir_rebuild(struct fw_cfg *fw)
{
	const struct fw_cfg_item *files[FW_CFG_MAX_FILES];
	size_t len = 4 + (size_t)fw->nr_files * FW_CFG_DIR_ENTRY_SIZE;
	unsigned int n = 0;
	uint8_t *dir, *e;
	uint32_t be32;
	uint16_t be16;
	int ret;

	for (unsigned int i = 0; i < fw->nr; i++)
		if (fw->items[i].name[0])
			files[n++] = &fw->items[i];
	qsort(files, n, sizeof(files[0]), cmp_name);
	dir = calloc(1, len);
	if (!dir)
		return -ENOMEM;
	be32 = htobe32(n);
	memcpy(dir, &be32, 4);
	for (unsigned int i = 0; i < n; i++) {
		e = dir + 4 + (size_t)i * FW_CFG_DIR_ENTRY_SIZE;
		be32 = htobe32(files[i]->size);
		memcpy(e, &be32, 4);
		be16 = htobe16(files[i]->key);
		memcpy(e + 4, &be16, 2);
		/* e[6..7] reserved: 0 */
		memcpy(e + 8, files[i]->name, FW_CFG_NAME_SIZE);
	}
	ret = item_fill(item_get(fw, FW_CFG_FILE_DIR), dir, len);
	free(dir);
	return ret;
}

struct fw_cfg *fw_cfg_new(const struct guest_mem *mem)
{
	static const uint8_t sig[4] = { 'Q', 'E', 'M', 'U' };
	struct fw_cfg *fw = calloc(1, sizeof(*fw));
	struct fw_cfg_item *it;
	uint32_t id = htole32(FW_CFG_ID_TRADITIONAL | FW_CFG_ID_DMA);

	if (!fw)
		return NULL;
	pthread_mutex_init(&fw->lock, NULL);
	fw->mem = mem;
	/* The directory exists (count 0) even before the first file. */
	if (!(it = item_get(fw, FW_CFG_SIGNATURE)) || item_fill(it, sig, sizeof(sig)) ||
	    !(it = item_get(fw, FW_CFG_ID)) || item_fill(it, &id, sizeof(id)) ||
	    dir_rebuild(fw)) {
		fw_cfg_free(fw);
		return NULL;
	}
	return fw;
}

void fw_cfg_free(struct fw_cfg *fw)
{
	if (!fw)
		return;
	for (unsigned int i = 0; i < fw->nr; i++)
		free(fw->items[i].data);
	free(fw->items);
	pthread_mutex_destroy(&fw->lock);
	free(fw);
}

int fw_cfg_set_item(struct fw_cfg *fw, uint16_t key, const void *data, size_t len)
{
	struct fw_cfg_item *it;
	int ret;

	if (key == FW_CFG_SIGNATURE || key == FW_CFG_ID || key == FW_CFG_FILE_DIR ||
	    key >= FW_CFG_FILE_FIRST)
		return -EINVAL;
	pthread_mutex_lock(&fw->lock);
	it = item_get(fw, key);
	ret = it ? item_fill(it, data, len) : -ENOMEM;
	pthread_mutex_unlock(&fw->lock);
	return ret;
}

int fw_cfg_set_u16(struct fw_cfg *fw, uint16_t key, uint16_t v)
{
	v = htole16(v);
	return fw_cfg_set_item(fw, key, &v, sizeof(v));
}

int fw_cfg_set_u32(struct fw_cfg *fw, uint16_t key, uint32_t v)
{
	v = htole32(v);
	return fw_cfg_set_item(fw, key, &v, sizeof(v));
}

static struct fw_cfg_item *file_find(struct fw_cfg *fw, const char *name)
{
	for (unsigned int i = 0; i < fw->nr; i++)
		if (fw->items[i].name[0] && !strcmp(fw->items[i].name, name))
			return &fw->items[i];
	return NULL;
}

int fw_cfg_set_file(struct fw_cfg *fw, const char *name, const void *data,
		    size_t len, bool writable)
{
	struct fw_cfg_item *it;
	size_t nlen = name ? strlen(name) : 0;
	int ret;

	if (!nlen || nlen >= FW_CFG_NAME_SIZE || len > FW_CFG_MAX_ITEM_SIZE)
		return -EINVAL;
	pthread_mutex_lock(&fw->lock);
	it = file_find(fw, name);
	if (!it) {
		if (fw->nr_files == FW_CFG_MAX_FILES) {
			ret = -ENOSPC;
			goto out;
		}
		it = item_get(fw, (uint16_t)(FW_CFG_FILE_FIRST + fw->nr_files));
		if (!it) {
			ret = -ENOMEM;
			goto out;
		}
		memcpy(it->name, name, nlen + 1);
		fw->nr_files++;
	}
	it->writable = writable;
	ret = item_fill(it, data, len);
	if (!ret)
		ret = dir_rebuild(fw);
	if (!ret)
		ret = it->key;
out:
	pthread_mutex_unlock(&fw->lock);
	return ret;
}

int fw_cfg_set_file_str(struct fw_cfg *fw, const char *name, const char *str)
{
	return fw_cfg_set_file(fw, name, str, strlen(str), false);
}

long fw_cfg_get_item(struct fw_cfg *fw, uint16_t key, void *buf, size_t cap)
{
	struct fw_cfg_item *it;
	long ret = -ENOENT;

	pthread_mutex_lock(&fw->lock);
	it = item_find(fw, key);
	if (it) {
		if (it->size)
			memcpy(buf, it->data, MIN((size_t)it->size, cap));
		ret = it->size;
	}
	pthread_mutex_unlock(&fw->lock);
	return ret;
}

int fw_cfg_find_file(struct fw_cfg *fw, const char *name)
{
	struct fw_cfg_item *it;
	int ret;

	pthread_mutex_lock(&fw->lock);
	it = file_find(fw, name);
	ret = it ? it->key : -ENOENT;
	pthread_mutex_unlock(&fw->lock);
	return ret;
}

static void select_key(struct fw_cfg *fw, uint16_t key)
{
	fw->cur_key = key;
	fw->cur_off = 0;
}

/* Bytes left in the selection; 0 for a key with no item. */
static uint32_t cur_left(struct fw_cfg *fw, struct fw_cfg_item **itp)
{
	struct fw_cfg_item *it = item_find(fw, fw->cur_key);

	*itp = it;
	return it && fw->cur_off < it->size ? it->size - fw->cur_off : 0;
}

void fw_cfg_set_read_hook(struct fw_cfg *fw, fw_cfg_read_fn fn)
{
	fw->read_hook = fn;
}

static void note_read(struct fw_cfg *fw, struct fw_cfg_item *it)
{
	if (it->read_seen || !fw->read_hook)
		return;
	it->read_seen = true;
	fw->read_hook(it->key, it->name);
}

static uint8_t data_read_byte(struct fw_cfg *fw)
{
	struct fw_cfg_item *it;

	if (!cur_left(fw, &it))
		return 0;
	note_read(fw, it);
	return it->data[fw->cur_off++];
}

static int dma_fail(uint32_t ctl, const char *why)
{
	pr_err_rl("fw_cfg: DMA control %#x: %s", ctl, why);
	return FW_CFG_DMA_CTL_ERROR;
}

/* One descriptor, already in host order. Returns 0 or ERROR. */
static int dma_exec(struct fw_cfg *fw, uint32_t ctl, uint32_t len, uint64_t addr)
{
	const uint32_t ops = FW_CFG_DMA_CTL_READ | FW_CFG_DMA_CTL_SKIP | FW_CFG_DMA_CTL_WRITE;
	uint32_t op = ctl & ops, left, n;
	struct fw_cfg_item *it;
	uint8_t *p = NULL;

	if (ctl & 0xffe1)
		return dma_fail(ctl, "unknown control bits");
	if (op & (op - 1))
		return dma_fail(ctl, "more than one operation");
	if (op != FW_CFG_DMA_CTL_SKIP && op && len) {
		p = fw->mem ? gmem_ptr(fw->mem, addr, len) : NULL;
		if (!p)
			return dma_fail(ctl, "buffer not in guest RAM");
	}
	if (ctl & FW_CFG_DMA_CTL_SELECT)
		select_key(fw, (uint16_t)(ctl >> 16));
	left = cur_left(fw, &it);
	switch (op) {
	case FW_CFG_DMA_CTL_READ:
		n = MIN(left, len);
		if (n) {
			note_read(fw, it);
			memcpy(p, it->data + fw->cur_off, n);
		}
		if (len > n)
			memset(p + n, 0, len - n);
		fw->cur_off += n;
		break;
	case FW_CFG_DMA_CTL_SKIP:
		fw->cur_off += MIN(left, len);
		break;
	case FW_CFG_DMA_CTL_WRITE:
		if (!it || !it->writable)
			return dma_fail(ctl, "write to a read-only item");
		if (len > left)
			return dma_fail(ctl, "write past the item's end");
		if (len)
			memcpy(it->data + fw->cur_off, p, len);
		fw->cur_off += len;
		break;
	}
	return 0;
}

/* Called with the lock held. */
static int dma_run(struct fw_cfg *fw, uint64_t desc_gpa)
{
	uint8_t *desc = fw->mem ? gmem_ptr(fw->mem, desc_gpa, 16) : NULL;
	uint32_t ctl, len, st;
	uint64_t addr;

	if (!desc) {
		pr_err_rl("fw_cfg: DMA descriptor at %#llx not in guest RAM",
			  (unsigned long long)desc_gpa);
		return -EFAULT;
	}
	/* Copy once: another vCPU may change the descriptor meanwhile. */
	memcpy(&ctl, desc, 4);
	memcpy(&len, desc + 4, 4);
	memcpy(&addr, desc + 8, 8);
	st = (uint32_t)dma_exec(fw, be32toh(ctl), be32toh(len), be64toh(addr));
	ctl = htobe32(st);
	memcpy(desc, &ctl, 4);
	return (int)st;
}

int fw_cfg_dma(struct fw_cfg *fw, uint64_t desc_gpa)
{
	int ret;

	pthread_mutex_lock(&fw->lock);
	ret = dma_run(fw, desc_gpa);
	pthread_mutex_unlock(&fw->lock);
	return ret;
}

void fw_cfg_io_read(struct fw_cfg *fw, uint64_t off, uint8_t *data, unsigned int len)
{
	static const char dma_sig[] = FW_CFG_DMA_SIGNATURE;

	pthread_mutex_lock(&fw->lock);
	for (unsigned int i = 0; i < len; i++) {
		uint64_t o = off + i;

		/* A wide read at the data port is a burst of data bytes. */
		if (off == FW_CFG_PORT_DATA)
			data[i] = data_read_byte(fw);
		else if (o >= FW_CFG_PORT_DMA && o < FW_CFG_PORT_LEN)
			data[i] = (uint8_t)dma_sig[o - FW_CFG_PORT_DMA];
		else
			data[i] = 0;
	}
	pthread_mutex_unlock(&fw->lock);
}

void fw_cfg_io_write(struct fw_cfg *fw, uint64_t off, const uint8_t *data, unsigned int len)
{
	uint64_t desc = 0;
	bool run = false;

	pthread_mutex_lock(&fw->lock);
	if (off == FW_CFG_PORT_SEL) {
		select_key(fw, (uint16_t)(data[0] | (len > 1 ? data[1] << 8 : 0)));
	} else if (off == FW_CFG_PORT_DATA) {
		pr_err_rl("fw_cfg: data port write ignored");
	}
	for (unsigned int i = 0; i < len; i++) {
		uint64_t o = off + i;

		if (o < FW_CFG_PORT_DMA || o >= FW_CFG_PORT_LEN)
			continue;
		fw->dma_addr[o - FW_CFG_PORT_DMA] = data[i];
		if (o == FW_CFG_PORT_LEN - 1)
			run = true;
	}
	if (run) {
		memcpy(&desc, fw->dma_addr, 8);
		memset(fw->dma_addr, 0, 8);
		dma_run(fw, be64toh(desc));
	}
	pthread_mutex_unlock(&fw->lock);
}
