#include "src/service_record.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sysexits.h>

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "daemonkit/exit_code.h"
#include "daemonkit/unique_fd.h"
#include "src/errno_status.h"
#include "src/file_replace.h"
#include "src/os_helpers.h"

namespace daemonkit::internal {
namespace {

// Every byte of both texts escaped to four ("\001"), and the rest's bytes.
static_assert(4 * (kMaxStatusTextBytes + kMaxLastExitBytes) + 128 <=
                  kMaxServiceRecordBytes,
              "every record the writer makes is one the reader accepts");

// The longest start of `text` of at most `limit` bytes that does not end
// inside a UTF-8 character: a cut before a continuation byte (10xxxxxx)
// moves back, over three of them at most.
absl::string_view Cut(absl::string_view text, size_t limit) {
  if (text.size() <= limit) return text;
  size_t end = limit;
  for (int back = 0; back < 3 && end > 0 &&
                     (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80;
       ++back) {
    --end;
  }
  return text.substr(0, end);
}

std::string Format(const ServiceRecord& record) {
  // Escaped, a text holds no newline: it cannot start a line of its own.
  return absl::StrCat(
      "pid=", record.pid, "\nstarted=", absl::ToUnixMicros(record.started),
      "\nstarts=", record.starts, "\nstatus=",
      absl::Utf8SafeCEscape(Cut(record.status_text, kMaxStatusTextBytes)),
      "\nlast_exit=",
      absl::Utf8SafeCEscape(Cut(record.last_exit, kMaxLastExitBytes)),
      "\ngave_up=", record.gave_up ? 1 : 0, "\n");
}

// `text` as a decimal integer in [low, high]: digits, maybe after a '-';
// none of the spaces or '+' that SimpleAtoi would accept.
template <typename T>
bool ParseInteger(absl::string_view text, int64_t low, int64_t high, T* value) {
  absl::string_view digits = text;
  absl::ConsumePrefix(&digits, "-");
  int64_t parsed = 0;
  if (digits.empty() ||
      !std::all_of(digits.begin(), digits.end(), absl::ascii_isdigit) ||
      !absl::SimpleAtoi(text, &parsed) || parsed < low || parsed > high) {
    return false;
  }
  *value = static_cast<T>(parsed);
  return true;
}

// One key of the record, and how its value is read into a record; false
// when the value is not valid.
struct Field {
  absl::string_view key;
  bool (*read)(absl::string_view value, ServiceRecord& record);
};

constexpr Field kFields[] = {
    {"pid",
     [](absl::string_view value, ServiceRecord& record) {
       return ParseInteger(value, 0, std::numeric_limits<pid_t>::max(),
                           &record.pid);
     }},
    {"started",
     [](absl::string_view value, ServiceRecord& record) {
       int64_t micros = 0;
       if (!ParseInteger(value, std::numeric_limits<int64_t>::min(),
                         std::numeric_limits<int64_t>::max(), &micros)) {
         return false;
       }
       record.started = absl::FromUnixMicros(micros);
       return true;
     }},
    {"starts",
     [](absl::string_view value, ServiceRecord& record) {
       return ParseInteger(value, 0, std::numeric_limits<int>::max(),
                           &record.starts);
     }},
    {"status",
     [](absl::string_view value, ServiceRecord& record) {
       return absl::CUnescape(value, &record.status_text);
     }},
    {"last_exit",
     [](absl::string_view value, ServiceRecord& record) {
       return absl::CUnescape(value, &record.last_exit);
     }},
    {"gave_up",
     [](absl::string_view value, ServiceRecord& record) {
       if (value != "0" && value != "1") return false;
       record.gave_up = value == "1";
       return true;
     }},
};
constexpr size_t kFieldCount = sizeof kFields / sizeof kFields[0];

absl::Status Malformed(const std::string& path, absl::string_view why) {
  return WithExitCode(absl::DataLossError(absl::StrCat("service record ", path,
                                                       " is malformed: ", why)),
                      EX_DATAERR);
}

// The record in `text`, read from `path`. Only the keys it knows are named
// in an error: the rest of the text may be anyone's.
absl::StatusOr<ServiceRecord> Parse(const std::string& path,
                                    absl::string_view text) {
  if (!absl::ConsumeSuffix(&text, "\n")) {
    return Malformed(path, "no newline at its end");
  }
  ServiceRecord record;
  bool seen[kFieldCount] = {};
  int number = 0;
  for (const absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    const size_t equals = line.find('=');
    if (equals == absl::string_view::npos) {
      return Malformed(path,
                       absl::StrCat("line ", number, " is not key=value"));
    }
    const absl::string_view key = line.substr(0, equals);
    const Field* field =
        std::find_if(kFields, kFields + kFieldCount,
                     [&](const Field& known) { return known.key == key; });
    if (field == kFields + kFieldCount) continue;  // A newer writer's key.
    if (std::exchange(seen[field - kFields], true)) {
      return Malformed(path, absl::StrCat("line ", number, ": ", key,
                                          " appears a second time"));
    }
    if (!field->read(line.substr(equals + 1), record)) {
      return Malformed(path,
                       absl::StrCat("line ", number, ": bad value for ", key));
    }
  }
  for (size_t i = 0; i < kFieldCount; ++i) {
    if (!seen[i]) return Malformed(path, absl::StrCat("no ", kFields[i].key));
  }
  return record;
}

absl::Status Refuse(const std::string& path, absl::string_view why) {
  return WithExitCode(absl::FailedPreconditionError(
                          absl::StrCat("service record ", path, " ", why)),
                      EX_NOINPUT);
}

// The whole content of the regular file at `path`, if it holds at most
// kMaxServiceRecordBytes.
absl::StatusOr<std::string> ReadBounded(Os& os, const std::string& path) {
  // O_NONBLOCK: opening a FIFO planted there would wait for a writer.
  const SysCallIntResult opened = RetryOnEintr([&] {
    return os.Open(path.c_str(),
                   O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC,
                   0);
  });
  if (opened.error == ENOENT) {
    return WithExitCode(
        absl::NotFoundError(absl::StrCat("no service record ", path)),
        EX_NOINPUT);
  }
  if (opened.error == ELOOP) {
    return Refuse(path, "is a symbolic link; refusing to follow it");
  }
  if (!opened.ok()) {
    return ErrnoStatus(absl::StrCat("opening service record ", path),
                       opened.error, EX_NOINPUT);
  }
  const UniqueFd file(os, opened.value);
  struct stat info;
  if (const SysCallIntResult got = os.FStat(file.get(), &info); !got.ok()) {
    return ErrnoStatus(absl::StrCat("checking service record ", path),
                       got.error, EX_IOERR);
  }
  if (!S_ISREG(info.st_mode)) return Refuse(path, "is not a regular file");
  // One byte more than allowed, to see that there is more.
  std::string text(kMaxServiceRecordBytes + 1, '\0');
  size_t size = 0;
  while (size < text.size()) {
    const SysCallSizeResult got = RetryOnEintr(
        [&] { return os.Read(file.get(), &text[size], text.size() - size); });
    if (!got.ok()) {
      return ErrnoStatus(absl::StrCat("reading service record ", path),
                         got.error, EX_IOERR);
    }
    if (got.value == 0) break;
    size += static_cast<size_t>(got.value);
  }
  if (size > kMaxServiceRecordBytes) {
    return Malformed(
        path, absl::StrCat("larger than ", kMaxServiceRecordBytes, " bytes"));
  }
  text.resize(size);
  return text;
}

}  // namespace

std::string ServiceRecordPath(absl::string_view pid_file_path) {
  return absl::StrCat(pid_file_path, ".status");
}

absl::Status WriteServiceRecord(Os& os, int dir_fd, const std::string& name,
                                const ServiceRecord& record) {
  return ReplaceFileAt(os, dir_fd, name, Format(record), "service record");
}

absl::StatusOr<ServiceRecord> ReadServiceRecord(Os& os,
                                                const std::string& path) {
  const absl::StatusOr<std::string> text = ReadBounded(os, path);
  if (!text.ok()) return text.status();
  return Parse(path, *text);
}

absl::Status RemoveServiceRecord(Os& os, int dir_fd, const std::string& name) {
  return RemoveFileAt(os, dir_fd, name, "service record");
}

}  // namespace daemonkit::internal
