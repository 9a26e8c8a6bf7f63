// esact-sim: option checks (exit 2 in seconds, before any simulation),
// unwritable outputs (no file left), and the injected faults of the
// random-layer campaign (SLVERR on a read or a write, a reset mid-layer).
#include <doctest/doctest.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <vector>

#include "cli_run.hpp"

#ifndef ESACT_SIM_CLI
#error "ESACT_SIM_CLI must name the esact-sim executable"
#endif

using esact::test::CmdResult;
using esact::test::fresh_dir;
using esact::test::listing;
namespace fs = std::filesystem;

namespace {

const std::string kSpec = "--synthetic n=5,d=16,heads=2,ffn=24,layers=2,seed=4 --latency 3";

CmdResult sim(const std::string& args, const fs::path& dir) {
  return esact::test::run_cmd(std::string(ESACT_SIM_CLI) + " " + args, dir);
}

// The run failed as it must: `code`, "esact-sim: error: " and `needle` on stderr.
void failed(const CmdResult& r, int code, const std::string& needle) {
  INFO(r.err);
  INFO(r.out);
  CHECK(r.code == code);
  CHECK(r.err.find("esact-sim: error: ") != std::string::npos);
  CHECK(r.err.find(needle) != std::string::npos);
}

// Refused before any simulation: normally in well under a second.  The bound
// guards against a hang (a FIFO, a starved memory) with room for a loaded
// machine and a sanitizer build, so that it never fails on a correct run.
void rejected(const CmdResult& r, int code, const std::string& needle) {
  failed(r, code, needle);
  CHECK(r.seconds < esact::test::kHangGuardSeconds);
}

}  // namespace

TEST_CASE("esact-sim: nonsense options are refused before the run") {
  const fs::path d = fresh_dir("s_opts");
  const std::string t = (d / "t.fst").string();
  rejected(sim(kSpec + " --trace " + t + " --trace-start 2000 --trace-end 1000", d), 2, "trace window is empty");
  rejected(sim(kSpec + " --trace-start 5", d), 2, "need --trace");
  rejected(sim(kSpec + " --trace " + t + " --activity a.tcl --toggle-energy-fj -5", d), 2, "--toggle-energy-fj");
  rejected(sim(kSpec + " --seed -1", d), 2, "--seed: -1 is negative, must be >= 0");
  rejected(sim(kSpec + " --timeout 0", d), 2, "--timeout: 0 is zero, must be > 0");
  rejected(sim(kSpec + " --bandwidth 1e-9", d), 2, "--bandwidth");
  rejected(sim(kSpec + " --backpressure 0.999", d), 2, "--backpressure");
  rejected(sim(kSpec + " --fault sometimes", d), 2, "--fault");
  rejected(sim(kSpec + " --fault reset --fault-at 1", d), 2, "--fault-at");
  rejected(sim(kSpec + " --fault slverr-read-predict", d), 2, "--fault slverr-read-predict needs --mode spls");
  rejected(sim(kSpec + " --activity a.tcl", d), 2, "--activity needs --trace");
  rejected(sim("--no-such-option", d), 2, "--no-such-option");
  rejected(sim("--synthetic n=4,d=16,heads=2,ffn=16,heads=4", d), 2, "key 'heads' given twice");
  CHECK(listing(d) == "stderr.txt\nstdout.txt\n");
}

TEST_CASE("esact-sim: unwritable outputs are refused at once and leave no file") {
  const fs::path d = fresh_dir("s_unwritable");
  rejected(sim(kSpec + " --json /nonexistent_esact/r.json", d), 2, "/nonexistent_esact/r.json");
  rejected(sim(kSpec + " --trace /nonexistent_esact/t.fst", d), 2, "/nonexistent_esact/t.fst");
  rejected(sim(kSpec + " --trace " + (d / "t.fst").string() + " --activity /nonexistent_esact/a.tcl", d), 2,
           "/nonexistent_esact/a.tcl");
  rejected(sim(kSpec + " --json /dev/full", d), 2, "/dev/full");
  rejected(sim("--help > /dev/full", d), 1, "standard output: write failed");
  CHECK(listing(d) == "stderr.txt\nstdout.txt\n");  // no trace left by the refused runs
  // Standard output on a full device: the run's outputs are not committed.
  const CmdResult r = sim(kSpec + " --json " + (d / "r.json").string() + " > /dev/full", d);
  failed(r, 1, "standard output");  // after the run: standard output is only known full when written
  CHECK(listing(d) == "stderr.txt\nstdout.txt\n");
}

TEST_CASE("esact-sim: a passing run writes its outputs, a trace window after the run is an error") {
  const fs::path d = fresh_dir("s_ok");
  const CmdResult ok = sim(kSpec + " --json " + (d / "r.json").string(), d);
  INFO(ok.err);
  REQUIRE(ok.code == 0);
  const auto j = nlohmann::json::parse(esact::test::slurp(d / "r.json"));
  CHECK(j["pass"] == true);
  CHECK(j["fault"]["kind"] == "none");
  const CmdResult late = sim(kSpec + fmt::format(" --trace {} --trace-start 100000000 --activity {}",
                                                 (d / "t.fst").string(), (d / "a.tcl").string()),
                             d);
  failed(late, 1, "holds no cycle");  // known only after the run
  CHECK(listing(d) == "r.json\nstderr.txt\nstdout.txt\n");
}

namespace {
// Each injected fault on the run of `args` (in SPLS mode also the SLVERR on
// PREDICT's reads of the last layer's Wq^T): the run reacts as it must (the
// fault note says what happened and how the run ended), then the next run is exact.
void check_faults(const std::string& args, const fs::path& d, bool spls = false) {
  struct Case {
    const char* fault;
    const char* note;
    const char* outcome;  // in the JSON fault note
  };
  std::vector<Case> cases = {{"slverr-read", "SLVERR on reads", "(W1 of layer 1), run ended after"},
                             {"slverr-write", "SLVERR on writes", "with ERR_AXI_WRITE"},
                             {"reset", "reset at cycle", "(busy)"}};
  if (spls) cases.push_back({"slverr-read-predict", "(Wq^T of layer 1)", "with ERR_AXI_READ"});
  for (const Case& c : cases) {
    CAPTURE(c.fault);
    const CmdResult r = sim(args + fmt::format(" --fault {} --fault-at 0.4 --json {}", c.fault, (d / "f.json").string()), d);
    INFO(r.out);
    INFO(r.err);
    CHECK(r.code == 0);
    CHECK(r.out.find(c.note) != std::string::npos);
    CHECK(r.out.find("PASS") != std::string::npos);
    const auto j = nlohmann::json::parse(esact::test::slurp(d / "f.json"));
    CHECK(j["fault"]["kind"] == c.fault);
    CHECK(j["fault"]["note"].get<std::string>().find(c.outcome) != std::string::npos);
    CHECK(j["pass"] == true);
  }
}
}  // namespace

TEST_CASE("esact-sim: injected faults end with the right error, then the next run is exact") {
  check_faults(kSpec, fresh_dir("s_fault"));
}

TEST_CASE("esact-sim --mode spls: injected faults end with the right error, then the next run is exact") {
  // esact-sim hands --mode spls to esact-sim-spls (the model with the front end).
  check_faults("--mode spls --latency 3 --synthetic n=12,d=32,heads=2,ffn=32,layers=2,seed=6,similarity=0.9,k=4,"
               "window=2,threshold=3",
               fresh_dir("s_fault_spls"), true);
}
