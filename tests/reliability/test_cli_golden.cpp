// esact-golden and esact-eval on bad input and unwritable outputs: a non-zero
// exit, a message naming the file or option and the problem, within seconds,
// and no new output file (issue 10's defect classes, one check each).
#include <doctest/doctest.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include <cmath>
#include <limits>

#include "cli_run.hpp"
#include "esact/io.hpp"
#include "esact/npy.hpp"
#include "esact/synthetic.hpp"

#if !defined(ESACT_GOLDEN_CLI) || !defined(ESACT_EVAL_CLI)
#error "ESACT_GOLDEN_CLI and ESACT_EVAL_CLI must name the executables"
#endif

using namespace esact;
using esact::test::CmdResult;
using esact::test::fresh_dir;
using esact::test::listing;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

const std::string kSpec = "n=6,d=16,heads=2,ffn=32,layers=1,seed=3";

CmdResult golden(const std::string& args, const fs::path& dir) {
  return test::run_cmd(std::string(ESACT_GOLDEN_CLI) + " " + args, dir);
}
CmdResult eval(const std::string& args, const fs::path& dir) {
  return test::run_cmd(std::string(ESACT_EVAL_CLI) + " " + args, dir);
}

// The run failed as it must: `code`, "TOOL: error: " and `needle` on stderr, fast.
void failed(const CmdResult& r, int code, const std::string& tool, const std::string& needle) {
  INFO(r.err);
  CHECK(r.code == code);
  CHECK(r.err.find(tool + ": error: ") != std::string::npos);
  CHECK(r.err.find(needle) != std::string::npos);
  CHECK(r.seconds < test::kHangGuardSeconds);  // a hang guard, not a timing test (cli_run.hpp)
}

// A classifier model folder and its labelled test split, written with the library.
void write_classifier_model(const fs::path& dir) {
  Synthetic s = make_synthetic(kSpec);
  Classifier c;
  c.classes = 3;
  c.pool_mean = true;
  c.weight.resize(16 * 3);
  for (size_t i = 0; i < c.weight.size(); ++i) c.weight[i] = static_cast<float>(static_cast<int>(i % 7) - 3) * 0.1f;
  c.bias = {0.f, 0.1f, -0.1f};
  s.model.classifier = c;
  save_model(s.model, dir);
  Inputs in = s.inputs;
  in.labels = std::vector<int32_t>{1};
  save_inputs(in, dir / "test");
}

// Rewrite the manifest with `edit` applied to its text.
void edit_manifest(const fs::path& model, const std::string& from, const std::string& to) {
  std::string t = test::slurp(model / "manifest.json");
  const auto at = t.find(from);
  REQUIRE_MESSAGE(at != std::string::npos, from);
  t.replace(at, from.size(), to);
  write_text_atomic(model / "manifest.json", t);
}

}  // namespace

TEST_CASE("esact-golden: command-line errors exit 2 with the tool's prefix") {
  const fs::path d = fresh_dir("g_parse");
  failed(golden("--no-such-option", d), 2, "esact-golden", "--no-such-option");
  failed(golden("--synthetic " + kSpec + " --max-seqs -3", d), 2, "esact-golden", "--max-seqs: -3 is negative, must be >= 0");
  failed(golden("--synthetic " + kSpec + " --max-seqs lots", d), 2, "esact-golden", "--max-seqs: 'lots' is not a number");
  failed(golden("--synthetic " + kSpec + " --k 0", d), 2, "esact-golden", "--k = 0");
  failed(eval("--grid", d), 2, "esact-eval", "--grid");
  failed(eval("", d), 2, "esact-eval", "--model");
  CHECK(golden("--help", d).code == 0);
  // The help text is output too: on a full device it is an error, not a silent 0.
  failed(golden("--help > /dev/full", d), 1, "esact-golden", "standard output: write failed");
  failed(eval("--help > /dev/full", d), 1, "esact-eval", "standard output: write failed");
}

TEST_CASE("esact-golden: unwritable outputs fail and leave no file") {
  const fs::path d = fresh_dir("g_unwritable");
  failed(golden(fmt::format("--synthetic {} --json /nonexistent_esact/r.json", kSpec), d), 1, "esact-golden",
         "/nonexistent_esact/r.json");
  failed(golden(fmt::format("--synthetic {} --write-input /dev/full", kSpec), d), 1, "esact-golden", "/dev/full");
  failed(golden(fmt::format("--synthetic {} --write-model /dev/full", kSpec), d), 1, "esact-golden", "/dev/full");
  // Standard output on a full device.
  const CmdResult r = golden(fmt::format("--synthetic {} > /dev/full", kSpec), d);
  failed(r, 1, "esact-golden", "standard output");
  // A write that fails midway (file size limit, as on a full disk): no partial model.
  const CmdResult big = test::run_cmd(fmt::format("trap '' XFSZ; ulimit -f 2; {} --synthetic {} --write-model {}",
                                                  ESACT_GOLDEN_CLI, kSpec, (d / "model").string()),
                                      d);
  failed(big, 1, "esact-golden", "write failed");
  CHECK_FALSE(fs::exists(d / "model"));
  CHECK(listing(d) == "stderr.txt\nstdout.txt\n");
}

TEST_CASE("esact-golden / esact-eval: a failing run leaves no partial output") {
  const fs::path d = fresh_dir("g_partial");
  write_text_atomic(d / "blocker", "a file where --dump wants a folder\n");
  failed(golden(fmt::format("--synthetic {} --json {} --write-model {} --dump {}", kSpec, (d / "r.json").string(),
                            (d / "m").string(), (d / "blocker" / "dump").string()),
                d),
         1, "esact-golden", "blocker");
  CHECK_FALSE(fs::exists(d / "r.json"));
  CHECK_FALSE(fs::exists(d / "m"));
  const fs::path m = d / "cls";
  write_classifier_model(m);
  failed(eval(fmt::format("--model {} --dense-output {} --json /nonexistent_esact/e.json", m.string(),
                          (d / "y.npy").string()),
              d),
         1, "esact-eval", "/nonexistent_esact/e.json");
  CHECK_FALSE(fs::exists(d / "y.npy"));
  // The same run with a writable --json writes both.
  const CmdResult ok = eval(fmt::format("--model {} --dense-output {} --json {}", m.string(), (d / "y.npy").string(),
                                        (d / "e.json").string()),
                            d);
  INFO(ok.err);
  REQUIRE(ok.code == 0);
  CHECK(fs::exists(d / "y.npy"));
  CHECK(json::parse(test::slurp(d / "e.json"))["sequences"] == 1);
}

TEST_CASE("esact-golden / esact-eval: duplicate keys are refused, not last-one-wins") {
  const fs::path d = fresh_dir("g_dup");
  failed(golden("--synthetic n=6,d=16,heads=2,ffn=32,n=8", d), 2, "esact-golden", "key 'n' given twice");
  const fs::path m = d / "cls";
  write_classifier_model(m);
  failed(eval(fmt::format("--model {} --grid 'k=1;window=0;threshold=0;ffn_reuse=on;k=2'", m.string()), d), 2,
         "esact-eval", "--grid: key 'k' given twice");
  edit_manifest(m, "\"d_model\": 16,", "\"d_model\": 16, \"d_model\": 32,");
  failed(eval("--model " + m.string(), d), 2, "esact-eval", "manifest.json: d_model: duplicate key");
}

TEST_CASE("loaders: errors name the file and the problem") {
  const fs::path d = fresh_dir("g_names");
  const fs::path m = d / "m";
  write_classifier_model(m);
  SUBCASE("manifest.json is a folder") {
    fs::remove(m / "manifest.json");
    fs::create_directory(m / "manifest.json");
    failed(golden(fmt::format("--model {} --input {}/test", m.string(), m.string()), d), 2, "esact-golden",
           (m / "manifest.json").string() + ": not a regular file");
  }
  SUBCASE("a number that overflows a double") {
    edit_manifest(m, "\"version\": 1", "\"version\": 1e999");
    failed(golden(fmt::format("--model {} --input {}/test", m.string(), m.string()), d), 2, "esact-golden",
           (m / "manifest.json").string() + ": bad JSON");
  }
  SUBCASE("requant M of 2^64-1 is reported as written") {
    const std::string t = test::slurp(m / "manifest.json");
    const auto q = t.find("\"q\": [");
    REQUIRE(q != std::string::npos);
    const auto comma = t.find(',', q);
    edit_manifest(m, t.substr(q, comma - q), "\"q\": [\n          18446744073709551615");
    failed(golden(fmt::format("--model {} --input {}/test", m.string(), m.string()), d), 2, "esact-golden",
           "layers[0].requant.q: M = 18446744073709551615 out of range 1..65535");
  }
  SUBCASE("inputs.json is a folder") {
    fs::remove(m / "test" / "inputs.json");
    fs::create_directory(m / "test" / "inputs.json");
    failed(eval("--model " + m.string(), d), 2, "esact-eval", "inputs.json: not a regular file");
  }
}

TEST_CASE("loaders: array paths stay inside the model folder") {
  const fs::path d = fresh_dir("g_confine");
  const fs::path m = d / "m";
  write_classifier_model(m);
  fs::copy_file(m / "l0" / "wq.npy", d / "outside.npy");
  SUBCASE("absolute") {
    edit_manifest(m, "\"l0/wq.npy\"", "\"" + (d / "outside.npy").string() + "\"");
    failed(eval("--model " + m.string(), d), 2, "esact-eval", "layers[0].arrays.wq: '" + (d / "outside.npy").string() + "' is an absolute path");
  }
  SUBCASE("climbing out") {
    edit_manifest(m, "\"l0/wq.npy\"", "\"l0/../../outside.npy\"");
    failed(eval("--model " + m.string(), d), 2, "esact-eval", "climbs out");
  }
  SUBCASE("inputs.json too") {
    std::string t = test::slurp(m / "test" / "inputs.json");
    t.replace(t.find("\"x.npy\""), 7, "\"../../outside.npy\"");
    write_text_atomic(m / "test" / "inputs.json", t);
    failed(eval("--model " + m.string(), d), 2, "esact-eval", "tokens: '../../outside.npy' climbs out");
  }
}

TEST_CASE("loaders: a FIFO in place of an .npy file is refused at once") {
  const fs::path d = fresh_dir("g_fifo");
  const fs::path m = d / "m";
  write_classifier_model(m);
  fs::remove(m / "l0" / "w1.npy");
  REQUIRE(::mkfifo((m / "l0" / "w1.npy").c_str(), 0600) == 0);
  failed(eval("--model " + m.string(), d), 2, "esact-eval", "w1.npy: not a regular file");
  fs::remove(m / "test" / "x.npy");
  REQUIRE(::mkfifo((m / "test" / "x.npy").c_str(), 0600) == 0);
  failed(golden(fmt::format("--synthetic {} --input {}", kSpec, (m / "test" / "x.npy").string()), d), 2, "esact-golden",
         "x.npy: not a regular file");
}

TEST_CASE("esact-eval: NaN or infinite classifier weights are refused") {
  const fs::path d = fresh_dir("g_nan");
  const fs::path m = d / "m";
  write_classifier_model(m);
  auto w = npy::read_as<float>(m / "cls_w.npy", {});
  w[5] = std::numeric_limits<float>::quiet_NaN();
  npy::write(m / "cls_w.npy", w, {16, 3});
  failed(eval("--model " + m.string(), d), 2, "esact-eval", "classifier.weight: element 5 is nan");
  w[5] = 0;
  npy::write(m / "cls_w.npy", w, {16, 3});
  npy::write(m / "cls_b.npy", std::vector<float>{0, std::numeric_limits<float>::infinity(), 0}, {3});
  failed(eval("--model " + m.string(), d), 2, "esact-eval", "classifier.bias: element 1 is inf");
}

TEST_CASE("esact-golden --dump: config.json's source names the knobs the run used") {
  const fs::path d = fresh_dir("g_source");
  const CmdResult r = golden(fmt::format("--synthetic {} --k 2 --window 1 --threshold 3 --ffn-reuse off --dump {} --quiet",
                                         kSpec, (d / "dump").string()),
                             d);
  INFO(r.err);
  REQUIRE(r.code == 0);
  const json c = json::parse(test::slurp(d / "dump" / "config.json"));
  const std::string src = c["source"];
  CHECK(src.find("k=2,window=1,threshold=3,ffn_reuse=off") != std::string::npos);
  CHECK(c["k"] == 2);
  CHECK(c["W"] == 1);
  CHECK(c["T"] == 3);
  // The source string is a spec that rebuilds the same workload.
  CHECK(to_string(parse_synthetic(src.substr(src.find(':') + 1))) == src.substr(src.find(':') + 1));
}
