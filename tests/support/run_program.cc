#include "tests/support/run_program.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace daemonkit::test {

int ProgramRun::exit_status() const {
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

pid_t StartProgram(const std::vector<std::string>& argv, int* out, int* err) {
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
    return -1;
  }
  const pid_t child = fork();
  if (child == 0) {
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    std::vector<char*> arguments;
    for (const std::string& argument : argv) {
      arguments.push_back(const_cast<char*>(argument.c_str()));
    }
    arguments.push_back(nullptr);
    execv(arguments[0], arguments.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  *out = out_pipe[0];
  *err = err_pipe[0];
  return child;
}

ProgramRun FinishProgram(pid_t child, int out, int err) {
  ProgramRun run;
  const absl::Time start = absl::Now();
  struct pollfd fds[2] = {{out, POLLIN, 0}, {err, POLLIN, 0}};
  std::string* sinks[2] = {&run.out, &run.err};
  const absl::Time deadline = start + absl::Seconds(20);
  int open_pipes = 2;
  while (open_pipes > 0 && absl::Now() < deadline) {
    if (poll(fds, 2, 100) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buffer[4096];
      const ssize_t got = read(fds[i].fd, buffer, sizeof buffer);
      if (got > 0) {
        sinks[i]->append(buffer, static_cast<size_t>(got));
      } else {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_pipes;
      }
    }
  }
  EXPECT_EQ(open_pipes, 0) << "the program's output never ended";
  for (const struct pollfd& fd : fds) {
    if (fd.fd >= 0) close(fd.fd);
  }
  waitpid(child, &run.status, 0);
  run.took = absl::Now() - start;
  return run;
}

ProgramRun RunProgram(const std::vector<std::string>& argv) {
  const absl::Time start = absl::Now();
  int out, err;
  const pid_t child = StartProgram(argv, &out, &err);
  EXPECT_GT(child, 0);
  if (child <= 0) return ProgramRun();
  ProgramRun run = FinishProgram(child, out, err);
  run.took = absl::Now() - start;
  return run;
}

std::string Runfile(const std::string& path) {
  return absl::StrCat(std::getenv("TEST_SRCDIR"), "/daemonkit/", path);
}

bool Eventually(const std::function<bool()>& condition,
                absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!condition()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

std::string PerTestPath() {
  return absl::StrCat(
      std::getenv("TEST_TMPDIR"), "/",
      absl::StrReplaceAll(
          ::testing::UnitTest::GetInstance()->current_test_info()->name(),
          {{"/", "_"}}));
}

void ExpectNoChildLeft() {
  for (int i = 0; i < 300; ++i) {
    const pid_t reaped = waitpid(-1, nullptr, WNOHANG);
    if (reaped < 0) return;
    if (reaped == 0) absl::SleepFor(absl::Milliseconds(10));
  }
  ADD_FAILURE() << "a process the test started is still running";
}

}  // namespace daemonkit::test
