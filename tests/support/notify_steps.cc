// A COMMAND for the sd_notify tests of `daemonize --ready=notify`: runs its
// arguments as steps, in order, and exits 0 after the last one.
//
//   send:TEXT      sends TEXT (a literal two-character "\n" is a newline) to
//                  $NOTIFY_SOCKET, a path or an abstract "@name"
//   sleep:MS       sleeps MS milliseconds
//   barrier        sd_notify_barrier(3), done by hand: sends "BARRIER=1" with
//                  a pipe's write end (SCM_RIGHTS), closes its own copy, and
//                  waits up to 5 s for the read end to hang up, which it does
//                  once the receiver closed what it got
//   ping:MS        sends WATCHDOG=1 every MS milliseconds, forever
//   repeat:MS:TEXT sends TEXT (as send: does) every MS milliseconds, forever;
//                  with 0, as fast as it can (a flood)
//   env:NAME:FILE  writes the value of NAME (or "<unset>") to FILE, whole:
//                  through a temporary file renamed over FILE
//   pid:FILE       appends its own pid and a newline to FILE
//   ppid:FILE      appends its parent's pid and a newline to FILE
//   signals:FILE   from now on, SIGABRT, SIGTERM, SIGINT, SIGHUP and SIGQUIT
//                  append their names ("ABRT") and a newline to FILE, then
//                  kill it as they would have
//   await:FILE     waits until FILE exists
//   pause          waits forever (until a signal ends it)
//   exit:N         exits N at once
//
// Exit status: 0 after the last step, N for exit:N, 2 for a step it does not
// know, 3 when a barrier never completed, 4 when a send failed (the reason is
// on stderr: "notify_steps: send: Permission denied"), 5 when a file could
// not be written. No library but libc: the tests copy it where other users
// and a chroot jail can run it, and link it statically.

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <string>

namespace {

constexpr int kBadStep = 2;
constexpr int kNoBarrier = 3;
constexpr int kSendFailed = 4;
constexpr int kFileFailed = 5;

// What the signal handler appends to; -1 until a signals: step.
int signal_log = -1;

[[noreturn]] void Die(int status, const std::string& what) {
  fprintf(stderr, "notify_steps: %s\n", what.c_str());
  _exit(status);
}

void SleepMs(long ms) {
  struct timespec delay = {ms / 1000, (ms % 1000) * 1000000};
  while (nanosleep(&delay, &delay) != 0 && errno == EINTR) {
  }
}

long Number(const std::string& step, const std::string& text) {
  char* end = nullptr;
  const long value = strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || value < 0) {
    Die(kBadStep, "bad number in step '" + step + "'");
  }
  return value;
}

// "\n" (backslash, n) becomes a newline; nothing else changes.
std::string Unescape(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == 'n') {
      out += '\n';
      ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

// $NOTIFY_SOCKET as an address.
socklen_t NotifyAddress(struct sockaddr_un& address) {
  const char* socket_path = getenv("NOTIFY_SOCKET");
  if (socket_path == nullptr || *socket_path == '\0') {
    Die(kSendFailed, "send: NOTIFY_SOCKET is not set");
  }
  const size_t length = strlen(socket_path);
  if (length >= sizeof address.sun_path) {
    Die(kSendFailed, "send: NOTIFY_SOCKET is too long");
  }
  address = {};
  address.sun_family = AF_UNIX;
  memcpy(address.sun_path, socket_path, length);
  if (socket_path[0] == '@') {
    address.sun_path[0] = '\0';
    return static_cast<socklen_t>(offsetof(struct sockaddr_un, sun_path) +
                                  length);
  }
  return static_cast<socklen_t>(offsetof(struct sockaddr_un, sun_path) +
                                length + 1);
}

// Sends `text` to $NOTIFY_SOCKET, with descriptor `fd` when it is not -1.
void Send(const std::string& text, int fd = -1) {
  struct sockaddr_un address;
  const socklen_t length = NotifyAddress(address);
  const int sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) Die(kSendFailed, std::string("socket: ") + strerror(errno));
  struct iovec data = {const_cast<char*>(text.data()), text.size()};
  struct msghdr message = {};
  message.msg_name = &address;
  message.msg_namelen = length;
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  if (fd >= 0) {
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    struct cmsghdr* header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(header), &fd, sizeof fd);
  }
  ssize_t sent;
  do {
    sent = sendmsg(sock, &message, MSG_NOSIGNAL);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) Die(kSendFailed, std::string("send: ") + strerror(errno));
  close(sock);
}

void Barrier() {
  int ends[2];
  if (pipe2(ends, O_CLOEXEC) != 0) {
    Die(kNoBarrier, std::string("pipe: ") + strerror(errno));
  }
  Send("BARRIER=1", ends[1]);
  close(ends[1]);
  struct pollfd hung_up = {ends[0], 0, 0};  // POLLHUP is always reported.
  int polled;
  do {
    polled = poll(&hung_up, 1, 5000);
  } while (polled < 0 && errno == EINTR);
  if (polled != 1 || (hung_up.revents & POLLHUP) == 0) {
    Die(kNoBarrier, "barrier: no POLLHUP within 5 s");
  }
  close(ends[0]);
}

void WriteAll(int fd, const std::string& text, const std::string& path) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t wrote = write(fd, text.data() + done, text.size() - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) Die(kFileFailed, "writing " + path);
    done += static_cast<size_t>(wrote);
  }
}

void WriteWhole(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  const int fd =
      open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    Die(kFileFailed, "creating " + temporary + ": " + strerror(errno));
  WriteAll(fd, text, temporary);
  close(fd);
  if (rename(temporary.c_str(), path.c_str()) != 0) {
    Die(kFileFailed, "renaming to " + path + ": " + strerror(errno));
  }
}

void Append(const std::string& path, const std::string& text) {
  const int fd =
      open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) Die(kFileFailed, "opening " + path + ": " + strerror(errno));
  WriteAll(fd, text, path);
  close(fd);
}

void OnSignal(int signal) {
  // SA_RESETHAND made the action the default again; the signal is blocked
  // until the handler returns, and then kills the process.
  const char* name = signal == SIGABRT   ? "ABRT\n"
                     : signal == SIGTERM ? "TERM\n"
                     : signal == SIGINT  ? "INT\n"
                     : signal == SIGHUP  ? "HUP\n"
                                         : "QUIT\n";
  if (signal_log >= 0) (void)!write(signal_log, name, strlen(name));
  raise(signal);
}

void RecordSignals(const std::string& path) {
  signal_log =
      open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (signal_log < 0) {
    Die(kFileFailed, "opening " + path + ": " + strerror(errno));
  }
  struct sigaction action = {};
  action.sa_handler = OnSignal;
  action.sa_flags = SA_RESETHAND;
  sigemptyset(&action.sa_mask);
  for (int signal : {SIGABRT, SIGTERM, SIGINT, SIGHUP, SIGQUIT}) {
    sigaction(signal, &action, nullptr);
  }
}

// Splits "NAME:FILE" at its first ':'.
void SplitPair(const std::string& step, const std::string& value,
               std::string& first, std::string& second) {
  const size_t colon = value.find(':');
  if (colon == std::string::npos) Die(kBadStep, "bad step '" + step + "'");
  first = value.substr(0, colon);
  second = value.substr(colon + 1);
}

void Run(const std::string& step) {
  const size_t colon = step.find(':');
  const std::string verb = step.substr(0, colon);
  const std::string value =
      colon == std::string::npos ? "" : step.substr(colon + 1);
  if (verb == "send") {
    Send(Unescape(value));
  } else if (verb == "sleep") {
    SleepMs(Number(step, value));
  } else if (verb == "barrier") {
    Barrier();
  } else if (verb == "ping") {
    const long period = Number(step, value);
    for (;;) {
      Send("WATCHDOG=1");
      SleepMs(period);
    }
  } else if (verb == "repeat") {
    std::string period, text;
    SplitPair(step, value, period, text);
    const long ms = Number(step, period);
    text = Unescape(text);
    for (;;) {
      Send(text);
      if (ms > 0) SleepMs(ms);
    }
  } else if (verb == "env") {
    std::string name, path;
    SplitPair(step, value, name, path);
    const char* found = getenv(name.c_str());
    WriteWhole(path, found != nullptr ? found : "<unset>");
  } else if (verb == "pid") {
    Append(value, std::to_string(getpid()) + "\n");
  } else if (verb == "ppid") {
    Append(value, std::to_string(getppid()) + "\n");
  } else if (verb == "signals") {
    RecordSignals(value);
  } else if (verb == "await") {
    while (access(value.c_str(), F_OK) != 0) SleepMs(5);
  } else if (verb == "pause") {
    for (;;) pause();
  } else if (verb == "exit") {
    _exit(static_cast<int>(Number(step, value)));
  } else {
    Die(kBadStep, "unknown step '" + step + "'");
  }
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) Run(argv[i]);
  return 0;
}
