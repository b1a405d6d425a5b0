/*
 * What a one-page rewrite costs the kernel when the page sits in a large page-cache folio.
 *
 * Fills a 256 MiB file with writes of PAGES_PER_WRITE 4 KiB pages (Linux caches the file in folios
 * as large as those writes), fdatasyncing about every 200 pages, then rewrites 200,000 random
 * single pages with an fdatasync after every 1,000, and prints the CPU time (user + system) and
 * wall time of both phases and the bytes the block device wrote during the rewrites.
 *
 *   gcc -O2 -o folio_rewrite folio_rewrite.c
 *   ./folio_rewrite FILE 1 /sys/block/vda/stat
 *   ./folio_rewrite FILE 16 /sys/block/vda/stat
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

enum { PAGE = 4096, FILE_PAGES = 65536, REWRITES = 200000, REWRITES_PER_SYNC = 1000 };

static double wall(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static double cpu(void) {
  struct rusage r;
  getrusage(RUSAGE_SELF, &r);
  return r.ru_utime.tv_sec + r.ru_utime.tv_usec / 1e6 + r.ru_stime.tv_sec + r.ru_stime.tv_usec / 1e6;
}

/* Sectors the device has written (field 7 of its stat file), or -1. */
static long written_sectors(const char *stat) {
  FILE *f = fopen(stat, "r");
  long v[7];
  if (f == NULL) {
    return -1;
  }
  for (int i = 0; i < 7; i++) {
    if (fscanf(f, "%ld", &v[i]) != 1) {
      fclose(f);
      return -1;
    }
  }
  fclose(f);
  return v[6];
}

static void check(long done, long want, const char *what) {
  if (done != want) {
    perror(what);
    exit(1);
  }
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s FILE PAGES_PER_WRITE DEVICE_STAT\n", argv[0]);
    return 2;
  }
  int join = atoi(argv[2]);
  if (join < 1 || join > 16) {
    fprintf(stderr, "PAGES_PER_WRITE: 1..16\n");
    return 2;
  }
  int fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    perror(argv[1]);
    return 1;
  }
  char *buf = aligned_alloc(PAGE, 16 * PAGE);
  memset(buf, 1, 16 * PAGE);
  double w0 = wall(), c0 = cpu();
  for (long p = 0; p < FILE_PAGES; p += join) {
    check(pwrite(fd, buf, (size_t) PAGE * join, (off_t) PAGE * p), (long) PAGE * join, "pwrite");
    if (p % 200 < join) {
      check(fdatasync(fd), 0, "fdatasync");
    }
  }
  check(fdatasync(fd), 0, "fdatasync");
  double w1 = wall(), c1 = cpu();
  sync();
  long s0 = written_sectors(argv[3]);
  srand(1);
  double w2 = wall(), c2 = cpu();
  for (int i = 0; i < REWRITES; i++) {
    long p = rand() % FILE_PAGES;
    check(pwrite(fd, buf, PAGE, (off_t) PAGE * p), PAGE, "pwrite");
    if (i % REWRITES_PER_SYNC == REWRITES_PER_SYNC - 1) {
      check(fdatasync(fd), 0, "fdatasync");
    }
  }
  check(fdatasync(fd), 0, "fdatasync");
  double w3 = wall(), c3 = cpu();
  long s1 = written_sectors(argv[3]);
  printf("pages per write %d: fill %.2f s (CPU %.3f s); %d rewrites %.2f s (CPU %.2f s), device wrote %ld MiB\n",
         join, w1 - w0, c1 - c0, REWRITES, w3 - w2, c3 - c2, s0 < 0 || s1 < 0 ? -1 : (s1 - s0) / 2048);
  close(fd);
  unlink(argv[1]);
  return 0;
}
