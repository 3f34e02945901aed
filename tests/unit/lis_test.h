/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal test harness for the userspace unit tests: LIS_TEST(name) defines
 * a test; main() (LIS_TEST_MAIN) runs them all, or those named on the command
 * line, and prints one "PASS unit:<prog>:<test>" or "FAIL ..." line each —
 * the format tests/check.sh counts.  A failed EXPECT marks the test failed
 * and goes on; ASSERT returns from the test.
 */
#ifndef LIS_TEST_H
#define LIS_TEST_H

#include <stdio.h>
#include <string.h>

struct lis_test {
	const char *name;
	void (*fn)(void);
};

extern int lis_test_failed;

#define LIS_TEST(name)							\
	static void test_##name(void);					\
	static const struct lis_test lis_test_rec_##name		\
		__attribute__((used, section("lis_tests"), aligned(8))) = { #name, test_##name }; \
	static void test_##name(void)

#define EXPECT(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "    %s:%d: expected %s\n", __FILE__, __LINE__, #cond); \
		lis_test_failed = 1;					\
	}								\
} while (0)

#define ASSERT(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "    %s:%d: required %s\n", __FILE__, __LINE__, #cond); \
		lis_test_failed = 1;					\
		return;							\
	}								\
} while (0)

#define EXPECT_EQ(a, b) do {						\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (_a != _b) {							\
		fprintf(stderr, "    %s:%d: %s == %lld, expected %s == %lld\n", \
			__FILE__, __LINE__, #a, _a, #b, _b);		\
		lis_test_failed = 1;					\
	}								\
} while (0)

extern const struct lis_test __start_lis_tests[];
extern const struct lis_test __stop_lis_tests[];

#define LIS_TEST_MAIN(prog)						\
int lis_test_failed;							\
int main(int argc, char **argv)						\
{									\
	const struct lis_test *t;					\
	int failures = 0, i, run;					\
									\
	for (t = __start_lis_tests; t < __stop_lis_tests; t++) {	\
		run = argc < 2;						\
		for (i = 1; i < argc; i++)				\
			if (!strcmp(argv[i], t->name))			\
				run = 1;				\
		if (!run)						\
			continue;					\
		lis_test_failed = 0;					\
		t->fn();						\
		printf("%s unit:%s:%s%s\n", lis_test_failed ? "FAIL" : "PASS", prog, \
		       t->name, lis_test_failed ? ": see the lines above" : ""); \
		fflush(stdout);						\
		failures += lis_test_failed;				\
	}								\
	return failures ? 1 : 0;					\
}

#endif
