/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Run a fuzz target's entry point once on every file named on the command
 * line (a corpus) and print the slowest input and its time, so a long run
 * can say how slow its worst input was. Built by build.sh as NAME-slowest,
 * without the sanitizers, so the time is the code's own.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double worst = -1, total = 0;
	const char *worst_name = NULL;
	size_t worst_size = 0;

	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		uint8_t *buf;
		long n;
		double t;

		if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) {
			perror(argv[i]);
			return 2;
		}
		rewind(f);
		buf = malloc((size_t)n + 1);
		if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
			return 2;
		fclose(f);
		t = now();
		LLVMFuzzerTestOneInput(buf, (size_t)n);
		t = now() - t;
		total += t;
		if (t > worst) {
			worst = t;
			worst_name = argv[i];
			worst_size = (size_t)n;
		}
		free(buf);
	}
	if (worst_name)
		printf("%d inputs, %.1f ms in all; slowest %.3f ms (%zu bytes): %s\n", argc - 1, total * 1e3,
		       worst * 1e3, worst_size, worst_name);
	return 0;
}
