// daemonkit::MockOs: a gMock Os for tests of code that makes system calls.
//
// Derived from the pure interface, so an unexpected call never reaches the
// kernel. SysCallSuccess/SysCallFailure build results; a failure always names
// its errno explicitly.
#ifndef DAEMONKIT_MOCKS_MOCK_OS_H_
#define DAEMONKIT_MOCKS_MOCK_OS_H_

#include "daemonkit/os.h"
#include "gmock/gmock.h"

namespace daemonkit {

class MockOs : public Os {
 public:
  // Defined in mock_os.cc, as gMock's cookbook advises for a large mock:
  // the vtable and every method's mocker are then compiled once, there,
  // rather than in each test that includes this.
  MockOs();
  ~MockOs() override;

#define DAEMONKIT_OS_CALL(Result, Name, Parameters, Arguments) \
  MOCK_METHOD(Result, Name, Parameters, (override));
#include "daemonkit/os_call_list.h"
#undef DAEMONKIT_OS_CALL
};

// A successful int-returning call that returned `value`.
inline SysCallIntResult SysCallSuccess(int value = 0) { return {value, 0}; }

// A failed call that set errno to `error`.
inline SysCallIntResult SysCallFailure(int error) { return {-1, error}; }

}  // namespace daemonkit

#endif  // DAEMONKIT_MOCKS_MOCK_OS_H_
