// Reference anchor for bench/pagerank.bench.mjs: pull PageRank over a CSR of
// in-edges, same semantics as workloads/pagerank (duplicates collapsed,
// self-loops kept, dangling mass spread uniformly), on OMP_NUM_THREADS threads
// (OpenMP, vertices in chunks of 1024 as the workload's blocks). Reads the same
// SNAP edge list; prints JSON with the time per iteration.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 4) { std::fprintf(stderr, "usage: pagerank EDGES VERTICES ITERATIONS\n"); return 2; }
  const char* path = argv[1];
  const long n = std::atol(argv[2]);
  const int iters = std::atoi(argv[3]);
  auto load0 = std::chrono::steady_clock::now();
  FILE* f = std::fopen(path, "r");
  if (!f) { std::perror(path); return 2; }
  std::vector<unsigned> src, dst;
  char line[256];
  while (std::fgets(line, sizeof line, f)) {
    if (line[0] == '#' || line[0] == '\n') continue;
    unsigned long a, b;
    if (std::sscanf(line, "%lu %lu", &a, &b) == 2) { src.push_back(a); dst.push_back(b); }
  }
  std::fclose(f);
  const size_t m = src.size();
  std::vector<unsigned long> rowptr(n + 1, 0);
  for (size_t i = 0; i < m; i++) rowptr[dst[i] + 1]++;
  for (long v = 0; v < n; v++) rowptr[v + 1] += rowptr[v];
  std::vector<unsigned> col(m);
  std::vector<unsigned long> cur(rowptr.begin(), rowptr.end() - 1);
  for (size_t i = 0; i < m; i++) col[cur[dst[i]]++] = src[i];
  size_t w = 0, start = 0;
  for (long v = 0; v < n; v++) {
    size_t end = rowptr[v + 1];
    std::sort(col.begin() + start, col.begin() + end);
    rowptr[v] = w;
    long prev = -1;
    for (size_t e = start; e < end; e++) if ((long)col[e] != prev) { col[w++] = col[e]; prev = col[e]; }
    start = end;
  }
  rowptr[n] = w;
  std::vector<unsigned> outdeg(n, 0);
  for (size_t e = 0; e < w; e++) outdeg[col[e]]++;
  const double loadMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - load0).count();
  const double d = 0.85;
  std::vector<double> rank(n, 1.0 / n), next(n), contrib(n);
  std::vector<double> times;
  double delta = 0;
  for (int it = 0; it < iters; it++) {
    auto t0 = std::chrono::steady_clock::now();
    double dangling = 0;
#pragma omp parallel for reduction(+ : dangling) schedule(static, 1024)
    for (long v = 0; v < n; v++) {
      if (outdeg[v] == 0) { dangling += rank[v]; contrib[v] = 0; } else contrib[v] = rank[v] / outdeg[v];
    }
    const double base = (1 - d) / n + d * dangling / n;
    delta = 0;
#pragma omp parallel for reduction(+ : delta) schedule(dynamic, 1024)
    for (long v = 0; v < n; v++) {
      double s = 0;
      for (size_t e = rowptr[v]; e < rowptr[v + 1]; e++) s += contrib[col[e]];
      next[v] = base + d * s;
      delta += std::fabs(next[v] - rank[v]);
    }
    rank.swap(next);
    times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(times.begin(), times.end());
  std::printf("{\"edges\":%zu,\"msPerIteration\":%.6f,\"loadMs\":%.3f,\"delta\":%.17g}\n", w, times[times.size() / 2], loadMs, delta);
  return 0;
}
