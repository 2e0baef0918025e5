// C++ anchor for the kmeans workload: the same Lloyd iterations (start rows floor(j*n/k),
// ties to the lower index, an empty cluster keeps its centroid) on the same points file.
//   kmeans <points.csv> <k> <iterations>   → one JSON line: loadMs, computeMs, sse
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

using Clock = std::chrono::steady_clock;
static double ms(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

int main(int argc, char** argv) {
  if (argc < 4) { std::fprintf(stderr, "usage: kmeans file k iterations\n"); return 2; }
  const int k = std::atoi(argv[2]), iters = std::atoi(argv[3]);
  auto t0 = Clock::now();
  std::ifstream in(argv[1]);
  std::vector<double> x;
  std::string line;
  size_t d = 0, n = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const char* p = line.c_str();
    size_t cols = 0;
    while (*p) { char* end; x.push_back(std::strtod(p, &end)); cols++; p = *end == ',' ? end + 1 : end; }
    if (!d) d = cols;
    n++;
  }
  auto t1 = Clock::now();
  std::vector<double> c(k * d), sums(k * d), counts(k);
  for (int j = 0; j < k; j++) for (size_t t = 0; t < d; t++) c[j * d + t] = x[(size_t)((double)j * n / k) * d + t];
  double sse = 0;
  for (int it = 0; it < iters; it++) {
    std::fill(sums.begin(), sums.end(), 0.0); std::fill(counts.begin(), counts.end(), 0.0); sse = 0;
    for (size_t i = 0; i < n; i++) {
      int best = 0; double bd = 1e300;
      for (int j = 0; j < k; j++) {
        double dist = 0;
        for (size_t t = 0; t < d; t++) { double df = x[i * d + t] - c[j * d + t]; dist += df * df; }
        if (dist < bd) { bd = dist; best = j; }
      }
      counts[best] += 1; sse += bd;
      for (size_t t = 0; t < d; t++) sums[best * d + t] += x[i * d + t];
    }
    for (int j = 0; j < k; j++) if (counts[j] > 0) for (size_t t = 0; t < d; t++) c[j * d + t] = sums[j * d + t] / counts[j];
  }
  auto t2 = Clock::now();
  std::printf("{\"loadMs\":%.3f,\"computeMs\":%.3f,\"check\":%.17g}\n", ms(t0, t1), ms(t1, t2), sse);
}
