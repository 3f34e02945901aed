// SPDX-License-Identifier: GPL-2.0
/*
 * lis/os.h for userspace: what the portable cores get from the "OS" when they
 * run in the unit tests.  Memory shared with the simulated host is 4 KiB
 * aligned heap memory whose guest-physical address is its own address
 * (hostsim's in-process backend maps GPAs the same way).  Log lines are kept
 * so tests can assert that a malformed input was reported.
 */
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <time.h>
#include <lis/os.h>
#include "port_user.h"

bool port_fail_next_alloc_pages;

void *lis_zalloc(size_t size)
{
	return calloc(1, size ? size : 1);
}

void lis_free(void *p)
{
	free(p);
}

void *lis_alloc_pages(u32 npages)
{
	size_t bytes = (size_t)npages * LIS_HV_PAGE_SIZE;
	void *p;

	if (!npages || port_fail_next_alloc_pages) {
		port_fail_next_alloc_pages = false;
		return NULL;
	}
	p = aligned_alloc(LIS_HV_PAGE_SIZE, bytes);
	if (p)
		memset(p, 0, bytes);
	return p;
}

void lis_free_pages(void *va, u32 npages)
{
	(void)npages;
	free(va);
}

u64 lis_page_gpa(const void *va)
{
	return (u64)(uintptr_t)va;
}

void lis_completion_init(lis_completion_t *c)
{
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	c->done = 0;
}

void lis_completion_reinit(lis_completion_t *c)
{
	pthread_mutex_lock(&c->lock);
	c->done = 0;
	pthread_mutex_unlock(&c->lock);
}

void lis_complete(lis_completion_t *c)
{
	pthread_mutex_lock(&c->lock);
	c->done++;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

int lis_wait(lis_completion_t *c, u32 timeout_ms)
{
	struct timespec ts;
	int ret = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&c->lock);
	while (!c->done && ret == 0)
		ret = pthread_cond_timedwait(&c->cond, &c->lock, &ts);
	if (c->done) {
		c->done--;
		ret = 0;
	} else {
		ret = -ETIMEDOUT;
	}
	pthread_mutex_unlock(&c->lock);
	return ret;
}

u64 lis_time_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000 + (u64)ts.tv_nsec / 1000000;
}

void lis_msleep(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

void lis_udelay(unsigned int us)
{
	struct timespec ts = { us / 1000000, (long)(us % 1000000) * 1000L };

	nanosleep(&ts, NULL);
}

/* ---- log capture ---- */

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_buf[1 << 16];
static size_t log_len;

void lis_log(int level, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (getenv("LIS_TEST_VERBOSE") || level <= LIS_LOG_WARN)
		fprintf(stderr, "    [log %d] %s", level, line);
	pthread_mutex_lock(&log_lock);
	if (log_len + strlen(line) + 1 < sizeof(log_buf)) {
		memcpy(log_buf + log_len, line, strlen(line));
		log_len += strlen(line);
		log_buf[log_len] = '\0';
	}
	pthread_mutex_unlock(&log_lock);
}

void port_log_clear(void)
{
	pthread_mutex_lock(&log_lock);
	log_len = 0;
	log_buf[0] = '\0';
	pthread_mutex_unlock(&log_lock);
}

bool port_log_contains(const char *needle)
{
	bool found;

	pthread_mutex_lock(&log_lock);
	found = strstr(log_buf, needle) != NULL;
	pthread_mutex_unlock(&log_lock);
	return found;
}
