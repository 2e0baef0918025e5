// C++ anchor for the logreg workload: the same full-batch gradient steps on the same
// LIBSVM file (CSR rows, mean log-loss gradient plus L2).
//   logreg <rows.libsvm> <features> <iterations> <step> <l2>   → loadMs, computeMs, loss
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

using Clock = std::chrono::steady_clock;
static double ms(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

int main(int argc, char** argv) {
  if (argc < 6) { std::fprintf(stderr, "usage: logreg file features iterations step l2\n"); return 2; }
  const size_t f = std::atol(argv[2]);
  const int iters = std::atoi(argv[3]);
  const double rate = std::atof(argv[4]), l2 = std::atof(argv[5]);
  auto t0 = Clock::now();
  std::ifstream in(argv[1]);
  std::vector<unsigned> off{0}, idx; std::vector<double> val; std::vector<unsigned char> y;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const char* p = line.c_str();
    y.push_back(*p == '1'); p++;
    while (*p) {
      while (*p == ' ') p++;
      if (!*p) break;
      char* end; unsigned long j = std::strtoul(p, &end, 10); p = end + 1;
      double v = std::strtod(p, &end); p = end;
      idx.push_back((unsigned)(j - 1)); val.push_back(v);
    }
    off.push_back((unsigned)idx.size());
  }
  const size_t n = y.size();
  auto t1 = Clock::now();
  std::vector<double> w(f), g(f);
  double loss = 0;
  for (int it = 0; it < iters; it++) {
    std::fill(g.begin(), g.end(), 0.0); loss = 0;
    for (size_t i = 0; i < n; i++) {
      double z = 0;
      for (unsigned e = off[i]; e < off[i + 1]; e++) z += w[idx[e]] * val[e];
      double p = 1 / (1 + std::exp(-z));
      loss += std::log1p(std::exp(-std::fabs(z))) + std::fmax(0, y[i] ? -z : z);
      double r = p - y[i];
      for (unsigned e = off[i]; e < off[i + 1]; e++) g[idx[e]] += r * val[e];
    }
    for (size_t j = 0; j < f; j++) w[j] -= rate * (g[j] / n + l2 * w[j]);
  }
  auto t2 = Clock::now();
  std::printf("{\"loadMs\":%.3f,\"computeMs\":%.3f,\"check\":%.17g}\n", ms(t0, t1), ms(t1, t2), loss / n);
}
