// The conventions shared by the three command-line tools (esact-golden,
// esact-eval, esact-sim), docs/reliability.md "Exit status", and their
// common option parsers (--sequences):
//
//   0  success (esact-sim: PASS)
//   1  the run failed: a mismatch or an RTL/AXI error (esact-sim), or an
//      output that could not be written (then no new output file is left)
//   2  bad command line or bad input (an option value, a model or input file)
//
// Every error goes to stderr as "TOOL: error: MESSAGE"; the message names the
// option or the file and says what is wrong.  Header-only: the tools link
// CLI11, the golden library does not.
#pragma once
#include <charconv>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "esact/outputs.hpp"

namespace esact::cli {

enum Exit : int { kOk = 0, kFailed = 1, kBadInput = 2 };

/// A bad option value or combination (exit 2).
struct UsageError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

inline int error(const char* tool, const std::string& what, int code) {
  std::fprintf(stderr, "%s: error: %s\n", tool, what.c_str());
  return code;
}

/// Option checks with plain messages ("--seed: -1 is negative, must be >= 0"):
/// CLI11's NonNegativeNumber/PositiveNumber print their range with DBL_MAX in full.
inline CLI::Validator sign_check(bool zero_ok) {
  return CLI::Validator(
      [zero_ok](std::string& s) -> std::string {
        double v = 0;
        if (!CLI::detail::lexical_cast(s, v)) return fmt::format("'{}' is not a number", s);
        if (zero_ok ? v >= 0 : v > 0) return {};
        return fmt::format("{} is {}, must be {}", s, v < 0 ? "negative" : "zero", zero_ok ? ">= 0" : "> 0");
      },
      zero_ok ? "NUMBER >= 0" : "NUMBER > 0");
}
inline const CLI::Validator kNonNegative = sign_check(true);
inline const CLI::Validator kPositive = sign_check(false);

/// Parse the command line.  Returns -1 to go on, else the exit status: 0 after
/// --help (1 when it could not be written), 2 after a parse error (printed as
/// "TOOL: error: ...").
inline int parse(CLI::App& app, int argc, char** argv, const char* tool) {
  try {
    app.parse(argc, argv);
    return -1;
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {  // --help: its text is the output, checked like any other
      app.exit(e);
      try {
        check_stdout();
      } catch (const std::exception& w) {
        return error(tool, w.what(), kFailed);
      }
      return kOk;
    }
    error(tool, e.what(), kBadInput);
    std::fprintf(stderr, "%s: run with --help for the options\n", tool);
    return kBadInput;
  }
}

/// Run one phase of a tool: an exception becomes "TOOL: error: ..." and `code`.
template <class F>
int guarded(const char* tool, int code, F&& f) {
  try {
    f();
    return kOk;
  } catch (const std::exception& e) {
    return error(tool, e.what(), code);
  }
}

/// A range of the sequences of a batched input (--sequences), inclusive.
struct SeqRange {
  int first = 0, last = 0;
  int count() const { return last - first + 1; }
};

/// "all", "A" or "A-B" (0-based, inclusive) against the input's batch of
/// `batch` sequences read from `input`; a UsageError names what is wrong.
inline SeqRange parse_sequences(const std::string& spec, int batch, const std::string& input) {
  const auto bad = [&] {
    return UsageError(fmt::format("--sequences '{}': expected all, A or A-B (0-based sequence numbers, A <= B)", spec));
  };
  if (spec == "all") return {0, batch - 1};
  const auto number = [&](std::string_view t) {
    int v = 0;
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (t.empty() || ec != std::errc() || end != t.data() + t.size() || v < 0) throw bad();
    return v;
  };
  const size_t dash = spec.find('-');
  SeqRange r;
  r.first = number(std::string_view(spec).substr(0, dash));
  r.last = dash == std::string::npos ? r.first : number(std::string_view(spec).substr(dash + 1));
  if (r.last < r.first) throw bad();
  if (r.last >= batch)
    throw UsageError(fmt::format("--sequences {}: {} holds {} sequence(s), numbered 0..{}", spec, input, batch,
                                 batch - 1));
  return r;
}

}  // namespace esact::cli
