/* SPDX-License-Identifier: MIT */
/*
 * Guest RAM: one anonymous host mapping split into the part below the
 * MMIO hole and the part above 4 GiB (see layout.h).
 *
 * Every access the VMM makes on behalf of a guest-supplied address goes
 * through gmem_ptr(), which returns NULL unless [gpa, gpa+len) lies
 * entirely inside one RAM region. Callers must treat NULL as a guest
 * error, never dereference around it.
 */
#ifndef HVMM_GUEST_MEM_H
#define HVMM_GUEST_MEM_H

#include <stddef.h>
#include <stdint.h>

struct guest_mem {
	uint8_t *host;      /* base of the whole mapping */
	uint64_t size;      /* total RAM bytes */
	uint64_t low_size;  /* RAM at GPA [0, low_size) */
	uint64_t high_size; /* RAM at GPA [4 GiB, 4 GiB + high_size) */
};

/* Map `size` bytes of zeroed RAM. Returns 0, -EINVAL (too small), -ENOMEM. */
int gmem_init(struct guest_mem *m, uint64_t size);
void gmem_free(struct guest_mem *m);

/* Host pointer for [gpa, gpa+len), or NULL if not wholly inside RAM. */
void *gmem_ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len);

/* Copy helpers; return 0 or -EFAULT if the range is not RAM. */
int gmem_write(const struct guest_mem *m, uint64_t gpa, const void *src, size_t len);
int gmem_read(const struct guest_mem *m, uint64_t gpa, void *dst, size_t len);

#endif
