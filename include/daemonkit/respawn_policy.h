// daemonkit::RespawnPolicy: when a supervisor restarts a service that failed,
// and when it gives up (`daemonize --respawn`).
//
// - The k-th failure in a row waits initial_delay * 2^(k-1), at most
//   max_delay: a service that crashes at once does not spin the machine, and
//   one that fails for a while (a database not up yet) still comes back soon.
// - The doubling starts again from initial_delay once an instance had been
//   ready for longer than max_delay before it failed: it was working, so this
//   failure is news, not the same crash again.
// - At most limit_starts starts within any limit_interval, counted at the
//   time the next start would happen (systemd's StartLimitBurst): past it,
//   restarting is hopeless and the supervisor gives up.
//
// Pure code: the caller passes the times (a fake clock in tests). With the
// defaults, an instance that crashes at once starts at 0, 0.1, 0.3, 0.7 and
// 1.5 s, then the supervisor gives up.
//
//   RespawnPolicy policy(options);
//   policy.Started(Now());
//   ... the instance fails ...
//   std::optional<absl::Duration> delay = policy.NextDelay(Now());
//   if (!delay.has_value()) GiveUp();
#ifndef DAEMONKIT_RESPAWN_POLICY_H_
#define DAEMONKIT_RESPAWN_POLICY_H_

#include <cstddef>
#include <optional>
#include <vector>

#include "absl/time/time.h"

namespace daemonkit {

struct RespawnOptions {
  absl::Duration initial_delay = absl::Milliseconds(100);
  absl::Duration max_delay = absl::Seconds(30);
  // At most `limit_starts` starts within any `limit_interval`; 0 (or less):
  // no limit.
  int limit_starts = 5;
  absl::Duration limit_interval = absl::Seconds(10);
};

// Whether an instance that ended with waitpid(2) status `wait_status` failed
// and is restarted: a non-zero exit, or killed by a signal other than
// SIGTERM, SIGINT, SIGHUP and SIGPIPE (those are how a service is asked to
// stop, and systemd too counts them as clean). Exit 0 is a clean end. A
// status that is not an end (stopped, continued) is not a failure.
bool EndedInFailure(int wait_status);

class RespawnPolicy {
 public:
  explicit RespawnPolicy(const RespawnOptions& options);

  // An instance started at `now` (the first one too: it counts in the limit).
  void Started(absl::Time now);

  // The current instance became ready at `now`.
  void Ready(absl::Time now);

  // The current instance failed at `now`: the delay before the next start,
  // or nullopt when starting it after that delay would pass the limit (the
  // supervisor gives up). Called once per failure.
  std::optional<absl::Duration> NextDelay(absl::Time now);

  // Instances started so far.
  int starts() const { return starts_; }

 private:
  bool PassesLimit(absl::Time next_start) const;

  RespawnOptions options_;
  // The delay the next failure waits, doubled after each one up to max_delay.
  absl::Duration delay_;
  std::optional<absl::Time> ready_since_;
  int starts_ = 0;
  // The last limit_starts start times, all the limit needs: grown with the
  // starts up to limit_starts, then overwritten oldest first, at `oldest_`.
  std::vector<absl::Time> recent_starts_;
  std::size_t oldest_ = 0;
};

}  // namespace daemonkit

#endif  // DAEMONKIT_RESPAWN_POLICY_H_
