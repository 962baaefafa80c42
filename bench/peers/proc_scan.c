/* A reference for bench/supervisors.py: what one scan of /proc costs here,
 * done as daemonkit's process tree does it (src/process_tree.cc): list
 * /proc, then open, read and close /proc/PID/stat of every process.
 * Prints "PROCESSES MEDIAN_MS" over ROUNDS scans. Usage: proc_scan [ROUNDS] */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static int compare(const void* a, const void* b) {
  const double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? atoi(argv[1]) : 21;
  if (rounds < 1 || rounds > 10000) return 64;
  double* ms = malloc(sizeof *ms * (size_t)rounds);
  if (ms == NULL) return 71;
  int processes = 0;
  for (int round = 0; round < rounds; ++round) {
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    DIR* proc = opendir("/proc");
    if (proc == NULL) return 71;
    processes = 0;
    for (struct dirent* entry; (entry = readdir(proc)) != NULL;) {
      if (entry->d_name[0] < '1' || entry->d_name[0] > '9') continue;
      char path[64], line[1024];
      snprintf(path, sizeof path, "/proc/%s/stat", entry->d_name);
      const int fd = open(path, O_RDONLY | O_CLOEXEC);
      if (fd < 0) continue;
      if (read(fd, line, sizeof line) > 0) ++processes;
      close(fd);
    }
    closedir(proc);
    clock_gettime(CLOCK_MONOTONIC, &end);
    ms[round] = (double)(end.tv_sec - start.tv_sec) * 1e3 +
                (double)(end.tv_nsec - start.tv_nsec) / 1e6;
  }
  qsort(ms, (size_t)rounds, sizeof *ms, compare);
  printf("%d %.3f\n", processes, ms[rounds / 2]);
  free(ms);
  return 0;
}
