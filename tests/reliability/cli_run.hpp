// Run a command line through the shell and capture its exit status and output:
// the reliability tests drive the three CLIs as a user would.
#pragma once
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

namespace esact::test {

/// "Within seconds": a refused run takes well under a second; this bound only
/// catches a hang (a FIFO opened for reading, a memory starved for hours) and
/// leaves a wide margin for a loaded machine and a sanitizer build.
constexpr double kHangGuardSeconds = 60;

struct CmdResult {
  int code = -1;  ///< exit status, -1 when killed by a signal
  std::string out, err;
  double seconds = 0;
};

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

/// Run `cmd` (a shell command line); stdout and stderr go to files in `dir`
/// unless the command redirects them itself.
inline CmdResult run_cmd(const std::string& cmd, const std::filesystem::path& dir) {
  const auto o = dir / "stdout.txt", e = dir / "stderr.txt";
  const auto t0 = std::chrono::steady_clock::now();
  const std::string full = "{ " + cmd + " ; } > " + o.string() + " 2> " + e.string();
  const int st = std::system(full.c_str());
  CmdResult r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  r.out = slurp(o);
  r.err = slurp(e);
  return r;
}

/// A fresh, empty folder for one test, below a folder private to this process
/// (removed when the process exits).
inline std::filesystem::path fresh_dir(const std::string& name) {
  static const auto root = [] {
    auto r = std::filesystem::temp_directory_path() / ("esact_rel_" + std::to_string(::getpid()));
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(std::filesystem::temp_directory_path() / ("esact_rel_" + std::to_string(::getpid())), ec);
    });
    return r;
  }();
  const auto p = root / name;
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p;
}

/// Every entry below `dir` (files and folders), as relative paths, sorted.
inline std::string listing(const std::filesystem::path& dir) {
  std::string s;
  std::vector<std::string> v;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    v.push_back(std::filesystem::relative(e.path(), dir).string());
  std::sort(v.begin(), v.end());
  for (const auto& x : v) s += x + "\n";
  return s;
}

}  // namespace esact::test
