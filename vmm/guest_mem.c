// SPDX-License-Identifier: MIT
#include "guest_mem.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "layout.h"
#include "util.h"

int gmem_init(struct guest_mem *m, uint64_t size)
{
	void *p;

	memset(m, 0, sizeof(*m));
	if (size < RAM_MIN || size % (2 * MiB))
		return -EINVAL;
	if (size > (1ULL << 46))
		return -EINVAL;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -ENOMEM;
	/* Guest RAM is large and touched sparsely; THP cuts EPT/NPT walks. */
	madvise(p, size, MADV_HUGEPAGE);
	m->host = p;
	m->size = size;
	m->low_size = MIN(size, MMIO_HOLE_START);
	m->high_size = size - m->low_size;
	return 0;
}

void gmem_free(struct guest_mem *m)
{
	if (m->host)
		munmap(m->host, m->size);
	memset(m, 0, sizeof(*m));
}

void *gmem_ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
	uint64_t end;

	if (!m->host || __builtin_add_overflow(gpa, len, &end))
		return NULL;
	if (end <= m->low_size)
		return m->host + gpa;
	if (gpa >= MMIO_HOLE_END && end - MMIO_HOLE_END <= m->high_size)
		return m->host + m->low_size + (gpa - MMIO_HOLE_END);
	return NULL;
}

int gmem_write(const struct guest_mem *m, uint64_t gpa, const void *src, size_t len)
{
	void *p = gmem_ptr(m, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(p, src, len);
	return 0;
}

int gmem_read(const struct guest_mem *m, uint64_t gpa, void *dst, size_t len)
{
	const void *p = gmem_ptr(m, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(dst, p, len);
	return 0;
}
