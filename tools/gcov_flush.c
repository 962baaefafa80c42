// gcov_flush.so: preloaded into the tests by tools/coverage.sh, so that
// processes that never call exit(3) still hand in their coverage counters.
//
// gcc's instrumented code writes its .gcda files from exit(3)'s handlers, and
// the tests' forked children and daemons end with _exit(2) or replace
// themselves with execve(2), by design. This library wraps those calls to
// write the counters first (__gcov_dump, which writes the counters of every
// instrumented object in the process, main program and shared libraries
// alike), and zeroes a forked child's counters, so that what the parent had
// counted before the fork is not counted again by the child. It also writes
// them before the calls after which a daemon may no longer be able to:
// chroot(2) (the coverage directory is then out of its reach) and the
// set*id(2) calls that drop root. And since libgcov finds where to write in
// the environment (GCOV_PREFIX...) when it writes, which a daemon may have
// cleared by then, it puts those variables back for the time of the writing.
//
// Only calls made through the dynamic linker are wrapped: a statically linked
// test, and the _exit inside glibc (posix_spawn's child), are left alone. A
// process that does not contain gcov's runtime is left alone too.
// Built by tools/coverage.sh: gcc -shared -fPIC gcov_flush.c -lgcov.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <grp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// From gcc's libgcov, linked into this library. Every instrumented program
// and shared library has its own copy of libgcov too, all sharing one list
// of instrumented objects (__gcov_master) and one file being written
// (__gcov_var) when the program exports them (.bazelrc's --config=gcov does):
// otherwise this copy would find nothing to write, or merge the counters
// through another copy's file.
void __gcov_dump(void);
void __gcov_reset(void);

// libgcov's settings, as the process was started with them.
static const char* const kSettings[] = {"GCOV_PREFIX", "GCOV_PREFIX_STRIP",
                                        "GCOV_ERROR_FILE"};
enum { kSettingCount = sizeof kSettings / sizeof kSettings[0] };
static char* started_with[kSettingCount];
static int put_back[kSettingCount];

// Sets again the settings the process no longer has.
static void PutSettingsBack(void) {
  for (int i = 0; i < kSettingCount; ++i) {
    put_back[i] = started_with[i] != NULL && getenv(kSettings[i]) == NULL &&
                  setenv(kSettings[i], started_with[i], 1) == 0;
  }
}

// Leaves the environment as the program had made it.
static void TakeSettingsAway(void) {
  for (int i = 0; i < kSettingCount; ++i) {
    if (put_back[i]) unsetenv(kSettings[i]);
  }
}

static void Dump(void) {
  PutSettingsBack();
  __gcov_dump();
  TakeSettingsAway();
}

static void ResetInChild(void) { __gcov_reset(); }

__attribute__((constructor)) static void Install(void) {
  for (int i = 0; i < kSettingCount; ++i) {
    const char* value = getenv(kSettings[i]);
    if (value != NULL) started_with[i] = strdup(value);
  }
  pthread_atfork(NULL, NULL, ResetInChild);
  // Runs before the instrumented objects' own destructors write at exit(3).
  atexit(PutSettingsBack);
}

typedef void (*Exit)(int);
void _exit(int status) {
  Dump();
  ((Exit)dlsym(RTLD_NEXT, "_exit"))(status);
  __builtin_unreachable();
}

void _Exit(int status) { _exit(status); }

// Writes what was counted so far, then counts on from zero, to be written
// later (or lost) without counting anything twice.
static void DumpAndReset(void) {
  Dump();
  __gcov_reset();
}

typedef int (*OneId)(unsigned);
int setuid(uid_t uid) {
  DumpAndReset();
  return ((OneId)dlsym(RTLD_NEXT, "setuid"))(uid);
}

int setgid(gid_t gid) {
  DumpAndReset();
  return ((OneId)dlsym(RTLD_NEXT, "setgid"))(gid);
}

typedef int (*SetGroups)(size_t, const gid_t*);
int setgroups(size_t count, const gid_t* groups) {
  DumpAndReset();
  return ((SetGroups)dlsym(RTLD_NEXT, "setgroups"))(count, groups);
}

typedef int (*Chroot)(const char*);
int chroot(const char* path) {
  DumpAndReset();
  return ((Chroot)dlsym(RTLD_NEXT, "chroot"))(path);
}

// Each exec* that a test or the library calls: glibc's own calls between
// them do not go through the dynamic linker, so each is wrapped on its own.
#define REAL(name, type) ((type)dlsym(RTLD_NEXT, name))
typedef int (*ExecVe)(const char*, char* const[], char* const[]);
typedef int (*ExecV)(const char*, char* const[]);

int execve(const char* path, char* const argv[], char* const envp[]) {
  // Putting the settings back may have moved environ: pass where it is now.
  const int own = envp == environ;
  Dump();
  const int result = REAL("execve", ExecVe)(path, argv, own ? environ : envp);
  __gcov_reset();  // Still here: count on, to be written later.
  return result;
}

int execv(const char* path, char* const argv[]) {
  Dump();
  const int result = REAL("execv", ExecV)(path, argv);
  __gcov_reset();
  return result;
}

int execvp(const char* file, char* const argv[]) {
  Dump();
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
