/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lis/port.h: the only header a portable core includes for its environment.
 *
 * A core (protocol logic, state machines, ring buffers) is compiled both into
 * a kernel module and into the userspace unit tests.  This header gives it the
 * few primitives that must be inline to be correct or cheap — fixed-width
 * types, byte order, memory barriers, atomics, a spinlock and memcpy —
 * mapped to the kernel or to libc.  Everything else (memory, waiting,
 * deferred work, time, logging, the hypervisor) goes through ops tables.
 */
#ifndef LIS_PORT_H
#define LIS_PORT_H

#ifdef __KERNEL__

#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/errno.h>
#include <linux/compiler.h>
#include <linux/build_bug.h>
#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/spinlock.h>
#include <asm/byteorder.h>
#include <asm/barrier.h>

#define lis_mb()		smp_mb()
#define lis_rmb()		smp_rmb()
#define lis_wmb()		smp_wmb()
#define LIS_READ_ONCE(x)	READ_ONCE(x)
#define LIS_WRITE_ONCE(x, v)	WRITE_ONCE(x, v)
/* ordered after every earlier load and store of this CPU */
#define LIS_STORE_RELEASE(x, v)	smp_store_release(&(x), v)

typedef spinlock_t lis_spinlock_t;
#define lis_spin_init(l)		spin_lock_init(l)
#define lis_spin_lock(l, flags)		spin_lock_irqsave(l, flags)
#define lis_spin_unlock(l, flags)	spin_unlock_irqrestore(l, flags)

/* 32-bit compare-and-exchange, returns the old value */
#define lis_cmpxchg32(p, old, new)	cmpxchg(p, old, new)
#define lis_xchg32(p, v)		xchg(p, v)

/* bit operations on unsigned long arrays; atomic */
#define LIS_BITS_PER_ULONG			BITS_PER_LONG
#define lis_test_and_clear_bit(nr, addr)	test_and_clear_bit(nr, addr)
#define lis_set_bit(nr, addr)			set_bit(nr, addr)

#define lis_likely(x)		likely(x)
#define lis_unlikely(x)		unlikely(x)
#define LIS_STATIC_ASSERT(e, msg)	BUILD_BUG_ON_MSG(!(e), msg)

#else /* userspace */

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <string.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <endian.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
typedef u16 __le16;
typedef u32 __le32;
typedef u64 __le64;

#ifndef __packed
#define __packed		__attribute__((packed))
#endif
#ifndef __aligned
#define __aligned(x)		__attribute__((aligned(x)))
#endif
#define __maybe_unused		__attribute__((unused))

#if __BYTE_ORDER != __LITTLE_ENDIAN
#error "LIS userspace builds assume a little-endian host"
#endif
#define cpu_to_le16(x)		((u16)(x))
#define cpu_to_le32(x)		((u32)(x))
#define cpu_to_le64(x)		((u64)(x))
#define le16_to_cpu(x)		((u16)(x))
#define le32_to_cpu(x)		((u32)(x))
#define le64_to_cpu(x)		((u64)(x))

#define lis_mb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define lis_rmb()		__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define lis_wmb()		__atomic_thread_fence(__ATOMIC_RELEASE)
#define LIS_READ_ONCE(x)	__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define LIS_WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define LIS_STORE_RELEASE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELEASE)

/* a real spinlock, as in the kernel: short critical sections only */
typedef struct {
	int locked;
} lis_spinlock_t;

static inline void lis_spin_init(lis_spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

static inline void lis_spin_acquire(lis_spinlock_t *l)
{
	unsigned int spins = 0;

	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED)) {
			/* a preempted holder: let it run (threads are not CPUs) */
			if (++spins % 128 == 0)
				sched_yield();
			else
				__builtin_ia32_pause();
		}
	}
}

#define lis_spin_lock(l, flags)		do { (void)(flags); lis_spin_acquire(l); } while (0)
#define lis_spin_unlock(l, flags)	do { (void)(flags); \
	__atomic_store_n(&(l)->locked, 0, __ATOMIC_RELEASE); } while (0)

static inline u32 lis_cmpxchg32(u32 *p, u32 old, u32 new_val)
{
	__atomic_compare_exchange_n(p, &old, new_val, false,
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	return old;
}
#define lis_xchg32(p, v)	__atomic_exchange_n(p, v, __ATOMIC_SEQ_CST)

#define LIS_BITS_PER_ULONG	(8 * sizeof(unsigned long))
static inline bool lis_test_and_clear_bit(unsigned int nr, unsigned long *addr)
{
	unsigned long mask = 1UL << (nr % LIS_BITS_PER_ULONG);
	unsigned long old = __atomic_fetch_and(&addr[nr / LIS_BITS_PER_ULONG],
					       ~mask, __ATOMIC_SEQ_CST);
	return (old & mask) != 0;
}

static inline void lis_set_bit(unsigned int nr, unsigned long *addr)
{
	unsigned long mask = 1UL << (nr % LIS_BITS_PER_ULONG);

	__atomic_fetch_or(&addr[nr / LIS_BITS_PER_ULONG], mask, __ATOMIC_SEQ_CST);
}

#define lis_likely(x)		__builtin_expect(!!(x), 1)
#define lis_unlikely(x)		__builtin_expect(!!(x), 0)
#define LIS_STATIC_ASSERT(e, msg)	_Static_assert(e, msg)

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif
#ifndef min_t
#define min_t(t, a, b)		((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b)		((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#endif
#ifndef container_of
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#endif

#endif /* __KERNEL__ */

/* Hyper-V pages are 4 KiB whatever the guest's page size */
#define LIS_HV_PAGE_SHIFT	12
#define LIS_HV_PAGE_SIZE	(1u << LIS_HV_PAGE_SHIFT)
#define LIS_HV_PAGE_MASK	(LIS_HV_PAGE_SIZE - 1)

/* round up to a multiple of a power of two */
#define LIS_ALIGN_UP(x, a)	(((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))

/* compile-time structure size check, usable at file scope */
#define LIS_ASSERT_SIZE(type, size)					\
	_Static_assert(sizeof(type) == (size), #type " must be " #size " bytes")
#define LIS_ASSERT_OFFSET(type, field, off)				\
	_Static_assert(offsetof(type, field) == (off),			\
		       #type "." #field " must be at offset " #off)

#endif /* LIS_PORT_H */
