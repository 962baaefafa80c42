// Checking that an Os decorator passes a call on unchanged: every argument,
// in order, to its target, and the target's result back. Tests expand
// os_call_list.h into one check per call, so a call added to the list is
// checked too:
//
//   StrictMock<MockOs> target;
//   OsWrapper wrapper(target);
//   const auto sent = DistinctArguments(&Os::Chdir);
//   EXPECT_CALL(target, Chdir)
//       .WillOnce(ReturnsIfCalledWith<SysCallIntResult>(sent));
//   CallAndExpectTargetsResult(wrapper, &Os::Chdir, sent);
#ifndef DAEMONKIT_TESTS_SUPPORT_FORWARDED_CALL_H_
#define DAEMONKIT_TESTS_SUPPORT_FORWARDED_CALL_H_

#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

#include "daemonkit/os.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace daemonkit::test {

template <typename T>
struct IsSysCallResult : std::false_type {};
template <typename T>
struct IsSysCallResult<SysCallResult<T>> : std::true_type {};

// Zeroed memory that pointer arguments point into, a slot per argument, so
// that no two pointers are equal and printing a `const char*` one is safe.
// Nothing reads or writes through them.
inline char* ArgumentStorage(size_t index) {
  alignas(std::max_align_t) static char storage[8][256] = {};
  return storage[index];
}

// A value of type T for argument `index`, different from every other
// argument's and from a value-initialized T.
template <typename T>
T DistinctValue(size_t index) {
  if constexpr (std::is_pointer_v<T>) {
    return static_cast<T>(static_cast<void*>(ArgumentStorage(index)));
  } else {
    return static_cast<T>(100 + index);
  }
}

template <typename Result, typename... Args, size_t... Index>
std::tuple<Args...> DistinctArgumentsImpl(std::index_sequence<Index...>) {
  return std::tuple<Args...>(DistinctValue<Args>(Index)...);
}

// Arguments for the Os method `method`, each distinct.
template <typename Result, typename... Args>
std::tuple<Args...> DistinctArguments(Result (Os::*)(Args...)) {
  return DistinctArgumentsImpl<Result, Args...>(
      std::index_sequence_for<Args...>());
}

// What a target returns, unlike anything a decorator would make up: a
// success with an unusual value, or an unusual value.
template <typename Result>
Result TargetsResult() {
  if constexpr (IsSysCallResult<Result>::value) {
    return {4242, 0};
  } else if constexpr (std::is_pointer_v<Result>) {
    static const char kValue[] = "the target's value";
    return kValue;
  } else if constexpr (!std::is_void_v<Result>) {
    return static_cast<Result>(4242);
  }
}

// A MockOs action: checks that the call's arguments are `sent`, then
// returns TargetsResult<Result>().
template <typename Result, typename... Args>
auto ReturnsIfCalledWith(std::tuple<Args...> sent) {
  return ::testing::Invoke([sent](Args... received) -> Result {
    EXPECT_EQ(std::make_tuple(received...), sent)
        << "the arguments were not passed on unchanged, in order";
    return TargetsResult<Result>();
  });
}

// Calls `method` of `os` with `arguments`.
template <typename Result, typename... Args>
Result CallWith(Os& os, Result (Os::*method)(Args...),
                const std::tuple<Args...>& arguments) {
  return std::apply(
      [&](Args... unpacked) -> Result { return (os.*method)(unpacked...); },
      arguments);
}

// Calls `method` of `os` with `arguments` and expects TargetsResult back
// (nothing, from a void method).
template <typename Result, typename... Args>
void CallAndExpectTargetsResult(Os& os, Result (Os::*method)(Args...),
                                const std::tuple<Args...>& arguments) {
  if constexpr (std::is_void_v<Result>) {
    CallWith(os, method, arguments);
  } else {
    const Result result = CallWith(os, method, arguments);
    if constexpr (IsSysCallResult<Result>::value) {
      EXPECT_EQ(result.value, TargetsResult<Result>().value);
      EXPECT_EQ(result.error, TargetsResult<Result>().error);
    } else {
      EXPECT_EQ(result, TargetsResult<Result>());
    }
  }
}

}  // namespace daemonkit::test

#endif  // DAEMONKIT_TESTS_SUPPORT_FORWARDED_CALL_H_
