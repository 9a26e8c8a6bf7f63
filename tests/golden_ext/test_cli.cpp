// The esact-golden CLI: runs, dumps, writes models/inputs, and fails cleanly.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "esact/io.hpp"
#include "esact/layer.hpp"
#include "esact/npy.hpp"
#include "esact/synthetic.hpp"

#ifndef ESACT_GOLDEN_CLI
#error "ESACT_GOLDEN_CLI must name the esact-golden executable"
#endif

using namespace esact;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

struct Run {
  int code = -1;
  std::string err;
};

Run cli(const std::string& args, const fs::path& dir) {
  const fs::path errf = dir / "stderr.txt";
  const std::string cmd = std::string(ESACT_GOLDEN_CLI) + " " + args + " > " + (dir / "stdout.txt").string() + " 2> " +
                          errf.string();
  const int st = std::system(cmd.c_str());
  Run r;
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  std::ifstream e(errf);
  r.err.assign(std::istreambuf_iterator<char>(e), {});
  return r;
}

fs::path scratch(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("esact_test_cli_" + std::to_string(::getpid())) / name;
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

}  // namespace

TEST_CASE("esact-golden: synthetic run writes a readable dump, JSON, model and input") {
  const fs::path dir = scratch("run");
  const std::string spec = "n=12,d=16,heads=2,ffn=32,layers=2,similarity=0.9,seed=5,k=4,window=3,threshold=3";
  const Run r = cli(fmt::format("--synthetic {} --json {} --dump {} --write-model {} --write-input {}", spec,
                                (dir / "r.json").string(), (dir / "dump").string(), (dir / "model").string(),
                                (dir / "x.npy").string()),
                    dir);
  INFO(r.err);
  REQUIRE(r.code == 0);
  // Dump: every file readable with the documented dtype and shape.
  const fs::path d = dir / "dump";
  CHECK(npy::read_as<int8_t>(d / "x.npy", {12, 16}).size() == 192);
  CHECK(npy::read_as<int8_t>(d / "wq.npy", {16, 16}).size() == 256);
  CHECK(npy::read_as<int8_t>(d / "wk.npy", {16, 16}).size() == 256);
  CHECK(npy::read_as<int32_t>(d / "khat.npy", {12, 16}).size() == 192);
  CHECK(npy::read_as<int32_t>(d / "qhat.npy", {12, 16}).size() == 192);
  const auto pam = npy::read_as<int64_t>(d / "pam.npy", {2, 12, 12});
  const auto mask = npy::read_as<uint8_t>(d / "mask.npy", {2, 12, 12});
  const auto leader = npy::read_as<int32_t>(d / "leader.npy", {12});
  const auto y = npy::read_as<int8_t>(d / "y.npy", {12, 16});
  const json cfg = json::parse(std::ifstream(d / "config.json"));
  for (const char* key : {"N", "D", "H", "F", "k", "W", "T", "ffn_reuse"}) CHECK_MESSAGE(cfg.contains(key), key);
  CHECK(cfg["N"] == 12);
  CHECK(cfg["k"] == 4);
  CHECK(cfg["W"] == 3);
  CHECK(cfg["T"] == 3);
  // Each mask row selects exactly k keys.
  for (size_t row = 0; row < 24; ++row) {
    int c = 0;
    for (size_t j = 0; j < 12; ++j) c += mask[row * 12 + j];
    CHECK(c == 4);
  }
  // The dump is the golden model's layer 0: recompute from the written model and input.
  const Model m = load_model(dir / "model");
  const Inputs in = load_inputs(dir / "x.npy", m);
  const auto R = run_layer(m, m.layers[0], in.sequence(0), in.n, Mode::Spls);
  CHECK(R.pred.pam == pam);
  CHECK(R.masks == mask);
  CHECK(R.leader == leader);
  CHECK(R.y == y);
  // JSON report fields.
  const json j = json::parse(std::ifstream(dir / "r.json"));
  for (const char* key : {"model", "input", "shape", "work", "layers", "error", "seconds"}) CHECK_MESSAGE(j.contains(key), key);
  for (const char* key : {"qkv", "qk", "av", "wo", "ffn", "total", "softmax_exps", "prediction_additions",
                          "prediction_additions_per_dense_mac", "weight_bytes", "activation_bytes"})
    CHECK_MESSAGE(j["work"].contains(key), key);
  for (const char* key : {"qkv", "qk", "av", "wo", "ffn", "total", "softmax_exps"})  // esact::work_json, as esact-eval's
    for (const char* field : {"dense", "spls", "reduction"})
      CHECK_MESSAGE(j["work"][key].contains(field), fmt::format("{}.{}", key, field));
  CHECK(j["layers"].size() == 2);
  CHECK(j["layers"][0]["followers"].get<int>() == 12 - R.leaders());
  CHECK(j["work"]["prediction_additions"].get<uint64_t>() > 0);
  CHECK(j["error"]["int_dense_vs_float"]["cosine"].get<double>() > 0.99);
  CHECK(j["work"]["total"]["dense"].get<uint64_t>() > j["work"]["total"]["spls"].get<uint64_t>());
  // The saved model + input give the same report numbers.
  const Run r2 = cli(fmt::format("--model {} --input {} --json {} --no-float", (dir / "model").string(),
                                 (dir / "x.npy").string(), (dir / "r2.json").string()),
                     dir);
  REQUIRE(r2.code == 0);
  const json j2 = json::parse(std::ifstream(dir / "r2.json"));
  CHECK(j2["work"] == j["work"]);
  // Knob overrides reach every layer.
  const Run r3 = cli(fmt::format("--model {} --input {} --json {} --no-float --k 12 --window 0",
                                 (dir / "model").string(), (dir / "x.npy").string(), (dir / "r3.json").string()),
                     dir);
  REQUIRE(r3.code == 0);
  const json j3 = json::parse(std::ifstream(dir / "r3.json"));
  CHECK(j3["work"]["total"]["reduction"].get<double>() == 0.0);
  CHECK(j3["layers"][1]["followers"] == 0);
}

TEST_CASE("esact-golden: bad input gives a message and a non-zero exit") {
  const fs::path dir = scratch("bad");
  struct Case {
    std::string args, needle;
  };
  npy::write(dir / "wide.npy", std::vector<int8_t>(4 * 9), {4, 9});
  const Case cases[] = {
      {"", "give --model DIR or --synthetic SPEC"},
      {"--synthetic n=8,d=9,heads=2", "not a multiple"},
      {"--synthetic n=8,d=16,heads=2,ffn=16,colour=1", "unknown key 'colour'"},
      {"--model " + (dir / "none").string(), "not a model folder"},
      {"--synthetic n=8,d=16,heads=2,ffn=16 --window 99", "--window = 99 out of range"},
      {"--synthetic n=8,d=16,heads=2,ffn=16 --k 0", "--k = 0 must be >= 1"},
      {"--synthetic n=8,d=16,heads=2,ffn=16 --input " + (dir / "wide.npy").string(), "differs from the model's d_model"},
      {"--synthetic n=8,d=16,heads=2,ffn=16 --input " + (dir / "missing.npy").string(), "file not found"},
      {"--synthetic n=8,d=16 --model x", "excludes"},
      {"--synthetic n=8,d=16,heads=2,ffn=16 --ffn-reuse maybe", "maybe"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.args);
    const Run r = cli(c.args, dir);
    CHECK(r.code != 0);
    CHECK_MESSAGE(r.err.find(c.needle) != std::string::npos, r.err);
  }
}
