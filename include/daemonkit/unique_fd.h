// daemonkit::UniqueFd: a descriptor with one owner, closed once, through Os.
//
// Move-only, like std::unique_ptr: moving hands the descriptor over, and the
// owner closes it when it goes (or at reset()). It closes through the Os it
// was given, so mocks and decorators see every close. It allocates nothing,
// so it is safe between fork and exec. A close is never retried: close(2)
// releases the descriptor even when it reports an error.
#ifndef DAEMONKIT_UNIQUE_FD_H_
#define DAEMONKIT_UNIQUE_FD_H_

#include <utility>

#include "daemonkit/os.h"

namespace daemonkit {

class UniqueFd {
 public:
  UniqueFd() = default;
  // Owns `fd` (none when negative); `os` must outlive it.
  UniqueFd(Os& os, int fd) : os_(&os), fd_(fd) {}

  UniqueFd(UniqueFd&& other) noexcept : os_(other.os_), fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      reset();
      os_ = other.os_;
      fd_ = other.release();
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

  // Closes the descriptor now, if there is one.
  void reset() {
    if (fd_ >= 0) os_->Close(std::exchange(fd_, -1));
  }
  // Gives the descriptor up unclosed: someone else closed or owns it now.
  int release() { return std::exchange(fd_, -1); }

 private:
  Os* os_ = nullptr;
  int fd_ = -1;
};

}  // namespace daemonkit

#endif  // DAEMONKIT_UNIQUE_FD_H_
