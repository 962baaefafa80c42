#include "daemonkit/respawn_policy.h"

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <limits>

namespace daemonkit {

bool EndedInFailure(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status) != 0;
  if (!WIFSIGNALED(wait_status)) return false;
  switch (WTERMSIG(wait_status)) {
    case SIGTERM:
    case SIGINT:
    case SIGHUP:
    case SIGPIPE:
      return false;
    default:
      return true;
  }
}

RespawnPolicy::RespawnPolicy(const RespawnOptions& options)
    : options_(options), delay_(options.initial_delay) {}

void RespawnPolicy::Started(absl::Time now) {
  ready_since_.reset();
  // Saturates: with no limit, a service may be restarted for years.
  if (starts_ < std::numeric_limits<int>::max()) ++starts_;
  if (options_.limit_starts <= 0) return;
  if (recent_starts_.size() < static_cast<std::size_t>(options_.limit_starts)) {
    recent_starts_.push_back(now);
    return;
  }
  recent_starts_[oldest_] = now;
  oldest_ = (oldest_ + 1) % recent_starts_.size();
}

void RespawnPolicy::Ready(absl::Time now) {
  // The first notice counts: a second READY=1 does not make it younger.
  if (!ready_since_.has_value()) ready_since_ = now;
}

std::optional<absl::Duration> RespawnPolicy::NextDelay(absl::Time now) {
  if (ready_since_.has_value() && now - *ready_since_ > options_.max_delay) {
    delay_ = options_.initial_delay;
  }
  const absl::Duration delay = std::min(delay_, options_.max_delay);
  // Capped before it can grow: no overflow however many failures follow.
  delay_ = std::min(delay * 2, options_.max_delay);
  if (PassesLimit(now + delay)) return std::nullopt;
  return delay;
}

// Start times only grow, so all the recorded ones are at or before
// `next_start`: the limit is passed when the oldest of the last limit_starts
// is still within the interval that ends at `next_start`.
bool RespawnPolicy::PassesLimit(absl::Time next_start) const {
  if (options_.limit_starts <= 0 ||
      recent_starts_.size() < static_cast<std::size_t>(options_.limit_starts)) {
    return false;
  }
  return recent_starts_[oldest_] > next_start - options_.limit_interval;
}

}  // namespace daemonkit
