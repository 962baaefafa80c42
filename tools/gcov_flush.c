// gcov_flush.so: preloaded into the tests by tools/coverage.sh, so that
// processes that never call exit(3) still hand in their coverage counters.
//
// gcc's instrumented code writes its .gcda files from exit(3)'s handlers, and
// the tests' forked children and daemons end with _exit(2) or replace
// themselves with execve(2), by design. This library wraps those calls to
// write the counters first (__gcov_dump, which writes the counters of every
// instrumented object in the process, main program and shared libraries
// alike), and zeroes a forked child's counters, so that what the parent had
// counted before the fork is not counted again by the child.
//
// Only calls made through the dynamic linker are wrapped: a statically linked
// test, and the _exit inside glibc (posix_spawn's child), are left alone. A
// process that does not contain gcov's runtime is left alone too.
// Built by tools/coverage.sh: gcc -shared -fPIC gcov_flush.c -lgcov.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

// From gcc's libgcov, linked into this library. Every instrumented program
// and shared library has its own copy of libgcov too, all sharing one list
// of instrumented objects (__gcov_master) and one file being written
// (__gcov_var) when the program exports them (.bazelrc's --config=gcov does):
// otherwise this copy would find nothing to write, or merge the counters
// through another copy's file.
void __gcov_dump(void);
void __gcov_reset(void);

static void ResetInChild(void) { __gcov_reset(); }

__attribute__((constructor)) static void Install(void) {
  pthread_atfork(NULL, NULL, ResetInChild);
}

typedef void (*Exit)(int);
void _exit(int status) {
  __gcov_dump();
  ((Exit)dlsym(RTLD_NEXT, "_exit"))(status);
  __builtin_unreachable();
}

void _Exit(int status) { _exit(status); }

// Each exec* that a test or the library calls: glibc's own calls between
// them do not go through the dynamic linker, so each is wrapped on its own.
#define REAL(name, type) ((type)dlsym(RTLD_NEXT, name))
typedef int (*ExecVe)(const char*, char* const[], char* const[]);
typedef int (*ExecV)(const char*, char* const[]);

int execve(const char* path, char* const argv[], char* const envp[]) {
  __gcov_dump();
  const int result = REAL("execve", ExecVe)(path, argv, envp);
  __gcov_reset();  // Still here: count on, to be written later.
  return result;
}

int execv(const char* path, char* const argv[]) {
  __gcov_dump();
  const int result = REAL("execv", ExecV)(path, argv);
  __gcov_reset();
  return result;
}

int execvp(const char* file, char* const argv[]) {
  __gcov_dump();
  const int result = REAL("execvp", ExecV)(file, argv);
  __gcov_reset();
  return result;
}

int execl(const char* path, const char* arg, ...) {
  const char* argv[256] = {arg};
  va_list args;
  va_start(args, arg);
  for (int i = 1; argv[i - 1] != NULL && i < 255; ++i) {
    argv[i] = va_arg(args, const char*);
  }
  va_end(args);
  return execv(path, (char* const*)argv);
}
