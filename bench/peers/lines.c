/* The program every logger takes the output of in bench/capture.py:
 *
 *   lines COUNT [RATE]
 *
 * writes COUNT lines of exactly 100 bytes to its standard output: a 9-digit
 * line number from 0, a space, 89 'x' and a newline, so that a reader can
 * tell a lost, repeated, torn or reordered line. stdio is fully buffered in
 * 64 KiB, a pipe's default capacity: as fast as it can, one write(2) per
 * 655 lines.
 *
 * With RATE (lines per second), it writes them in bursts every 5 ms, each
 * flushed, the bursts on an absolute schedule (clock_nanosleep), so that a
 * slow reader does not slow the rate that follows.
 *
 * Linked statically, so that its start costs no dynamic loading. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { kLine = 100, kDigits = 9, kBurstsPerSecond = 200 };

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    fputs("usage: lines COUNT [RATE]\n", stderr);
    return 64;
  }
  const long count = atol(argv[1]);
  const long rate = argc == 3 ? atol(argv[2]) : 0;
  if (count < 0 || count > 999999999 || rate < 0) return 64;
  static char buffer[1 << 16];
  setvbuf(stdout, buffer, _IOFBF, sizeof buffer);
  char line[kLine];
  memset(line, 'x', sizeof line);
  memset(line, '0', kDigits);
  line[kDigits] = ' ';
  line[kLine - 1] = '\n';
  const long burst =
      rate > 0 ? (rate + kBurstsPerSecond - 1) / kBurstsPerSecond : count;
  struct timespec next;
  clock_gettime(CLOCK_MONOTONIC, &next);
  for (long i = 0; i < count; ++i) {
    if (fwrite(line, 1, sizeof line, stdout) != sizeof line) return 74;
    for (int d = kDigits - 1; d >= 0; --d) { /* The next number, by hand. */
      if (line[d] != '9') {
        ++line[d];
        break;
      }
      line[d] = '0';
    }
    if (rate > 0 && (i + 1) % burst == 0) {
      if (fflush(stdout) != 0) return 74;
      next.tv_nsec += 1000000000L / kBurstsPerSecond;
      if (next.tv_nsec >= 1000000000L) {
        next.tv_nsec -= 1000000000L;
        ++next.tv_sec;
      }
      clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
    }
  }
  return fflush(stdout) == 0 ? 0 : 74;
}
