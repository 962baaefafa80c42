// daemonize's captured output (docs/daemonize.md, "Captured output") with
// real processes that misbehave: a COMMAND killed in the middle of a line,
// children that outlive SIGTERM still writing, a process outside the service
// holding the pipe, a COMMAND writing a megabyte in its SIGTERM handler,
// logrotate moving the file 200 times under a fast writer, lines longer than
// the bound and bytes that are not text, the daemon's own user planting
// links and FIFOs where its log was, and a full disk. Each test checks the
// files byte by byte and leaves no process and no pid file behind: the test
// is a child subreaper, so each supervisor becomes its child.

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/proc_view.h"
#include "tests/support/run_program.h"

namespace {

using ::daemonkit::test::ChildrenOf;
using ::daemonkit::test::Eventually;
using ::daemonkit::test::Exists;
using ::daemonkit::test::ExpectNoChildLeft;
using ::daemonkit::test::OpenFds;
using ::daemonkit::test::PerTestPath;
using ::daemonkit::test::PidsIn;
using ::daemonkit::test::ProgramRun;
using ::daemonkit::test::ReadFile;
using ::daemonkit::test::ReadLink;
using ::daemonkit::test::Runfile;
using ::daemonkit::test::RunProgram;
using ::daemonkit::test::Runs;
using ::daemonkit::test::StatusField;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::StartsWith;

constexpr absl::string_view kContinues = " [line continues]";
constexpr size_t kMaxLine = 16 * 1024;
// "2026-11-26T09:05:11.123456+00:00 ", as --timestamps starts a line.
constexpr size_t kTimestampSize = 33;

ProgramRun Daemonize(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {Runfile("tools/daemonize")};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProgram(argv);
}

// The lines of `text`, which must end with a newline (else the last is
// marked as torn).
std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  if (lines.back().empty()) {
    lines.pop_back();
  } else {
    lines.back() += "<no newline at the end>";
  }
  return lines;
}

// Whether `line` starts with a --timestamps prefix; its rest in `rest`.
bool Timestamped(absl::string_view line, absl::string_view* rest) {
  static const char kShape[] = "dddd-dd-ddTdd:dd:dd.dddddd+dd:dd ";
  if (line.size() < kTimestampSize) return false;
  for (size_t i = 0; i < kTimestampSize; ++i) {
    const char want = kShape[i];
    const char got = line[i];
    if (want == 'd'   ? !absl::ascii_isdigit(static_cast<unsigned char>(got))
        : want == '+' ? got != '+' && got != '-'
                      : got != want) {
      return false;
    }
  }
  *rest = line.substr(kTimestampSize);
  return true;
}

// Whether `bytes` is valid UTF-8 (no overlong forms, surrogates or code
// points past U+10FFFF), by hand rather than with the library's own check.
bool ValidUtf8(absl::string_view bytes) {
  size_t i = 0;
  while (i < bytes.size()) {
    const unsigned char lead = static_cast<unsigned char>(bytes[i]);
    size_t length;
    unsigned int code;
    if (lead < 0x80) {
      ++i;
      continue;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
      code = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      code = lead & 0x0F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      code = lead & 0x07;
    } else {
      return false;
    }
    if (i + length > bytes.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      const unsigned char next = static_cast<unsigned char>(bytes[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    if ((length == 3 && code < 0x800) || (length == 4 && code < 0x10000) ||
        (code >= 0xD800 && code <= 0xDFFF) || code > 0x10FFFF) {
      return false;
    }
    i += length;
  }
  return true;
}

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
  ASSERT_TRUE(out.good()) << path;
}

struct FileIdentity {
  std::string contents;
  struct stat info;
};

FileIdentity Identify(const std::string& path) {
  FileIdentity identity;
  identity.contents = ReadFile(path);
  EXPECT_EQ(lstat(path.c_str(), &identity.info), 0) << path;
  return identity;
}

// Fails unless `path` holds what it held, untouched (not even opened for
// writing and truncated: the same size and modification time).
void ExpectUnchanged(const std::string& path, const FileIdentity& before) {
  const FileIdentity after = Identify(path);
  EXPECT_EQ(after.contents, before.contents) << path;
  EXPECT_EQ(after.info.st_size, before.info.st_size) << path;
  EXPECT_EQ(after.info.st_mtim.tv_sec, before.info.st_mtim.tv_sec) << path;
  EXPECT_EQ(after.info.st_mtim.tv_nsec, before.info.st_mtim.tv_nsec) << path;
  EXPECT_EQ(after.info.st_uid, before.info.st_uid) << path;
  EXPECT_EQ(after.info.st_mode, before.info.st_mode) << path;
}

class CaptureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    base_ = PerTestPath();
    pid_file_ = base_ + ".pid";
    out_ = base_ + ".out";
    err_ = base_ + ".err";
  }

  void TearDown() override {
    // A supervisor still running is stopped (a failure already said why),
    // then everything the test started must have been reaped.
    if (Exists(pid_file_)) {
      const ProgramRun stop = Daemonize(
          {"--stop", "--stop-timeout", "500ms", "--pid-file", pid_file_});
      if (stop.exit_status() != 0) {
        // One that cannot be stopped: killed, so that the next test runs.
        for (const auto& [pid, state] : ChildrenOf(getpid())) {
          if (state != 'Z') kill(pid, SIGKILL);
        }
        unlink(pid_file_.c_str());
      }
    }
    ExpectNoChildLeft();
  }

  // Starts `script` under a supervisor with `options`, its stdout into
  // out_ and its stderr into err_; returns the supervisor's pid, or -1.
  pid_t Start(const std::string& script,
              const std::vector<std::string>& options = {}) {
    std::vector<std::string> args = {"--pid-file", pid_file_,  "--stdout",
                                     out_,         "--stderr", err_};
    args.insert(args.end(), options.begin(), options.end());
    args.insert(args.end(), {"--", "/bin/sh", "-c", script});
    const ProgramRun run = Daemonize(args);
    EXPECT_EQ(run.exit_status(), 0) << run.err;
    if (run.exit_status() != 0) return -1;
    return Supervisor();
  }

  // The supervisor: the test's only child once the launcher is reaped (its
  // middle process exited, so the supervisor came to the subreaper).
  pid_t Supervisor() {
    const std::map<pid_t, char> children = ChildrenOf(getpid());
    EXPECT_EQ(children.size(), 1u);
    return children.size() == 1 ? children.begin()->first : -1;
  }

  pid_t PidFromFile() {
    int pid = -1;
    absl::SimpleAtoi(absl::StripTrailingAsciiWhitespace(ReadFile(pid_file_)),
                     &pid);
    return pid;
  }

  // Waits for the supervisor, this test's child, to exit; its wait status.
  int AwaitExit(pid_t supervisor) {
    int status = -1;
    EXPECT_EQ(waitpid(supervisor, &status, 0), supervisor);
    return status;
  }

  ProgramRun Stop(const std::string& timeout = "5s") {
    return Daemonize(
        {"--stop", "--stop-timeout", timeout, "--pid-file", pid_file_});
  }

  std::string base_;
  std::string pid_file_;
  std::string out_;
  std::string err_;
};

// A process's memory in KiB, from /proc/PID/status ("VmRSS", "VmHWM").
long KiB(pid_t pid, const std::string& field) {
  long kib = -1;
  absl::SimpleAtoi(absl::StripSuffix(StatusField(pid, field), " kB"), &kib);
  return kib;
}

int ExitStatus(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1 - status;
}

// 1. A COMMAND killed in the middle of a line.

TEST_F(CaptureTest, ALineCutBySigkillIsCompleted) {
  const pid_t supervisor = Start("echo first; printf partial; kill -9 $$");
  ASSERT_GT(supervisor, 0);
  EXPECT_EQ(ExitStatus(AwaitExit(supervisor)), 128 + SIGKILL);
  EXPECT_EQ(ReadFile(out_), "first\npartial\n");
  EXPECT_THAT(ReadFile(err_),
              HasSubstr("supervisor: /bin/sh ended: killed by signal 9"));
  EXPECT_FALSE(Exists(pid_file_));
}

TEST_F(CaptureTest, ALineCutWhenTheTestKillsTheCommandIsCompleted) {
  const pid_t supervisor = Start("printf 'first\\npartial'; exec sleep 60");
  ASSERT_GT(supervisor, 0);
  // "partial" went with "first\n", in one write of printf's.
  ASSERT_TRUE(Eventually([&] { return ReadFile(out_) == "first\n"; }))
      << ReadFile(out_);
  const pid_t command = PidFromFile();
  ASSERT_GT(command, 0);
  ASSERT_EQ(kill(command, SIGKILL), 0);
  EXPECT_EQ(ExitStatus(AwaitExit(supervisor)), 128 + SIGKILL);
  EXPECT_EQ(ReadFile(out_), "first\npartial\n");
}

TEST_F(CaptureTest, ARespawnedInstanceNeverContinuesTheLineOfTheLast) {
  const std::string count = base_ + ".count";
  // Instances 1 and 2 die by SIGKILL in the middle of a line, on both
  // streams; the third runs, starts a line, and is stopped in its middle.
  const pid_t supervisor = Start(
      absl::StrCat("n=$(( $(cat ", count, " 2>/dev/null || echo 0) + 1 )); ",
                   "echo $n > ", count, "; echo \"first $n\"; ",
                   "if [ $n -lt 3 ]; then printf \"partial $n\"; ",
                   "printf \"err $n\" >&2; kill -9 $$; fi; ",
                   "printf 'last 3'; exec sleep 60"),
      {"--respawn", "--respawn-delay", "20ms"});
  ASSERT_GT(supervisor, 0);
  ASSERT_TRUE(Eventually([&] {
    return absl::StrContains(ReadFile(out_), "first 3\n");
  })) << ReadFile(out_);
  EXPECT_EQ(ReadFile(out_),
            "first 1\npartial 1\nfirst 2\npartial 2\nfirst 3\n");
  const ProgramRun stop = Stop();
  EXPECT_EQ(stop.exit_status(), 0) << stop.err;
  EXPECT_EQ(ExitStatus(AwaitExit(supervisor)), 0);
  EXPECT_EQ(ReadFile(out_),
            "first 1\npartial 1\nfirst 2\npartial 2\nfirst 3\nlast 3\n");
  // The supervisor's own lines never glued to COMMAND's half lines.
  const std::vector<std::string> err = Lines(ReadFile(err_));
  ASSERT_EQ(err.size(), 4u) << ReadFile(err_);
  EXPECT_EQ(err[0], "err 1");
  EXPECT_THAT(err[1], StartsWith("supervisor: /bin/sh ended: killed by"));
  EXPECT_EQ(err[2], "err 2");
  EXPECT_THAT(err[3], StartsWith("supervisor: /bin/sh ended: killed by"));
  EXPECT_FALSE(Exists(pid_file_));
}

// 2. A partial last line at a normal exit and at a stop.

TEST_F(CaptureTest, APartialLastLineGetsItsNewlineAtANormalExit) {
  const pid_t supervisor =
      Start("printf 'out 1\\nout 2'; printf 'err 1\\nerr 2' >&2; exit 0");
  ASSERT_GT(supervisor, 0);
  EXPECT_EQ(ExitStatus(AwaitExit(supervisor)), 0);
  EXPECT_EQ(ReadFile(out_), "out 1\nout 2\n");
  const std::vector<std::string> err = Lines(ReadFile(err_));
  ASSERT_EQ(err.size(), 3u) << ReadFile(err_);
  EXPECT_EQ(err[0], "err 1");
  EXPECT_EQ(err[1], "err 2");
  EXPECT_EQ(err[2], "supervisor: /bin/sh ended: exit status 0");
  EXPECT_FALSE(Exists(pid_file_));
}

TEST_F(CaptureTest, APartialLastLineGetsItsNewlineAtAStop) {
  const pid_t supervisor =
      Start("printf 'out 1\\nout 2'; printf 'err 1\\nerr 2' >&2; exec sleep 60",
            {"--timestamps"});
  ASSERT_GT(supervisor, 0);
  ASSERT_TRUE(Eventually([&] {
    return Lines(ReadFile(out_)).size() == 1 &&
           Lines(ReadFile(err_)).size() == 1;
  }));
  const ProgramRun stop = Stop();
  EXPECT_EQ(stop.exit_status(), 0) << stop.err;
  EXPECT_EQ(ExitStatus(AwaitExit(supervisor)), 0);
  for (const auto& [path, name] : {std::pair(out_, "out"), {err_, "err"}}) {
    const std::string text = ReadFile(path);
    const std::vector<std::string> lines = Lines(text);
    ASSERT_EQ(lines.size(), 2u) << text;
    for (int i = 0; i < 2; ++i) {
      absl::string_view rest;
      EXPECT_TRUE(Timestamped(lines[i], &rest)) << lines[i];
      EXPECT_EQ(rest, absl::StrCat(name, " ", i + 1));
    }
  }
}

// 3. Processes that hold the pipe at the stop: a child and a grandchild in
// a session of its own that ignore SIGTERM and write without pause, and a
// process outside the service that opened the pipe through /proc.

TEST_F(CaptureTest, AStopEndsWhateverStillHoldsThePipes) {
  const std::string pids = base_ + ".pids";
  const pid_t supervisor = Start(absl::StrCat(
      "(trap '' TERM; i=0; while :; do i=$((i+1)); echo \"child $i\"; done) & ",
      "echo $! >> ", pids, "; ",
      "setsid sh -c 'trap \"\" TERM; i=0; while :; do i=$((i+1)); ",
      "echo \"orphan $i\"; done' & echo $! >> ", pids, "; exec sleep 60"));
  ASSERT_GT(supervisor, 0);
  ASSERT_TRUE(Eventually([&] { return PidsIn(pids).size() == 2; }));
  const pid_t command = PidFromFile();
  ASSERT_GT(command, 0);
  // The outsider: a child of the test's, not of the service's, which holds
  // COMMAND's stdout and writes into it until the pipe is closed under it.
  const std::string pipe = absl::StrCat("/proc/", command, "/fd/1");
  ASSERT_THAT(ReadLink(pipe), StartsWith("pipe:"));
  const pid_t outsider = fork();
  ASSERT_GE(outsider, 0);
  if (outsider == 0) {
    const int fd = open(pipe.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) _exit(1);
    for (long i = 1;; ++i) {
      const std::string line = absl::StrCat("outsider ", i, "\n");
      if (write(fd, line.data(), line.size()) < 0) _exit(2);
    }
  }
  ASSERT_TRUE(Eventually([&] {
    const std::string text = ReadFile(out_);
    return absl::StrContains(text, "child ") &&
           absl::StrContains(text, "orphan ") &&
           absl::StrContains(text, "outsider ");
  })) << "every writer wrote";

  const absl::Time start = absl::Now();
  const ProgramRun stop = Stop("500ms");
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(stop.exit_status(), 0) << stop.err;
  EXPECT_LT(took, absl::Milliseconds(500) + absl::Seconds(5));
  EXPECT_GE(took, absl::Milliseconds(500)) << "TERM was ignored";
  EXPECT_EQ(ExitStatus(AwaitExit(supervisor)), 0);
  for (pid_t pid : PidsIn(pids)) EXPECT_FALSE(Runs(pid)) << pid;
  EXPECT_FALSE(Runs(command));
  EXPECT_FALSE(Exists(pid_file_));
  // The outsider learns that its pipe has no reader any more.
  int status = -1;
  ASSERT_EQ(waitpid(outsider, &status, 0), outsider);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE) << status;

  // Whole lines only, each writer's in order and with none missing, up to
  // where the pipe was closed.
  const std::string text = ReadFile(out_);
  ASSERT_EQ(text.back(), '\n');
  std::map<std::string, long> last = {
      {"child", 0}, {"orphan", 0}, {"outsider", 0}};
  size_t count = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (line.empty()) continue;
    ++count;
    const std::vector<absl::string_view> parts = absl::StrSplit(line, ' ');
    long number = 0;
    if (parts.size() != 2 || last.count(std::string(parts[0])) == 0 ||
        !absl::SimpleAtoi(parts[1], &number)) {
      ADD_FAILURE() << "torn line: " << line;
      break;
    }
    long& previous = last[std::string(parts[0])];
    if (number != previous + 1) {
      ADD_FAILURE() << "after " << parts[0] << " " << previous << ": " << line;
      break;
    }
    previous = number;
  }
  std::cerr << "stop with three writers holding the pipe: " << took << ", "
            << count << " lines (child " << last["child"] << ", orphan "
            << last["orphan"] << ", outsider " << last["outsider"] << ")\n";
}

// 4. A COMMAND that writes a megabyte in its SIGTERM handler.

TEST_F(CaptureTest, WhatACommandWritesAtItsStopIsReadToTheEnd) {
  constexpr int kLines = 170000;  // 1,078,895 bytes.
  // TERM ignored once the handler runs, and so by seq: the stop's second
  // round of signals, to each process it finds, must not cut it short.
  const pid_t supervisor =
      Start(absl::StrCat("trap 'trap \"\" TERM; seq 1 ", kLines,
                         "; exit 0' TERM; echo ready; sleep 60 & wait"));
  ASSERT_GT(supervisor, 0);
  ASSERT_TRUE(Eventually([&] { return ReadFile(out_) == "ready\n"; }));
  const absl::Time start = absl::Now();
  const ProgramRun stop = Stop("10s");
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(stop.exit_status(), 0) << stop.err;
  EXPECT_LT(took, absl::Seconds(10)) << "the stop had to kill it";
  EXPECT_EQ(ExitStatus(AwaitExit(supervisor)), 0);
  const std::string text = ReadFile(out_);
  std::string expected = "ready\n";
  for (int i = 1; i <= kLines; ++i) absl::StrAppend(&expected, i, "\n");
  EXPECT_EQ(text.size(), expected.size());
  EXPECT_TRUE(text == expected)
      << "the file differs; its end: "
      << text.substr(text.size() < 40 ? 0 : text.size() - 40);
  std::cerr << "stop with " << expected.size()
            << " bytes written in the TERM handler: " << took << "\n";
}

// 5. logrotate's rename and --reopen (or SIGHUP) 200 times, under a
// COMMAND writing 100,000 lines as fast as it can.

TEST_F(CaptureTest, RotationUnderAFastWriterLosesTearsAndRepeatsNoLine) {
  constexpr int kLines = 100000;
  constexpr int kRotations = 200;
  const std::string done = base_ + ".done";
  const std::string wrote = base_ + ".wrote";
  // A write per line, in bursts of 50 a millisecond apart, so that the
  // writing spans the rotations; then it waits to be told to end.
  const pid_t supervisor = Start(
      absl::StrCat("perl -e '$| = 1; for $i (1..", kLines,
                   ") { print \"$i\\n\"; select(undef, undef, undef, 0.001) "
                   "if $i % 50 == 0 }'; : > ",
                   wrote, "; while [ ! -e ", done,
                   " ]; do sleep 0.01; done; exit 0"),
      {"--timestamps"});
  ASSERT_GT(supervisor, 0);
  // Its descriptors once it runs its loop (a line written), past the start's
  // own (the readiness pipe may still be open when the launcher returns).
  ASSERT_TRUE(Eventually([&] { return !ReadFile(out_).empty(); }));
  const std::vector<int> fds = OpenFds(supervisor);
  const absl::Time start = absl::Now();
  int by_binary = 0;
  int written_after = 0;  // The rotation after which COMMAND was done.
  for (int i = 1; i <= kRotations; ++i) {
    const std::string rotated = absl::StrCat(out_, ".", i);
    ASSERT_EQ(rename(out_.c_str(), rotated.c_str()), 0)
        << i << ": " << std::strerror(errno);
    if (i % 2 == 0) {
      const ProgramRun reopen =
          Daemonize({"--reopen", "--pid-file", pid_file_});
      ASSERT_EQ(reopen.exit_status(), 0) << reopen.err;
      ++by_binary;
    } else {
      ASSERT_EQ(kill(supervisor, SIGHUP), 0);
    }
    // Opened again (created) before the next rename, which needs it there.
    ASSERT_TRUE(Eventually([&] { return Exists(out_); })) << i;
    if (written_after == 0 && Exists(wrote)) written_after = i;
  }
  const absl::Duration rotating = absl::Now() - start;
  // Each file opened again took the place of the one before: none is left
  // open (the last reopen may still be under way).
  EXPECT_TRUE(
      Eventually([&] { return OpenFds(supervisor) == fds; }, absl::Seconds(2)))
      << OpenFds(supervisor).size() << " descriptors, from " << fds.size();
  ASSERT_TRUE(Eventually([&] { return Exists(wrote); }, absl::Seconds(30)));
  const absl::Duration writing = absl::Now() - start;
  WriteFile(done, "");
  EXPECT_EQ(ExitStatus(AwaitExit(supervisor)), 0);
  EXPECT_FALSE(Exists(pid_file_));

  int expected = 1;
  int files_with_lines = 0;
  for (int i = 1; i <= kRotations + 1; ++i) {
    const std::string path =
        i <= kRotations ? absl::StrCat(out_, ".", i) : out_;
    const std::string text = ReadFile(path);
    if (!text.empty()) ++files_with_lines;
    if (!text.empty() && text.back() != '\n') {
      ADD_FAILURE() << path << " ends in the middle of a line";
    }
    for (absl::string_view line : absl::StrSplit(text, '\n')) {
      if (line.empty()) continue;
      absl::string_view rest;
      int number = 0;
      if (!Timestamped(line, &rest) || !absl::SimpleAtoi(rest, &number) ||
          rest != absl::StrCat(number)) {
        ADD_FAILURE() << path << ": torn line " << line;
        return;
      }
      if (number != expected) {
        ADD_FAILURE() << path << ": " << number << " where " << expected
                      << " was expected";
        return;
      }
      ++expected;
    }
    unlink(path.c_str());
  }
  EXPECT_EQ(expected, kLines + 1);
  std::cerr << kRotations << " rotations (" << by_binary
            << " by daemonize --reopen, the rest by SIGHUP): " << rotating
            << "; COMMAND had written its " << kLines << " lines by " << writing
            << (written_after == 0
                    ? std::string(" (after the last rotation)")
                    : absl::StrCat(" (by rotation ", written_after, ")"))
            << "; " << files_with_lines << " of " << kRotations + 1
            << " files hold lines\n";
}

// 6. Lines over the bound, and bytes that are not text.

TEST_F(CaptureTest, LongLinesComeInPiecesAndBytesPassUntouched) {
  std::vector<std::string> lines;
  std::string ascii;
  for (int i = 0; i < 40 * 1024; ++i) ascii += static_cast<char>('a' + i % 26);
  lines.push_back(ascii);
  // 3-byte characters: 16 KiB falls inside one, which must not be cut.
  std::string euros;
  for (int i = 0; i < 13654; ++i) euros += "\xE2\x82\xAC";
  lines.push_back(euros);
  // Every byte but the newline, NUL first.
  std::string bytes;
  for (int b = 0; b < 256; ++b) {
    if (b != '\n') bytes += static_cast<char>(b);
  }
  lines.push_back(bytes);
  lines.push_back(std::string("\0\0\0", 3));
  lines.push_back("");
  lines.push_back("\r");
  lines.push_back("lone lead \xC3 truncated \xE2\x82 overlong \xC0\xAF");
  lines.push_back("surrogate \xED\xA0\x80 past U+10FFFF \xF4\x90\x80\x80 \xFF");
  lines.push_back(std::string(20000, '\xFF'));  // Long, and none of it text.
  // At the bound, one past it, and one past it inside a character.
  lines.push_back(std::string(kMaxLine, 'b'));
  lines.push_back(std::string(kMaxLine + 1, 'c'));
  lines.push_back(std::string(kMaxLine - 1, 'd') + "\xC3\xA9");
  std::string input;
  for (const std::string& line : lines) absl::StrAppend(&input, line, "\n");
  // And a last line without its newline, ending in half a character.
  lines.push_back("tail \xE2\x82");
  input += lines.back();
  const std::string input_path = base_ + ".input";
  WriteFile(input_path, input);

  const pid_t supervisor = Start(absl::StrCat("exec cat ", input_path));
  ASSERT_GT(supervisor, 0);
  EXPECT_EQ(ExitStatus(AwaitExit(supervisor)), 0);
  const std::string text = ReadFile(out_);
  ASSERT_FALSE(text.empty());
  ASSERT_EQ(text.back(), '\n');
  // The pieces joined again; each but the last of a line ends with the
  // marker, and holds at most the bound.
  std::vector<std::string> joined(1);
  std::vector<std::vector<std::string>> pieces(1);
  for (absl::string_view piece : absl::StrSplit(
           absl::string_view(text).substr(0, text.size() - 1), '\n')) {
    if (absl::ConsumeSuffix(&piece, kContinues)) {
      EXPECT_LE(piece.size(), kMaxLine);
      joined.back().append(piece.data(), piece.size());
      pieces.back().emplace_back(piece);
    } else {
      EXPECT_LE(piece.size(), kMaxLine);
      joined.back().append(piece.data(), piece.size());
      pieces.back().emplace_back(piece);
      joined.emplace_back();
      pieces.emplace_back();
    }
  }
  joined.pop_back();
  pieces.pop_back();
  ASSERT_EQ(joined.size(), lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_TRUE(joined[i] == lines[i]) << "line " << i;
  }
  EXPECT_EQ(pieces[0].size(), 3u) << "40 KiB: 16 + 16 + 8";
  EXPECT_EQ(pieces[0][0].size(), kMaxLine);
  ASSERT_EQ(pieces[1].size(), 3u);
  for (const std::string& piece : pieces[1]) {
    EXPECT_TRUE(ValidUtf8(piece))
        << "a character cut in a piece of " << piece.size() << " bytes";
  }
  EXPECT_EQ(pieces[8].size(), 2u) << "20,000 bytes: 16 KiB + the rest";
  auto sizes = [](const std::vector<std::string>& line) {
    std::vector<size_t> sizes;
    for (const std::string& piece : line) sizes.push_back(piece.size());
    return sizes;
  };
  EXPECT_THAT(sizes(pieces[9]), ElementsAre(kMaxLine)) << "whole";
  EXPECT_THAT(sizes(pieces[10]), ElementsAre(kMaxLine, 1u));
  EXPECT_THAT(sizes(pieces[11]), ElementsAre(kMaxLine - 1, 2u));
  // Everything but the markers and the last newline: the input, as it was.
  std::string unmarked;
  for (const std::vector<std::string>& line : pieces) {
    for (const std::string& piece : line) unmarked += piece;
    unmarked += "\n";
  }
  EXPECT_TRUE(unmarked == input + "\n");
}

// A COMMAND writing short lines as fast as it can into a file that takes
// them: none is dropped, however much --timestamps adds to each (a read of
// the pipe brings thousands of lines, more than the buffer holds once each
// has its 33 bytes of time).
TEST_F(CaptureTest, ShortLinesAtFullSpeedAllReachAWorkingFile) {
  constexpr int kLines = 500000;
  const pid_t supervisor =
      Start(absl::StrCat("yes '' | head -n ", kLines), {"--timestamps"});
  ASSERT_GT(supervisor, 0);
  EXPECT_EQ(ExitStatus(AwaitExit(supervisor)), 0);
  const std::string text = ReadFile(out_);
  size_t lines = 0;
  size_t other = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    absl::string_view rest;
    if (line.empty()) continue;
    if (Timestamped(line, &rest) && rest.empty()) {
      ++lines;
    } else if (++other == 1) {
      ADD_FAILURE() << line;
    }
  }
  EXPECT_EQ(lines, static_cast<size_t>(kLines));
  EXPECT_EQ(other, 0u);
}

// 7. The daemon's own user (nobody) attacks through its log directory.

class HostileUserTest : public CaptureTest {
 protected:
  void SetUp() override {
    CaptureTest::SetUp();
    if (getuid() != 0) GTEST_SKIP() << "needs root and the user nobody";
    const struct passwd* nobody = getpwnam("nobody");
    ASSERT_NE(nobody, nullptr);
    // Under /tmp: TEST_TMPDIR is under root's 0700 home, out of nobody's
    // reach.
    char made[] = "/tmp/daemonkit-capture-XXXXXX";
    ASSERT_NE(mkdtemp(made), nullptr);
    dir_ = made;
    ASSERT_EQ(chmod(dir_.c_str(), 0755), 0);
    logs_ = dir_ + "/logs";  // The daemon's: nobody's.
    ASSERT_EQ(mkdir(logs_.c_str(), 0755), 0);
    ASSERT_EQ(chown(logs_.c_str(), nobody->pw_uid, nobody->pw_gid), 0);
    control_ = dir_ + "/control";  // The test's steps, which nobody reads.
    ASSERT_EQ(mkdir(control_.c_str(), 0755), 0);
    out_ = logs_ + "/out.log";
    err_ = logs_ + "/err.log";
    pid_file_ = dir_ + "/service.pid";
  }

  void TearDown() override {
    CaptureTest::TearDown();
    if (!dir_.empty()) {
      RunProgram({"/bin/rm", "-rf", dir_});
    }
  }

  // Starts a COMMAND, as nobody, that runs the steps the test gives it.
  pid_t StartSteps() {
    return Start(
        absl::StrCat("n=1; while :; do if [ -e ", control_,
                     "/step.$n ]; then . ", control_, "/step.$n; : > ", logs_,
                     "/done.$n; n=$((n+1)); fi; sleep 0.01; done"),
        {"--user", "nobody", "--stop-timeout", "500ms"});
  }

  // Has COMMAND run `script` in its shell, and waits until it did.
  void Step(const std::string& script) {
    ++step_;
    // Written aside and renamed: COMMAND must never run a half-written step.
    const std::string step = absl::StrCat(control_, "/step.", step_);
    WriteFile(step + ".new", script);
    ASSERT_EQ(rename((step + ".new").c_str(), step.c_str()), 0);
    ASSERT_TRUE(Eventually([&] {
      return Exists(absl::StrCat(logs_, "/done.", step_));
    })) << "step "
        << step_ << ": " << script;
  }

  // What the supervisor's stdout descriptor holds: the file it writes to,
  // whatever name it has now.
  std::string SupervisorStdout(pid_t supervisor) {
    return ReadFile(absl::StrCat("/proc/", supervisor, "/fd/1"));
  }

  std::string dir_;
  std::string logs_;
  std::string control_;
  int step_ = 0;
};

TEST_F(HostileUserTest, AReopenNeverFollowsTheUsersLinksToRootsFiles) {
  // Two files of root's that nobody cannot write: one it can see, one in a
  // directory it cannot enter.
  const std::string secret_dir = dir_ + "/secret";
  ASSERT_EQ(mkdir(secret_dir.c_str(), 0700), 0);
  const std::string secret = secret_dir + "/shadow";
  WriteFile(secret, "root:secret\n");
  ASSERT_EQ(chmod(secret.c_str(), 0600), 0);
  const std::string visible = dir_ + "/root.log";
  WriteFile(visible, "root's own log\n");
  ASSERT_EQ(chmod(visible.c_str(), 0644), 0);
  const FileIdentity secret_before = Identify(secret);
  const FileIdentity visible_before = Identify(visible);

  const pid_t supervisor = StartSteps();
  ASSERT_GT(supervisor, 0);
  // The service's own user cannot signal its root supervisor.
  Step(absl::StrCat("echo one; kill -HUP ", supervisor,
                    " 2>/dev/null; echo \"hup=$?\" > ", logs_, "/hup"));
  EXPECT_EQ(ReadFile(logs_ + "/hup"), "hup=1\n");
  // Its descriptors once it runs its loop (a line written), past the start's
  // own (the readiness pipe may still be open when the launcher returns).
  ASSERT_TRUE(Eventually([&] { return ReadFile(out_) == "one\n"; }));
  const std::vector<int> fds = OpenFds(supervisor);

  size_t refusals = 0;
  auto reopen_refused = [&](bool by_binary) {
    if (by_binary) {
      const ProgramRun reopen =
          Daemonize({"--reopen", "--pid-file", pid_file_});
      EXPECT_EQ(reopen.exit_status(), 0) << reopen.err;
    } else {
      EXPECT_EQ(kill(supervisor, SIGHUP), 0);
    }
    ++refusals;
    EXPECT_TRUE(Eventually([&] {
      size_t said = 0;
      for (const std::string& line : Lines(ReadFile(err_))) {
        said += absl::StartsWith(line, "supervisor: ") &&
                absl::StrContains(line, out_);
      }
      return said == refusals;
    })) << ReadFile(err_);
  };

  // A link to the file nobody cannot reach, then to the one it can see.
  Step(absl::StrCat("rm ", out_, "; ln -s ", secret, " ", out_));
  reopen_refused(true);
  Step("echo two");
  Step(absl::StrCat("rm ", out_, "; ln -s ", visible, " ", out_));
  reopen_refused(false);
  Step("echo three");
  // A hard link to root's file where the user's log was, as the user could
  // make it where fs.protected_hardlinks is 0 (here the test makes it: the
  // kernel refuses the user, as the step shows).
  Step(absl::StrCat("rm ", out_, "; ln ", visible, " ", out_,
                    " 2>/dev/null; echo \"ln=$?\" > ", logs_, "/ln"));
  EXPECT_EQ(ReadFile(logs_ + "/ln"), "ln=1\n");
  ASSERT_EQ(link(visible.c_str(), out_.c_str()), 0) << std::strerror(errno);
  reopen_refused(true);
  Step("printf 'four, half'");
  // A line of the supervisor's own (this refusal) goes between COMMAND's
  // lines, never into the middle of one.
  ASSERT_EQ(unlink(out_.c_str()), 0);
  ASSERT_EQ(symlink(secret.c_str(), out_.c_str()), 0);
  reopen_refused(false);
  Step("echo ' and whole'");

  // The lines went on into the file the supervisor had: the user's, which
  // has no name any more.
  EXPECT_TRUE(Eventually([&] {
    return SupervisorStdout(supervisor) ==
           "one\ntwo\nthree\nfour, half and whole\n";
  })) << SupervisorStdout(supervisor);
  EXPECT_THAT(ReadLink(absl::StrCat("/proc/", supervisor, "/fd/1")),
              HasSubstr("(deleted)"));
  ExpectUnchanged(secret, secret_before);
  ExpectUnchanged(visible, visible_before);
  for (const std::string& line : Lines(ReadFile(err_))) {
    EXPECT_THAT(line, MatchesRegex("supervisor: .*: Permission denied"));
  }
  // A refused reopen leaves no descriptor open.
  EXPECT_TRUE(
      Eventually([&] { return OpenFds(supervisor) == fds; }, absl::Seconds(2)))
      << OpenFds(supervisor).size() << " descriptors, from " << fds.size();

  // A good file there again: the next reopen takes it.
  ASSERT_EQ(unlink(out_.c_str()), 0);
  Daemonize({"--reopen", "--pid-file", pid_file_});
  ASSERT_TRUE(Eventually([&] { return Exists(out_); }));
  Step("echo five");
  EXPECT_TRUE(Eventually([&] { return ReadFile(out_) == "five\n"; }))
      << ReadFile(out_);
  struct stat info;
  ASSERT_EQ(stat(out_.c_str(), &info), 0);
  EXPECT_EQ(info.st_uid, getpwnam("nobody")->pw_uid) << "made as the user";

  const ProgramRun stop = Stop("500ms");
  EXPECT_EQ(stop.exit_status(), 0) << stop.err;
  EXPECT_EQ(ExitStatus(AwaitExit(supervisor)), 0);
  ExpectUnchanged(secret, secret_before);
  ExpectUnchanged(visible, visible_before);
}

// In a sticky directory all may write to (as /tmp), another local user
// (uid 12345) takes the log's name while logrotate has moved the file: its
// own file, then a link to root's. The reopen refuses both, and the lines
// go on into the file that was moved.
TEST_F(HostileUserTest, AReopenRefusesWhatAnotherUserPutInASharedDirectory) {
  const std::string shared = dir_ + "/shared";
  ASSERT_EQ(mkdir(shared.c_str(), 0755), 0);
  ASSERT_EQ(chmod(shared.c_str(), 01777), 0);
  out_ = shared + "/out.log";
  const std::string rotated = out_ + ".1";
  const std::string visible = dir_ + "/root.log";
  WriteFile(visible, "root's own log\n");
  const FileIdentity visible_before = Identify(visible);
  const pid_t supervisor = StartSteps();
  ASSERT_GT(supervisor, 0);
  auto as_other_user = [&](const std::string& script) {
    const ProgramRun run =
        RunProgram({"/usr/bin/setpriv", "--reuid=12345", "--regid=12345",
                    "--clear-groups", "/bin/sh", "-c", script});
    ASSERT_EQ(run.exit_status(), 0) << script << ": " << run.err;
  };
  size_t refusals = 0;
  auto reopen_refused = [&](const std::string& why) {
    const ProgramRun reopen = Daemonize({"--reopen", "--pid-file", pid_file_});
    EXPECT_EQ(reopen.exit_status(), 0) << reopen.err;
    ++refusals;
    EXPECT_TRUE(Eventually([&] {
      const std::vector<std::string> lines = Lines(ReadFile(err_));
      return lines.size() == refusals && absl::StrContains(lines.back(), why);
    })) << ReadFile(err_);
  };

  Step("echo one");
  ASSERT_EQ(rename(out_.c_str(), rotated.c_str()), 0);
  as_other_user(absl::StrCat("umask 0; : > ", out_));
  reopen_refused("is owned by user 12345");
  Step("echo two");
  ASSERT_EQ(unlink(out_.c_str()), 0);
  as_other_user(absl::StrCat("ln -s ", visible, " ", out_));
  reopen_refused("is a symbolic link in");
  Step("echo three");
  EXPECT_TRUE(Eventually([&] {
    return ReadFile(rotated) == "one\ntwo\nthree\n";
  })) << ReadFile(rotated);
  EXPECT_EQ(ReadFile(out_), "root's own log\n");
  ExpectUnchanged(visible, visible_before);

  const ProgramRun stop = Stop("500ms");
  EXPECT_EQ(stop.exit_status(), 0) << stop.err;
  EXPECT_EQ(ExitStatus(AwaitExit(supervisor)), 0);
  ExpectUnchanged(visible, visible_before);
}

// A FIFO whose reader never reads, where the log was: the supervisor must
// not block writing into it, or nothing could stop the service.
TEST_F(HostileUserTest, AFifoThatNoOneReadsCannotHoldTheSupervisor) {
  const pid_t supervisor = StartSteps();
  ASSERT_GT(supervisor, 0);
  // COMMAND itself holds the FIFO open for reading (so that the open for
  // writing succeeds), and never reads.
  Step(absl::StrCat("rm ", out_, "; mkfifo ", out_, "; exec 3<> ", out_));
  const ProgramRun reopen = Daemonize({"--reopen", "--pid-file", pid_file_});
  EXPECT_EQ(reopen.exit_status(), 0) << reopen.err;
  // More than the FIFO holds, from a child, so that the step ends.
  Step("seq 1 100000 &");
  // The supervisor is still there for what it is asked.
  absl::SleepFor(absl::Milliseconds(300));
  const absl::Time start = absl::Now();
  const ProgramRun stop = Stop("500ms");
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(stop.exit_status(), 0) << stop.err;
  EXPECT_LT(took, absl::Milliseconds(500) + absl::Seconds(5));
  if (stop.exit_status() == 0) {
    EXPECT_EQ(ExitStatus(AwaitExit(supervisor)), 0);
  }
}

TEST_F(CaptureTest, AFifoWhoseReaderStallsCannotHoldTheSupervisor) {
  // 348,894 bytes: more than a FIFO holds, less than the supervisor's
  // buffer (with 8 bytes a line of bookkeeping).
  constexpr int kLines = 60000;
  // The administrator's choice this time: --stdout is a FIFO, and its
  // reader (the test) stops reading for a while.
  const std::string fifo = base_ + ".fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0644), 0);
  const int reader = open(fifo.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(reader, 0);
  out_ = fifo;
  const std::string mark = base_ + ".usr1";
  const pid_t supervisor =
      Start(absl::StrCat("trap ': > ", mark, "' USR1; seq 1 ", kLines,
                         "; while :; do sleep 0.01; done"));
  ASSERT_GT(supervisor, 0);
  absl::SleepFor(absl::Milliseconds(300));
  // The supervisor still does what it is there for: it forwards a signal.
  ASSERT_EQ(kill(supervisor, SIGUSR1), 0);
  EXPECT_TRUE(Eventually([&] { return Exists(mark); }, absl::Seconds(3)))
      << "the supervisor is stuck";
  // The reader reads again: every line comes, whole and in order.
  std::string got;
  const std::string last = absl::StrCat("\n", kLines, "\n");
  EXPECT_TRUE(Eventually([&] {
    char buffer[65536];
    ssize_t n;
    while ((n = read(reader, buffer, sizeof buffer)) > 0) {
      got.append(buffer, static_cast<size_t>(n));
    }
    return absl::EndsWith(got, last);
  })) << got.size()
      << " bytes";
  std::string expected;
  for (int i = 1; i <= kLines; ++i) absl::StrAppend(&expected, i, "\n");
  EXPECT_TRUE(got == expected) << got.size() << " bytes";

  const absl::Time start = absl::Now();
  const ProgramRun stop = Stop("500ms");
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(stop.exit_status(), 0) << stop.err;
  EXPECT_LT(took, absl::Milliseconds(500) + absl::Seconds(5));
  if (stop.exit_status() == 0) {
    EXPECT_EQ(ExitStatus(AwaitExit(supervisor)), 0);
  }
  close(reader);
  unlink(fifo.c_str());
}

// What a stalled FIFO costs the supervisor, in memory: the bound of what
// waits (1 MiB) must hold for empty lines too, each a record of one byte
// with its bookkeeping.
TEST_F(CaptureTest, TheOutputBufferStaysBoundedForEmptyLines) {
  constexpr int kLines = 2000000;
  const std::string fifo = base_ + ".fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0644), 0);
  const int reader = open(fifo.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(reader, 0);
  out_ = fifo;
  const std::string go = base_ + ".go";
  const std::string wrote = base_ + ".wrote";
  const pid_t supervisor = Start(absl::StrCat(
      "while [ ! -e ", go, " ]; do sleep 0.01; done; yes '' | head -n ", kLines,
      "; : > ", wrote, "; exec sleep 60"));
  ASSERT_GT(supervisor, 0);
  const long before = KiB(supervisor, "VmRSS");
  WriteFile(go, "");
  ASSERT_TRUE(Eventually([&] { return Exists(wrote); }, absl::Seconds(20)));
  absl::SleepFor(absl::Milliseconds(200));  // What the pipe still held.
  const long grown = KiB(supervisor, "VmHWM") - before;
  std::cerr << kLines << " empty lines into a stalled FIFO: the supervisor "
            << "grew by " << grown << " KiB from " << before << " KiB\n";
#ifndef __SANITIZE_ADDRESS__  // Whose quarantine keeps what was freed.
  EXPECT_LT(grown, 6 * 1024) << "KiB";
#endif
  // The reader reads again: the lines that waited, and notices that count
  // the rest, each line whole.
  std::string got;
  size_t kept = 0;
  size_t dropped = 0;
  size_t notices = 0;
  EXPECT_TRUE(Eventually([&] {
    char buffer[65536];
    ssize_t n;
    while ((n = read(reader, buffer, sizeof buffer)) > 0) {
      got.append(buffer, static_cast<size_t>(n));
    }
    kept = dropped = notices = 0;
    size_t start = 0;
    for (size_t end; (end = got.find('\n', start)) != std::string::npos;
         start = end + 1) {
      absl::string_view line(got.data() + start, end - start);
      size_t count = 0;
      if (line.empty()) {
        ++kept;
      } else if (absl::ConsumePrefix(&line, "daemonize: ") &&
                 absl::ConsumeSuffix(&line,
                                     " lines of stdout dropped: "
                                     "Resource temporarily unavailable") &&
                 absl::SimpleAtoi(line, &count)) {
        dropped += count;
        ++notices;
      } else {
        ADD_FAILURE() << "torn line: " << line;
        return true;
      }
    }
    return kept + dropped == kLines;
  })) << kept
      << " kept and " << dropped << " dropped";
  EXPECT_GE(notices, 1u);
  std::cerr << kept << " kept, " << dropped << " dropped (" << notices
            << " notices)\n";
  const ProgramRun stop = Stop("500ms");
  EXPECT_EQ(stop.exit_status(), 0) << stop.err;
  EXPECT_EQ(ExitStatus(AwaitExit(supervisor)), 0);
  close(reader);
  unlink(fifo.c_str());
}

// 8. A full disk: a 2 MiB tmpfs in a mount namespace of the test's own.

class FullDiskTest : public CaptureTest {
 protected:
  void SetUp() override {
    CaptureTest::SetUp();
    if (getuid() != 0) GTEST_SKIP() << "needs root, to mount a small disk";
    // The disk is seen by this process and those it starts, by no other.
    ASSERT_EQ(unshare(CLONE_NEWNS), 0) << std::strerror(errno);
    ASSERT_EQ(mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), 0);
    disk_ = base_ + ".disk";
    ASSERT_EQ(mkdir(disk_.c_str(), 0755), 0);
    ASSERT_EQ(mount("tmpfs", disk_.c_str(), "tmpfs", 0, "size=2m,mode=0755"), 0)
        << std::strerror(errno);
    mounted_ = true;
    out_ = disk_ + "/out.log";
  }

  void TearDown() override {
    CaptureTest::TearDown();
    if (mounted_) umount2(disk_.c_str(), MNT_DETACH);
  }

  // Takes all the room left on the disk.
  void FillDisk() {
    const int fd =
        open((disk_ + "/fill").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    static const char kZeros[4096] = {};
    while (write(fd, kZeros, sizeof kZeros) > 0) {
    }
    EXPECT_EQ(errno, ENOSPC);
    close(fd);
  }

  std::string disk_;
  bool mounted_ = false;
};

TEST_F(FullDiskTest, LinesDroppedOnAFullDiskAreCountedAndNoneIsTorn) {
  constexpr int kFirst = 25000;  // 2.5 MB, while the disk is full.
  constexpr int kAfter = 10;
  // Part of a page used: the room left in it takes whole lines, and the
  // next one finds none.
  WriteFile(out_, "seed\n");
  FillDisk();
  const std::string go = base_ + ".go";
  const std::string wrote = base_ + ".wrote";
  const std::string again = base_ + ".again";
  // Lines of 100 bytes: "00001 xxx...\n".
  const std::string pad(93, 'x');
  const pid_t supervisor = Start(absl::StrCat(
      "while [ ! -e ", go, " ]; do sleep 0.01; done; ", "awk -v pad=", pad,
      " 'BEGIN { for (i = 1; i <= ", kFirst,
      "; i++) printf \"%05d %s\\n\", i, pad }'; : > ", wrote, "; ",
      "while [ ! -e ", again, " ]; do sleep 0.01; done; ", "awk -v pad=", pad,
      " 'BEGIN { for (i = ", kFirst + 1, "; i <= ", kFirst + kAfter,
      "; i++) printf \"%05d %s\\n\", i, pad }'"));
  ASSERT_GT(supervisor, 0);
  const absl::Time start = absl::Now();
  WriteFile(go, "");
  // COMMAND is not held up: its 2.5 MB go while nothing can be written.
  ASSERT_TRUE(Eventually([&] { return Exists(wrote); }, absl::Seconds(5)));
  const absl::Duration writing = absl::Now() - start;
  // The pipe drained, then a few tries, all failed, read over and over: no
  // read shows a part of a line, not even one the supervisor would take
  // back.
  absl::SleepFor(absl::Milliseconds(100));
  const std::string full = ReadFile(out_);
  std::string later = full;
  for (const absl::Time end = absl::Now() + absl::Milliseconds(350);
       absl::Now() < end && later == full;) {
    absl::SleepFor(absl::Milliseconds(2));
    later = ReadFile(out_);
  }
  EXPECT_EQ(later, full);
  // The room left in the seed's page took whole lines, and nothing of the
  // next one.
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  ASSERT_EQ(full.back(), '\n');
  EXPECT_EQ((full.size() - 5) % 100, 0u) << "a torn line";
  EXPECT_LE(full.size(), page);
  EXPECT_LT(page - full.size(), 100u) << "the next line would have fitted";
  ASSERT_EQ(unlink((disk_ + "/fill").c_str()), 0);
  ASSERT_TRUE(Eventually([&] {
    return absl::StrContains(ReadFile(out_), "daemonize: ");
  })) << "no notice";
  WriteFile(again, "");
  EXPECT_EQ(ExitStatus(AwaitExit(supervisor)), 0);

  const std::vector<std::string> lines = Lines(ReadFile(out_));
  ASSERT_GE(lines.size(), 3u);
  EXPECT_EQ(lines[0], "seed");
  int expected = 1;
  int notices = 0;
  int dropped = 0;
  int missing = 0;
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (absl::StartsWith(line, "daemonize: ")) {
      ++notices;
      EXPECT_THAT(line, MatchesRegex("daemonize: [0-9]+ lines of stdout "
                                     "dropped: No space left on device"));
      absl::SimpleAtoi(
          absl::string_view(line).substr(11, line.find(' ', 11) - 11),
          &dropped);
      continue;
    }
    int number = 0;
    if (line.size() != 99 || line.substr(5) != " " + pad ||
        !absl::SimpleAtoi(line.substr(0, 5), &number)) {
      ADD_FAILURE() << "torn line " << i << ": " << line;
      break;
    }
    if (number != expected) {
      EXPECT_EQ(notices, 1) << "lines missing at " << i << " with no notice";
      EXPECT_EQ(missing, 0) << "a second gap, at " << number;
      EXPECT_GT(number, expected);
      missing += number - expected;
    }
    expected = number + 1;
  }
  EXPECT_EQ(notices, 1);
  EXPECT_EQ(expected, kFirst + kAfter + 1);
  EXPECT_GT(dropped, 0);
  EXPECT_EQ(dropped, missing) << "the notice's count";
  std::cerr << "full disk: COMMAND wrote " << kFirst << " lines in " << writing
            << "; " << missing << " dropped, " << kFirst - missing
            << " kept waiting\n";
}

}  // namespace
