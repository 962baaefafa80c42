// daemonkit::FaultInjectingOs: an Os decorator that makes a chosen call fail.
//
// It forwards every call to another Os (usually PosixOs, so the real kernel
// does the work) and can fail the Nth call overall, the Nth call of a kind
// ("the second Fork"), or the Nth call in one process, with a chosen errno. It
// records every call it sees. Its counters and record live in shared memory,
// lock-free, so they keep counting across fork: the launcher, the middle
// process and the daemon all report to the same decorator.
//
// Processes are numbered by how many forks through this decorator made them:
// 0 is the one that built it, 1 its child (Detach's middle process), 2 the
// child's child (the daemon). The order of calls within one process is
// repeatable; the interleaving of processes is not, so exact sweeps address a
// call by process and position.
#ifndef DAEMONKIT_MOCKS_FAULT_INJECTING_OS_H_
#define DAEMONKIT_MOCKS_FAULT_INJECTING_OS_H_

#include <atomic>
#include <optional>
#include <type_traits>
#include <vector>

#include "daemonkit/os.h"

namespace daemonkit {

class FaultInjectingOs : public Os {
 public:
  // One per Os method: kFork, kSetSid, ... (see os_call_list.h).
  enum class Call {
#define DAEMONKIT_OS_CALL(Result, Name, Parameters, Arguments) k##Name,
#include "daemonkit/os_call_list.h"
#undef DAEMONKIT_OS_CALL
  };
  static const char* Name(Call call);
  // Whether `call` can fail: it returns a SysCallResult. Umask, GetPid,
  // GetUid, GetGid, GetEnv and Exit cannot; a fault aimed at them never fires.
  static bool CanFail(Call call);

  // Which call fails, and how. Unset filters match every call.
  struct Fault {
    int nth = 1;  // 1-based, among the calls the filters match.
    int error = 0;
    std::optional<Call> call;
    std::optional<int> process;

    // The `nth` call of any kind fails with `error`.
    static Fault NthCall(int nth, int error) {
      Fault fault;
      fault.nth = nth;
      fault.error = error;
      return fault;
    }
    // The `nth` call of kind `call` fails with `error`.
    static Fault NthOf(Call call, int nth, int error) {
      Fault fault = NthCall(nth, error);
      fault.call = call;
      return fault;
    }
    // The same, counting only the calls of process `number`.
    Fault InProcess(int number) const {
      Fault fault = *this;
      fault.process = number;
      return fault;
    }
  };

  // A call as recorded.
  struct Record {
    int process;
    Call call;
  };

  // `target` must outlive the decorator.
  explicit FaultInjectingOs(Os& target);
  ~FaultInjectingOs() override;
  FaultInjectingOs(const FaultInjectingOs&) = delete;
  FaultInjectingOs& operator=(const FaultInjectingOs&) = delete;

  // Arms `fault` (replacing any other) and clears the record and counters.
  // Call it before the process forks.
  void Inject(const Fault& fault);
  // Whether the armed fault has fired, in any process.
  bool fired() const;
  // Every call seen so far, in every process, in order of arrival.
  std::vector<Record> calls() const;
  // This process's number (see above).
  int process() const { return process_; }

  // Every call is recorded, then failed or forwarded to the target.
#define DAEMONKIT_OS_CALL(Result, Name, Parameters, Arguments)       \
  Result Name Parameters override {                                  \
    return Dispatch<Result>(Call::k##Name,                           \
                            [&] { return target_.Name Arguments; }); \
  }
#include "daemonkit/os_call_list.h"
#undef DAEMONKIT_OS_CALL

 private:
  static constexpr int kRecordCapacity = 16384;

  // Shared between processes: a MAP_SHARED anonymous mapping.
  struct Shared {
    std::atomic<int> recorded;
    std::atomic<int> matched;
    std::atomic<bool> fired;
    Record records[kRecordCapacity];
  };
  static_assert(std::atomic<int>::is_always_lock_free,
                "counters are shared across fork without locks");

  // Records `call`; true when the armed fault fires on it.
  bool Intercept(Call call);

  // Records `call`, then either fails it with the fault's errno or runs
  // `forward`. A failed Close still closes, as close(2) releases the
  // descriptor even when it reports an error; a Fork that returns 0 moves
  // this copy of the decorator to the next process number.
  template <typename Result, typename Forward>
  Result Dispatch(Call call, Forward forward) {
    const bool fails = Intercept(call);
    if constexpr (IsSysCallResult<Result>::value) {
      if (fails) {
        if (call == Call::kClose) forward();
        return {-1, fault_.error};
      }
      const Result result = forward();
      if (call == Call::kFork && result.ok() && result.value == 0) ++process_;
      return result;
    } else {
      return forward();
    }
  }

  template <typename T>
  struct IsSysCallResult : std::false_type {};
  template <typename T>
  struct IsSysCallResult<SysCallResult<T>> : std::true_type {};

  Os& target_;
  Shared* shared_;
  Fault fault_;
  int process_ = 0;
};

}  // namespace daemonkit

#endif  // DAEMONKIT_MOCKS_FAULT_INJECTING_OS_H_
