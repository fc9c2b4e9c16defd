/* SPDX-License-Identifier: Apache-2.0 */
/*
 * uml-xstate-shim.c - LD_PRELOAD shim that lets Debian 12's linux.uml
 * (6.1) run on hosts whose CPUs have large XSAVE state (e.g. Intel AMX).
 *
 * UML saves and restores the FPU state of its guest processes with
 * ptrace(PTRACE_GETREGSET/PTRACE_SETREGSET, NT_X86_XSTATE) using a buffer
 * of a fixed size (2696 bytes in this build).  The host kernel only
 * accepts PTRACE_SETREGSET with a buffer of exactly its full user XSAVE
 * size, which is larger when the CPU has AMX (tile data), so every
 * SETREGSET fails with EFAULT and UML panics at its first guest process:
 * "userspace - ptrace set fp regs failed, errno = 14".
 *
 * This shim passes ptrace() through unchanged until such a SETREGSET fails
 * with EFAULT.  From then on it reads the full XSAVE area itself
 * (GETREGSET), hands UML the part UML asked for, and on SETREGSET writes
 * UML's part over the full area that it read from the same process
 * before, then sets the full area.  The state beyond UML's buffer is the
 * host process's own (UML does not manage it anyway).
 *
 * Built and preloaded by uml-run.sh (into its run dir); not installed.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/uio.h>

#define FULL_MAX (64 * 1024)

typedef long (*ptrace_fn)(enum __ptrace_request, pid_t, void *, void *);

static ptrace_fn real_ptrace;
static int merge_mode;
static __thread unsigned char *full_buf;
static __thread size_t full_len;
static __thread pid_t full_pid;

static int read_full(pid_t pid)
{
	struct iovec iov;

	if (!full_buf) {
		full_buf = malloc(FULL_MAX);
		if (!full_buf) {
			errno = ENOMEM;
			return -1;
		}
	}
	iov.iov_base = full_buf;
	iov.iov_len = FULL_MAX;
	full_pid = 0;
	if (real_ptrace(PTRACE_GETREGSET, pid, (void *)NT_X86_XSTATE, &iov) < 0)
		return -1;
	full_len = iov.iov_len;
	full_pid = pid;
	return 0;
}

long ptrace(enum __ptrace_request req, ...)
{
	va_list ap;
	pid_t pid;
	void *addr, *data;
	struct iovec *uiov, iov;
	size_t n;
	long r;

	va_start(ap, req);
	pid = va_arg(ap, pid_t);
	addr = va_arg(ap, void *);
	data = va_arg(ap, void *);
	va_end(ap);

	if (!real_ptrace) {
		real_ptrace = (ptrace_fn)dlsym(RTLD_NEXT, "ptrace");
		if (!real_ptrace) {
			errno = ENOSYS;
			return -1;
		}
	}
	if ((long)addr != NT_X86_XSTATE ||
	    (req != PTRACE_GETREGSET && req != PTRACE_SETREGSET))
		return real_ptrace(req, pid, addr, data);

	uiov = data;
	if (req == PTRACE_GETREGSET) {
		if (!merge_mode)
			return real_ptrace(req, pid, addr, data);
		if (read_full(pid) < 0)
			return -1;
		n = uiov->iov_len < full_len ? uiov->iov_len : full_len;
		memcpy(uiov->iov_base, full_buf, n);
		uiov->iov_len = n;
		return 0;
	}

	/* PTRACE_SETREGSET */
	if (!merge_mode) {
		r = real_ptrace(req, pid, addr, data);
		if (r == 0 || errno != EFAULT)
			return r;
		merge_mode = 1;
	}
	if (full_pid != pid && read_full(pid) < 0)
		return -1;
	if (uiov->iov_len >= full_len)
		return real_ptrace(req, pid, addr, data);
	memcpy(full_buf, uiov->iov_base, uiov->iov_len);
	iov.iov_base = full_buf;
	iov.iov_len = full_len;
	r = real_ptrace(req, pid, addr, &iov);
	full_pid = 0;	/* the process runs next: re-read before the next set */
	return r;
}
