// SPDX-License-Identifier: MIT
/*
 * The CFI flash core (firmware/flash.c) driven the way OVMF drives it
 * (edk2 OvmfPkg/QemuFlashFvbServicesRuntimeDxe/QemuFlash.c), with a fake
 * platform that models the read-only memslot: while the fast path is
 * present, guest reads go straight to the bytes, as they do under KVM;
 * writes always trap. Also persistence through a MAP_SHARED vars file.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "firmware.h"
#include "flash.h"
#include "fw_files.h"
#include "unit.h"
#include "util.h"

#define STORE_SIZE (4 * FLASH_BLOCK_SIZE)

static uint8_t store[STORE_SIZE];
static struct flash fl;
static unsigned int romd_calls;
static int romd_fail;   /* the next set_romd calls fail */
static bool slot;       /* the fake memslot is present */

static int fake_romd(void *opaque, bool present)
{
	ck_assert_ptr_eq(opaque, &fl);
	romd_calls++;
	if (romd_fail)
		return -EIO;
	/* The core never asks for the state it already has. */
	ck_assert(slot != present);
	slot = present;
	return 0;
}

/* A guest byte read: from the memslot when there is one, else trapped. */
static uint8_t guest_rd(uint64_t off)
{
	uint8_t v;

	if (slot)
		return store[off];
	flash_read(&fl, off, &v, 1);
	return v;
}

static void guest_wr(uint64_t off, uint8_t v)
{
	flash_write(&fl, off, &v, 1);
}

/*
 * Back in read-array mode, the memslot returns only after
 * FLASH_ROMD_READS trapped reads (flash.h), each of which reads the
 * store. Returns whether it came back exactly then.
 */
static bool slot_comes_back(void)
{
	unsigned int i;

	for (i = 0; i < FLASH_ROMD_READS; i++) {
		if (slot || fl.mode != FLASH_MODE_ARRAY)
			return false;
		if (guest_rd(i) != store[i])
			return false;
	}
	return slot;
}

static void setup(void)
{
	unsigned int i;

	/* A vars-like block 0: zeroes first (the FV header's ZeroVector). */
	memset(store, 0, 16);
	for (i = 16; i < STORE_SIZE; i++)
		store[i] = (uint8_t)(i * 7 + 3);
	store[16] = 0x8d;
	log_level = LOG_ERR - 1; /* the bad accesses below log on purpose */
	romd_calls = 0;
	romd_fail = 0;
	slot = true;
	ck_assert_int_eq(flash_init(&fl, store, STORE_SIZE, fake_romd, &fl), 0);
}

static void teardown(void)
{
	flash_destroy(&fl);
}

enum probe_result { PROBE_NONE, PROBE_RAM, PROBE_ROM, PROBE_FLASH, PROBE_OTHER };

/* QemuFlashDetected(), step for step (QemuFlash.c, edk2). */
static enum probe_result qemu_flash_detected(uint64_t *where)
{
	uint64_t off;
	uint8_t orig, probe;

	for (off = 0; off < FLASH_BLOCK_SIZE; off++) {
		probe = guest_rd(off);
		if (probe != 0x50 && probe != 0x70 && probe != 0x00)
			break;
	}
	if (off >= FLASH_BLOCK_SIZE)
		return PROBE_NONE;
	*where = off;
	orig = guest_rd(off);
	guest_wr(off, 0x50);
	probe = guest_rd(off);
	if (orig != 0x50 && probe == 0x50) {
		guest_wr(off, orig);
		return PROBE_RAM;
	}
	guest_wr(off, 0x70);
	probe = guest_rd(off);
	if (probe == orig)
		return PROBE_ROM;
	if (probe == 0x70) {
		guest_wr(off, orig);
		return PROBE_RAM;
	}
	if (probe == 0x00) {
		guest_wr(off, 0xff);
		return PROBE_FLASH;
	}
	return PROBE_OTHER;
}

/* QemuFlashWrite(): 0x10 + data per byte, then 0xFF at the last byte. */
static void qemu_flash_write(uint64_t off, const uint8_t *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		guest_wr(off + i, 0x10);
		guest_wr(off + i, buf[i]);
	}
	if (n)
		guest_wr(off + n - 1, 0xff);
}

/* QemuFlashEraseBlock(): 0x20, 0xD0 at the block base, no 0xFF after. */
static void qemu_flash_erase(unsigned int lba)
{
	guest_wr((uint64_t)lba * FLASH_BLOCK_SIZE, 0x20);
	guest_wr((uint64_t)lba * FLASH_BLOCK_SIZE, 0xd0);
}

START_TEST(detection_says_flash)
{
	uint8_t before[STORE_SIZE];
	uint64_t where = ~0ULL;

	memcpy(before, store, sizeof(before));
	ck_assert_int_eq(qemu_flash_detected(&where), PROBE_FLASH);
	ck_assert_uint_eq(where, 16);
	/* Back in read-array mode; the memslot after enough reads; nothing written. */
	ck_assert(slot_comes_back());
	ck_assert_int_eq(fl.mode, FLASH_MODE_ARRAY);
	ck_assert_mem_eq(store, before, sizeof(before));
	/* Removed for 0x70, restored by reads: two memslot changes, no more. */
	ck_assert_uint_eq(romd_calls, 2);
	ck_assert_uint_eq(fl.rejected, 0);
}
END_TEST

/* Without the fast path the same probe works on trapped reads alone. */
START_TEST(detection_without_fast_path)
{
	uint64_t where;

	flash_destroy(&fl);
	ck_assert_int_eq(flash_init(&fl, store, STORE_SIZE, NULL, NULL), 0);
	slot = false;
	ck_assert(!flash_romd_present(&fl));
	ck_assert_int_eq(qemu_flash_detected(&where), PROBE_FLASH);
	ck_assert_int_eq(fl.mode, FLASH_MODE_ARRAY);
}
END_TEST

/* After a program the status has READY set: a second probe still reads 0 after 0x50. */
START_TEST(status_register)
{
	uint8_t v = 0x42;

	guest_wr(100, 0x70);
	ck_assert(!slot);
	ck_assert_uint_eq(guest_rd(100), 0x00);
	ck_assert_uint_eq(guest_rd(STORE_SIZE - 1), 0x00); /* any address */
	qemu_flash_write(200, &v, 1);
	guest_wr(5, 0x70);
	ck_assert_uint_eq(guest_rd(5), FLASH_STATUS_READY);
	/* Multi-byte status read: status in every lane. */
	{
		uint32_t w;

		flash_read(&fl, 8, (uint8_t *)&w, 4);
		ck_assert_uint_eq(w, 0x80808080u);
	}
	guest_wr(5, 0x50); /* clear status: 0, and back to read array */
	ck_assert(slot_comes_back());
	ck_assert_uint_eq(guest_rd(5), store[5]);
	guest_wr(5, 0x70);
	ck_assert_uint_eq(guest_rd(5), 0x00);
	guest_wr(5, 0xff);
	ck_assert(slot_comes_back());
	ck_assert_uint_eq(guest_rd(200), 0x42);
}
END_TEST

START_TEST(program_bytes)
{
	const uint8_t buf[] = { 0x00, 0xff, 0x5a, 0x10, 0x70, 0x50, 0xd0 };
	uint8_t next = store[300 + sizeof(buf)];
	uint8_t prev = store[299];

	qemu_flash_write(300, buf, sizeof(buf));
	ck_assert_mem_eq(store + 300, buf, sizeof(buf));
	ck_assert_uint_eq(store[300 + sizeof(buf)], next);
	ck_assert_uint_eq(store[299], prev);
	ck_assert_uint_eq(fl.programs, sizeof(buf));
	ck_assert(slot_comes_back());
	ck_assert_int_eq(fl.mode, FLASH_MODE_ARRAY);
	/* Program overwrites (pflash_cfi01), it does not AND. */
	qemu_flash_write(302, (const uint8_t[]){ 0xa5 }, 1);
	ck_assert_uint_eq(store[302], 0xa5);
	/* 0x40 is the other program command; a 2-byte data write programs both. */
	guest_wr(10, 0x40);
	flash_write(&fl, 10, (const uint8_t[]){ 0x11, 0x22 }, 2);
	ck_assert_uint_eq(store[10], 0x11);
	ck_assert_uint_eq(store[11], 0x22);
	/* Between program and 0xFF reads return status, as under QEMU. */
	ck_assert(!slot);
	ck_assert_uint_eq(guest_rd(10), FLASH_STATUS_READY);
	guest_wr(10, 0xff);
	ck_assert_uint_eq(guest_rd(10), 0x11);
	ck_assert_uint_eq(fl.rejected, 0);
}
END_TEST

START_TEST(erase_block)
{
	unsigned int i;
	uint8_t b0 = store[FLASH_BLOCK_SIZE - 1], b2 = store[2 * FLASH_BLOCK_SIZE];

	qemu_flash_erase(1);
	for (i = 0; i < FLASH_BLOCK_SIZE; i++)
		ck_assert_uint_eq(store[FLASH_BLOCK_SIZE + i], 0xff);
	ck_assert_uint_eq(store[FLASH_BLOCK_SIZE - 1], b0);
	ck_assert_uint_eq(store[2 * FLASH_BLOCK_SIZE], b2);
	ck_assert_uint_eq(fl.erases, 1);
	/* OVMF writes no 0xFF after an erase: status mode, as under QEMU. */
	ck_assert(!slot);
	ck_assert_uint_eq(guest_rd(FLASH_BLOCK_SIZE + 5), FLASH_STATUS_READY);
	guest_wr(0, 0xff);
	ck_assert(slot_comes_back());
	/* The confirm's address picks the block, at any offset inside it. */
	guest_wr(3 * FLASH_BLOCK_SIZE + 0x123, 0x20);
	guest_wr(3 * FLASH_BLOCK_SIZE + 0x456, 0xd0);
	guest_wr(0, 0xff);
	ck_assert_uint_eq(store[3 * FLASH_BLOCK_SIZE], 0xff);
	ck_assert_uint_eq(store[STORE_SIZE - 1], 0xff);
	ck_assert_uint_eq(fl.erases, 2);
}
END_TEST

/*
 * OVMF writes a variable as many QemuFlashWrite bursts (0x10 + byte each,
 * 0xFF at the end): the memslot goes once, not once per burst, and comes
 * back once reads dominate. Per-burst toggling made KVM drop the guest's
 * stage-2 mapping twice per burst: ~60 s of a lab OVMF boot.
 */
START_TEST(bursts_keep_slot_away)
{
	const uint8_t hdr[] = { 0xaa, 0x55, 0x3f, 0x00 };
	unsigned int i;

	for (i = 0; i < 20; i++)
		qemu_flash_write(400 + i * sizeof(hdr), hdr, sizeof(hdr));
	ck_assert_uint_eq(romd_calls, 1);
	ck_assert(!slot);
	/* A few reads between bursts stay trapped and see the new bytes. */
	for (i = 0; i < FLASH_ROMD_READS / 2; i++)
		ck_assert_uint_eq(guest_rd(400 + i % sizeof(hdr)), hdr[i % sizeof(hdr)]);
	qemu_flash_write(600, hdr, sizeof(hdr));
	ck_assert_uint_eq(romd_calls, 1);
	ck_assert(slot_comes_back());
	ck_assert_uint_eq(romd_calls, 2);
	ck_assert_uint_eq(fl.romd_changes, 2);
	ck_assert_uint_eq(store[600], 0xaa);
}
END_TEST

/* 0x20 then 0xFF cancels; 0x20 then anything else is refused: nothing erased. */
START_TEST(erase_not_confirmed)
{
	uint8_t before[STORE_SIZE];

	memcpy(before, store, sizeof(before));
	guest_wr(0, 0x20);
	ck_assert(!slot);
	guest_wr(0, 0xff);
	ck_assert(slot_comes_back());
	guest_wr(0, 0x20);
	guest_wr(0, 0x10);
	ck_assert(slot_comes_back());
	ck_assert_int_eq(fl.mode, FLASH_MODE_ARRAY);
	ck_assert_mem_eq(store, before, sizeof(before));
	ck_assert_uint_eq(fl.erases, 0);
	ck_assert_uint_eq(fl.rejected, 1);
}
END_TEST

START_TEST(unknown_commands)
{
	static const uint8_t cmds[] = { 0x00, 0x01, 0x60, 0x90, 0x98, 0xe8, 0xf0, 0xd0 };
	uint8_t before[STORE_SIZE];
	unsigned int i;

	memcpy(before, store, sizeof(before));
	for (i = 0; i < sizeof(cmds); i++) {
		guest_wr(64, cmds[i]);
		ck_assert_int_eq(fl.mode, FLASH_MODE_ARRAY);
		ck_assert(slot);
		ck_assert_uint_eq(guest_rd(64), before[64]);
	}
	/* Also from status mode. */
	guest_wr(64, 0x70);
	guest_wr(64, 0x98);
	ck_assert(slot_comes_back());
	ck_assert_int_eq(fl.mode, FLASH_MODE_ARRAY);
	ck_assert_mem_eq(store, before, sizeof(before));
	ck_assert_uint_eq(fl.rejected, sizeof(cmds) + 1);
	/* A wide write's command is its low byte. */
	flash_write(&fl, 64, (const uint8_t[]){ 0x70, 0xff, 0xff, 0xff }, 4);
	ck_assert_int_eq(fl.mode, FLASH_MODE_STATUS);
}
END_TEST

START_TEST(out_of_range)
{
	uint8_t before[STORE_SIZE];
	uint8_t buf[8];

	memcpy(before, store, sizeof(before));
	memset(buf, 0, sizeof(buf));
	flash_read(&fl, STORE_SIZE, buf, 1);
	ck_assert_uint_eq(buf[0], 0xff);
	memset(buf, 0, sizeof(buf));
	flash_read(&fl, STORE_SIZE - 2, buf, 4); /* straddles the end */
	ck_assert_uint_eq(*(uint32_t *)buf, 0xffffffffu);
	flash_read(&fl, ~0ULL, buf, 8);          /* off + len wraps */
	ck_assert_uint_eq(buf[7], 0xff);
	flash_read(&fl, 0, buf, 3);              /* odd width */
	ck_assert_uint_eq(buf[0], 0xff);
	/* Program armed, data out of range: nothing written, still armed. */
	guest_wr(0, 0x10);
	flash_write(&fl, STORE_SIZE, (const uint8_t[]){ 0 }, 1);
	flash_write(&fl, STORE_SIZE - 1, (const uint8_t[]){ 0, 0 }, 2);
	flash_write(&fl, ~0ULL - 1, (const uint8_t[]){ 0, 0, 0, 0 }, 4);
	ck_assert_int_eq(fl.mode, FLASH_MODE_PROGRAM);
	ck_assert_mem_eq(store, before, sizeof(before));
	ck_assert_uint_eq(fl.rejected, 7);
	guest_wr(0, 0x00);
	ck_assert_uint_eq(store[0], 0x00);
	guest_wr(0, 0xff);
}
END_TEST

/* A platform that cannot remove the memslot: logged, the core goes on. */
START_TEST(romd_failure)
{
	uint64_t where;

	romd_fail = 1;
	guest_wr(0, 0x70);
	ck_assert_int_eq(fl.mode, FLASH_MODE_STATUS);
	ck_assert(slot); /* still there: reads bypass status */
	guest_wr(0, 0xff);
	romd_fail = 0;
	/* The probe then sees ROM, and OVMF uses its emulated store. */
	romd_fail = 1;
	ck_assert_int_eq(qemu_flash_detected(&where), PROBE_ROM);
	romd_fail = 0;
	guest_wr(0, 0x70);
	ck_assert(!slot);
	guest_wr(0, 0xff);
	ck_assert(slot_comes_back());
}
END_TEST

START_TEST(bad_init)
{
	struct flash f;

	ck_assert_int_eq(flash_init(&f, store, 0, NULL, NULL), -EINVAL);
	ck_assert_int_eq(flash_init(&f, store, FLASH_BLOCK_SIZE + 1, NULL, NULL), -EINVAL);
	ck_assert_int_eq(flash_init(&f, NULL, FLASH_BLOCK_SIZE, NULL, NULL), -EINVAL);
}
END_TEST

/*
 * vCPUs hammering the device at once (OVMF never does; a hostile guest
 * may): every access is serialised, the memslot state always follows the
 * mode, and the bytes stay inside the store. Run under TSan by
 * `make unit-tsan`.
 */
static int thread_romd(void *opaque, bool present)
{
	/* Called under the device lock: no other thread may be in here. */
	static int inside;

	ck_assert_int_eq(__atomic_fetch_add(&inside, 1, __ATOMIC_SEQ_CST), 0);
	slot = present;
	romd_calls++;
	__atomic_fetch_sub(&inside, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static void *hammer(void *arg)
{
	static const uint8_t cmds[] = { 0x10, 0x40, 0x20, 0xd0, 0x50, 0x70, 0xff, 0x90, 0x00 };
	unsigned int seed = (unsigned int)(uintptr_t)arg, i;
	uint8_t v;

	for (i = 0; i < 20000; i++) {
		uint64_t off = rand_r(&seed) % (STORE_SIZE + 16);
		unsigned int len = 1U << (rand_r(&seed) % 4);
		uint8_t buf[8];

		if (rand_r(&seed) & 1) {
			flash_read(&fl, off, buf, len);
		} else {
			v = cmds[rand_r(&seed) % sizeof(cmds)];
			memset(buf, v, sizeof(buf));
			flash_write(&fl, off, buf, len);
		}
	}
	return NULL;
}

START_TEST(concurrent_access)
{
	pthread_t t[3];
	unsigned int i;

	flash_destroy(&fl);
	ck_assert_int_eq(flash_init(&fl, store, STORE_SIZE, thread_romd, &fl), 0);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, hammer, (void *)(uintptr_t)(i + 1)), 0);
	for (i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	ck_assert(!fl.romd || fl.mode == FLASH_MODE_ARRAY);
	ck_assert(slot == fl.romd);
	guest_wr(0, 0xff);
	ck_assert(slot || slot_comes_back());
	ck_assert_int_eq(fl.mode, FLASH_MODE_ARRAY);
}
END_TEST

/*
 * The store is the vars file (MAP_SHARED): a byte programmed and a block
 * erased by the guest are in the file after the VM ends, and in the
 * store the next run maps.
 */
START_TEST(persistence)
{
	struct fw_open_opts o = { .template_dir = NULL };
	char dir[PATH_MAX], code[PATH_MAX + 16], vars[PATH_MAX + 16];
	struct firmware fw;
	char err[256];
	uint8_t b = 0;
	int fd;

	fw_make_dir(dir);
	fw_make_file(dir, "OVMF_CODE_4M.fd", FW_CODE_4M_SIZE, 0, 1);
	fw_make_file(dir, FW_TEMPLATE_4M, FW_VARS_4M_SIZE, 0, 2);
	snprintf(code, sizeof(code), "%s/OVMF_CODE_4M.fd", dir);
	snprintf(vars, sizeof(vars), "%s/guest.vars", dir);
	o.code = code;
	o.vars = vars;
	o.template_dir = dir;
	ck_assert_int_eq(firmware_open(&fw, &o, err, sizeof(err)), 0);
	flash_destroy(&fl);
	ck_assert_int_eq(flash_init(&fl, fw.vars.host, fw.vars.size, NULL, NULL), 0);
	slot = false;
	guest_wr(0x1234, 0x10);
	guest_wr(0x1234, 0x5a);
	guest_wr(0x1234, 0xff);
	guest_wr(0x42000, 0x20); /* erase the block at 0x42000 */
	guest_wr(0x42000, 0xd0);
	guest_wr(0, 0xff);
	/* In the file at once (page cache), before any sync: survives a kill -9. */
	fd = open(vars, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, &b, 1, 0x1234), 1);
	ck_assert_uint_eq(b, 0x5a);
	firmware_close(&fw);

	/* In the file after the VM ends, as another process reads it... */
	ck_assert_int_eq(pread(fd, &b, 1, 0x1234), 1);
	ck_assert_uint_eq(b, 0x5a);
	ck_assert_int_eq(pread(fd, &b, 1, 0x42fff), 1);
	ck_assert_uint_eq(b, 0xff);
	ck_assert_int_eq(pread(fd, &b, 1, 0x43000), 1);
	ck_assert_uint_eq(b, fw_pattern(0x43000, 2));
	close(fd);
	/* ...and in the next run's store. */
	ck_assert_int_eq(firmware_open(&fw, &o, err, sizeof(err)), 0);
	ck_assert_uint_eq(fw.vars.host[0x1234], 0x5a);
	ck_assert_uint_eq(fw.vars.host[0x1233], fw_pattern(0x1233, 2));
	ck_assert_uint_eq(fw.vars.host[0x42000], 0xff);
	firmware_close(&fw);
	fw_remove_dir(dir);
}
END_TEST

static Suite *flash_suite(void)
{
	Suite *s = suite_create("flash");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, detection_says_flash);
	tcase_add_test(tc, detection_without_fast_path);
	tcase_add_test(tc, status_register);
	tcase_add_test(tc, program_bytes);
	tcase_add_test(tc, erase_block);
	tcase_add_test(tc, erase_not_confirmed);
	tcase_add_test(tc, unknown_commands);
	tcase_add_test(tc, out_of_range);
	tcase_add_test(tc, romd_failure);
	tcase_add_test(tc, bursts_keep_slot_away);
	tcase_add_test(tc, bad_init);
	tcase_add_test(tc, persistence);
	tcase_add_test(tc, concurrent_access);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(flash_suite)
