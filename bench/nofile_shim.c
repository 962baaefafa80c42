/* LD_PRELOAD shim: reports an RLIMIT_NOFILE of 1,048,576 (what hosts under
 * systemd 256+ often have) where this machine cannot set it. A close() above
 * the real limit fails with EBADF at the same cost as one within it, so a
 * program that loops over every possible descriptor pays as it would there. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/resource.h>
#include <unistd.h>

static const rlim_t kSimulated = 1048576;

int getrlimit(__rlimit_resource_t resource, struct rlimit* limit) {
  static int (*real)(__rlimit_resource_t, struct rlimit*);
  if (real == NULL) real = dlsym(RTLD_NEXT, "getrlimit");
  const int result = real(resource, limit);
  if (result == 0 && resource == RLIMIT_NOFILE) {
    limit->rlim_cur = limit->rlim_max = kSimulated;
  }
  return result;
}

int prlimit(pid_t pid, __rlimit_resource_t resource,
            const struct rlimit* new_limit, struct rlimit* old_limit) {
  static int (*real)(pid_t, __rlimit_resource_t, const struct rlimit*,
                     struct rlimit*);
  if (real == NULL) real = dlsym(RTLD_NEXT, "prlimit");
  const int result = real(pid, resource, new_limit, old_limit);
  if (result == 0 && resource == RLIMIT_NOFILE && old_limit != NULL) {
    old_limit->rlim_cur = old_limit->rlim_max = kSimulated;
  }
  return result;
}

long sysconf(int name) {
  static long (*real)(int);
  if (real == NULL) real = dlsym(RTLD_NEXT, "sysconf");
  return name == _SC_OPEN_MAX ? (long)kSimulated : real(name);
}

int getdtablesize(void) { return (int)kSimulated; }

/* The 64-bit names some programs link against. */
int getrlimit64(__rlimit_resource_t resource, struct rlimit64* limit) {
  return getrlimit(resource, (struct rlimit*)limit);
}

int prlimit64(pid_t pid, __rlimit_resource_t resource,
              const struct rlimit64* new_limit, struct rlimit64* old_limit) {
  return prlimit(pid, resource, (const struct rlimit*)new_limit,
                 (struct rlimit*)old_limit);
}
