#include "mocks/fault_injecting_os.h"

#include <sys/mman.h>

#include <cstdlib>
#include <new>
#include <type_traits>

namespace daemonkit {

static_assert(!std::is_abstract_v<FaultInjectingOs>,
              "every Os call is counted and can be failed");

const char* FaultInjectingOs::Name(Call call) {
  switch (call) {
#define DAEMONKIT_OS_CALL(Result, Name, Parameters, Arguments) \
  case Call::k##Name:                                          \
    return #Name;
#include "daemonkit/os_call_list.h"
#undef DAEMONKIT_OS_CALL
  }
  return "?";
}

bool FaultInjectingOs::CanFail(Call call) {
  switch (call) {
#define DAEMONKIT_OS_CALL(Result, Name, Parameters, Arguments) \
  case Call::k##Name:                                          \
    return IsSysCallResult<Result>::value;
#include "daemonkit/os_call_list.h"
#undef DAEMONKIT_OS_CALL
  }
  return false;
}

FaultInjectingOs::FaultInjectingOs(Os& target) : target_(target) {
  void* memory = mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) std::abort();  // A test double: no way to go on.
  shared_ = new (memory) Shared();
}

FaultInjectingOs::~FaultInjectingOs() {
  shared_->~Shared();
  munmap(shared_, sizeof(Shared));
}

void FaultInjectingOs::Inject(const Fault& fault) {
  fault_ = fault;
  shared_->recorded = 0;
  shared_->matched = 0;
  shared_->fired = false;
}

bool FaultInjectingOs::fired() const { return shared_->fired; }

std::vector<FaultInjectingOs::Record> FaultInjectingOs::calls() const {
  const int count = std::min<int>(shared_->recorded, kRecordCapacity);
  return std::vector<Record>(shared_->records, shared_->records + count);
}

bool FaultInjectingOs::Intercept(Call call) {
  const int slot = shared_->recorded.fetch_add(1);
  if (slot < kRecordCapacity) shared_->records[slot] = {process_, call};
  if (fault_.error == 0 || !CanFail(call)) return false;
  if (fault_.call.has_value() && *fault_.call != call) return false;
  if (fault_.process.has_value() && *fault_.process != process_) return false;
  if (shared_->matched.fetch_add(1) + 1 != fault_.nth) return false;
  shared_->fired = true;
  return true;
}

}  // namespace daemonkit
