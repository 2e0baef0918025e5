// C++ anchor for the sqljoin workload: the same hash join, filter, group-by and
// order-by on the same two CSV files.
//   sqljoin <dir>   → loadMs, computeMs, result rows
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <unordered_map>
#include <vector>

using Clock = std::chrono::steady_clock;
static double ms(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

static std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out; size_t a = 0;
  for (size_t b; (b = s.find(',', a)) != std::string::npos; a = b + 1) out.push_back(s.substr(a, b - a));
  out.push_back(s.substr(a));
  return out;
}

int main(int argc, char** argv) {
  if (argc < 2) { std::fprintf(stderr, "usage: sqljoin dir\n"); return 2; }
  const std::string dir = argv[1];
  auto t0 = Clock::now();
  std::unordered_map<std::string, long> rank;
  std::ifstream r(dir + "/rankings.csv"); std::string line;
  while (std::getline(r, line)) { if (line.empty()) continue; auto f = split(line); rank[f[0]] = std::stol(f[1]); }
  std::vector<std::string> ip, url, date; std::vector<long> cents;
  std::ifstream v(dir + "/uservisits.csv");
  while (std::getline(v, line)) {
    if (line.empty()) continue;
    auto f = split(line);
    ip.push_back(f[0]); url.push_back(f[1]); date.push_back(f[2]);
    auto dot = f[3].find('.');
    long c = std::stol(f[3].substr(0, dot)) * 100;
    if (dot != std::string::npos) { auto frac = f[3].substr(dot + 1); if (frac.size() == 1) frac += "0"; c += std::stol(frac); }
    cents.push_back(c);
  }
  auto t1 = Clock::now();
  struct G { long cents = 0, rankSum = 0, n = 0; };
  std::unordered_map<std::string, G> groups;
  for (size_t i = 0; i < ip.size(); i++) {
    if (date[i] < "1999-01-01" || date[i] > "2000-01-01") continue;
    auto it = rank.find(url[i]);
    if (it == rank.end()) continue;
    G& g = groups[ip[i]]; g.cents += cents[i]; g.rankSum += it->second; g.n++;
  }
  std::vector<std::pair<std::string, G>> rows(groups.begin(), groups.end());
  std::sort(rows.begin(), rows.end(), [](auto& a, auto& b) { return a.second.cents != b.second.cents ? a.second.cents > b.second.cents : a.first < b.first; });
  auto t2 = Clock::now();
  std::printf("{\"loadMs\":%.3f,\"computeMs\":%.3f,\"check\":%zu}\n", ms(t0, t1), ms(t1, t2), rows.size());
}
