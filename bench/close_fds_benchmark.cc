// Closing a daemon's inherited descriptors three ways, at several values of
// RLIMIT_NOFILE: close_range(2) over the gaps between kept descriptors, the
// list in /proc/self/fd, and one close(2) per possible descriptor. The last is
// what peers that loop pay; its cost grows with the limit, the others' do not.
//
//   bazel run -c opt //bench:close_fds_benchmark

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "benchmark/benchmark.h"
#include "daemonkit/os_wrapper.h"
#include "daemonkit/posix_os.h"
#include "src/close_fds.h"

namespace daemonkit {
namespace {

// A kernel without close_range(2): the /proc/self/fd path.
class WithoutCloseRange : public OsWrapper {
 public:
  using OsWrapper::OsWrapper;
  SysCallIntResult CloseRange(unsigned, unsigned, int) override {
    return {-1, ENOSYS};
  }
};

// Neither close_range(2) nor /proc: the loop.
class WithoutCloseRangeOrProc : public WithoutCloseRange {
 public:
  using WithoutCloseRange::WithoutCloseRange;
  SysCallIntResult Open(const char* path, int flags, mode_t mode) override {
    if (strcmp(path, "/proc/self/fd") == 0) return {-1, ENOENT};
    return OsWrapper::Open(path, flags, mode);
  }
};

// What a launcher typically leaves open: a dozen and a half descriptors.
constexpr int kInherited = 16;

void CloseAll(benchmark::State& state, Os& os) {
  struct rlimit limit;
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = std::min<rlim_t>(state.range(0), limit.rlim_max);
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    state.SkipWithError("cannot set RLIMIT_NOFILE");
    return;
  }
  for (auto _ : state) {
    state.PauseTiming();
    for (int i = 0; i < kInherited; ++i) {
      if (open("/dev/null", O_RDONLY) < 0) state.SkipWithError("open failed");
    }
    state.ResumeTiming();
    if (!internal::CloseInheritedFds(os, {}).ok()) {
      state.SkipWithError("closing failed");
    }
  }
  state.counters["limit"] = static_cast<double>(limit.rlim_cur);
}

void BM_CloseRange(benchmark::State& state) {
  CloseAll(state, PosixOs::Default());
}

void BM_ProcSelfFd(benchmark::State& state) {
  WithoutCloseRange os(PosixOs::Default());
  CloseAll(state, os);
}

void BM_LoopToLimit(benchmark::State& state) {
  WithoutCloseRangeOrProc os(PosixOs::Default());
  CloseAll(state, os);
}

BENCHMARK(BM_CloseRange)->Arg(1024)->Arg(20000);
BENCHMARK(BM_ProcSelfFd)->Arg(1024)->Arg(20000);
BENCHMARK(BM_LoopToLimit)->Arg(1024)->Arg(20000);

}  // namespace
}  // namespace daemonkit
