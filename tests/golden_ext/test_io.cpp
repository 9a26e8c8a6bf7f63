// .npy reader/writer and the model/input loader (docs/spec.md 5.1, 5.2).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "esact/io.hpp"
#include "esact/layer.hpp"
#include "esact/npy.hpp"
#include "esact/params.hpp"
#include "test_util.hpp"

using namespace esact;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

fs::path scratch(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("esact_test_io_" + std::to_string(::getpid())) / name;
  fs::remove_all(p);
  fs::create_directories(p.parent_path());
  return p;
}

void write_bytes(const fs::path& p, const std::vector<uint8_t>& b) {
  std::ofstream o(p, std::ios::binary);
  o.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}
std::vector<uint8_t> read_bytes(const fs::path& p) {
  std::ifstream i(p, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(i), {});
}

// A .npy image with a hand-written header (v1.0).
std::vector<uint8_t> npy_image(const std::string& dict, size_t data_bytes, int major = 1) {
  std::string h = dict;
  const size_t pre = major == 1 ? 10 : 12;
  h.append((64 - (pre + h.size() + 1) % 64) % 64, ' ');
  h += '\n';
  std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<uint8_t>(major), 0};
  out.push_back(static_cast<uint8_t>(h.size() & 0xff));
  out.push_back(static_cast<uint8_t>(h.size() >> 8));
  if (major == 2) {
    out.push_back(0);
    out.push_back(0);
  }
  out.insert(out.end(), h.begin(), h.end());
  for (size_t i = 0; i < data_bytes; ++i) out.push_back(static_cast<uint8_t>(i * 7));
  return out;
}

template <class E, class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "<no error>";
}

bool has(const std::string& s, const std::string& needle) { return s.find(needle) != std::string::npos; }

}  // namespace

TEST_CASE("npy: round trip of every dtype, and NumPy's exact bytes") {
  const fs::path dir = scratch("npy_rt");
  fs::create_directories(dir);
  const std::vector<int8_t> a8 = {-128, -1, 0, 1, 127, 5};
  npy::write(dir / "a.npy", a8, {2, 3});
  CHECK(npy::read_as<int8_t>(dir / "a.npy", {2, 3}) == a8);
  const std::vector<uint8_t> u8 = {0, 255, 7};
  npy::write(dir / "u.npy", u8, {3});
  CHECK(npy::read_as<uint8_t>(dir / "u.npy", {3}) == u8);
  const std::vector<int16_t> i16 = {-32768, 32767, -2};
  npy::write(dir / "s.npy", i16, {3, 1});
  CHECK(npy::read_as<int16_t>(dir / "s.npy", {3, 1}) == i16);
  const std::vector<int32_t> i32 = {INT32_MIN, INT32_MAX, -5, 6};
  npy::write(dir / "i.npy", i32, {4});
  CHECK(npy::read_as<int32_t>(dir / "i.npy", {4}) == i32);
  const std::vector<int64_t> i64 = {INT64_MIN, INT64_MAX, -7, 0};
  npy::write(dir / "l.npy", i64, {1, 2, 2});
  CHECK(npy::read_as<int64_t>(dir / "l.npy", {1, 2, 2}) == i64);
  const std::vector<float> f32 = {0.5f, -1e30f, 3.25f};
  npy::write(dir / "f.npy", f32, {3});
  CHECK(npy::read_as<float>(dir / "f.npy", {3}) == f32);
  // Byte for byte what numpy.save(np.array([[-128,-1,0],[1,127,5]], np.int8)) writes.
  const auto img = read_bytes(dir / "a.npy");
  const std::string want = "{'descr': '|i1', 'fortran_order': False, 'shape': (2, 3), }";
  CHECK(std::string(img.begin() + 10, img.begin() + 10 + static_cast<std::ptrdiff_t>(want.size())) == want);
  CHECK(img.size() == 128 + 6);
  CHECK(img[127] == '\n');
  // A 1-d shape prints as (n,); a version 2.0 file and an empty array load.
  CHECK(npy::shape_str({4}) == "(4,)");
  write_bytes(dir / "v2.npy", npy_image("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", 8, 2));
  CHECK(npy::read(dir / "v2.npy").shape == std::vector<size_t>{2});
  write_bytes(dir / "e.npy", npy_image("{'descr': '<i4', 'fortran_order': False, 'shape': (0, 3), }", 0));
  CHECK(npy::read(dir / "e.npy").count() == 0);
}

TEST_CASE("npy: every malformed file gives an error naming the file and the problem") {
  const fs::path dir = scratch("npy_bad");
  fs::create_directories(dir);
  const std::string ok = "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }";
  struct Case {
    const char* what;
    std::vector<uint8_t> bytes;
    const char* needle;
  };
  auto good = npy_image(ok, 24);
  auto bad_magic = good;
  bad_magic[1] = 'X';
  auto bad_version = good;
  bad_version[6] = 3;
  auto truncated = good;
  truncated.resize(truncated.size() - 5);
  auto trailing = good;
  trailing.push_back(0);
  std::vector<uint8_t> short_header(good.begin(), good.begin() + 40);
  const std::vector<Case> cases = {
      {"empty file", {}, "bad magic"},
      {"bad magic", bad_magic, "bad magic"},
      {"version 3.0", bad_version, "unsupported .npy version 3.0"},
      {"truncated data", truncated, "truncated data"},
      {"trailing bytes", trailing, "1 unexpected bytes after the data"},
      {"truncated header", short_header, "truncated header"},
      {"fortran order", npy_image("{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3), }", 24),
       "fortran_order"},
      {"big endian", npy_image("{'descr': '>i4', 'fortran_order': False, 'shape': (2, 3), }", 24), "big-endian"},
      {"float64", npy_image("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", 48),
       "unsupported dtype '<f8'"},
      {"object", npy_image("{'descr': '|O', 'fortran_order': False, 'shape': (2, 3), }", 48), "unsupported dtype"},
      {"missing shape", npy_image("{'descr': '<i4', 'fortran_order': False, }", 24), "needs descr"},
      {"unknown key", npy_image("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), 'x': 1}", 24),
       "unexpected or repeated key 'x'"},
      {"bad shape", npy_image("{'descr': '<i4', 'fortran_order': False, 'shape': (2, -3), }", 24),
       "malformed header"},
      {"not a dict", npy_image("[1, 2, 3]", 24), "malformed header"},
      {"huge shape", npy_image("{'descr': '<i8', 'fortran_order': False, 'shape': (1000000000, 1000000000), }", 0),
       "too large"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    const fs::path p = dir / "x.npy";
    write_bytes(p, c.bytes);
    const std::string e = error_of<npy::Error>([&] { (void)npy::read(p); });
    CHECK_MESSAGE(has(e, p.string()), e);
    CHECK_MESSAGE(has(e, c.needle), e);
  }
  // Wrong dtype / shape for the caller.
  write_bytes(dir / "g.npy", good);
  CHECK(has(error_of<npy::Error>([&] { (void)npy::read_as<int8_t>(dir / "g.npy", {2, 3}); }),
            "dtype is int32, expected int8"));
  CHECK(has(error_of<npy::Error>([&] { (void)npy::read_as<int32_t>(dir / "g.npy", {3, 2}); }),
            "shape is (2, 3), expected (3, 2)"));
  CHECK(has(error_of<npy::Error>([&] { (void)npy::read(dir / "nope.npy"); }), "file not found"));
  CHECK(has(error_of<npy::Error>([&] { (void)npy::read(dir); }), "is a directory"));
}

TEST_CASE("model: save -> load round trip, and the loaded model runs the same") {
  Model m = test::random_model(16, 2, 40, 2, 9, Norm::Post);
  m.layers[1].norm = Norm::Pre;
  m.layers[1].spls = {5, 3, 17, false};
  m.layers[0].scales.x = 0.0371;
  m.layers[0].scales.y = 1.0 / 3.0;
  m.vocab = 7;
  m.embedding = std::vector<int8_t>(7 * 16);
  for (size_t i = 0; i < m.embedding->size(); ++i) (*m.embedding)[i] = static_cast<int8_t>(i * 13);
  m.classifier = Classifier{std::vector<float>(16 * 3, 0.25f), {1.f, -2.f, 0.5f}, 3, false};
  const fs::path dir = scratch("model_rt");
  save_model(m, dir);
  const Model r = load_model(dir);
  CHECK(same_model(m, r));
  CHECK(r.layers[1].norm == Norm::Pre);
  CHECK(r.layers[0].scales.y == 1.0 / 3.0);  // doubles survive JSON exactly
  std::vector<int8_t> x(5 * 16);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<int8_t>(i * 31);
  CHECK(run_model(m, x, 5, Mode::Spls).back().y == run_model(r, x, 5, Mode::Spls).back().y);
  // Saving again gives identical files.
  const fs::path dir2 = scratch("model_rt2");
  save_model(r, dir2);
  CHECK(read_bytes(dir / "manifest.json") == read_bytes(dir2 / "manifest.json"));
  CHECK(read_bytes(dir / "l1" / "w2.npy") == read_bytes(dir2 / "l1" / "w2.npy"));
}

TEST_CASE("model: every malformed-input kind is rejected with file, key and problem") {
  const Model m = test::random_model(8, 2, 12, 1, 4, Norm::Post);
  const fs::path base = scratch("model_bad_base");
  save_model(m, base);
  const json good = json::parse(std::ifstream(base / "manifest.json"));
  int n = 0;
  // Copy the good model, apply `edit` to the manifest (and files), expect `needle`.
  auto expect = [&](const std::string& needle, const std::function<void(json&, const fs::path&)>& edit) {
    const fs::path dir = scratch("model_bad_" + std::to_string(n++));
    fs::copy(base, dir, fs::copy_options::recursive);
    json j = good;
    edit(j, dir);
    if (!j.is_null()) std::ofstream(dir / "manifest.json") << j.dump(1);
    const std::string e = error_of<FileError>([&] { (void)load_model(dir); });
    CAPTURE(needle);
    CHECK_MESSAGE(has(e, needle), e);
    return e;
  };
  const std::string mf = "manifest.json";
  CHECK(has(expect("layers[0].arrays.wq: missing", [](json& j, const fs::path&) { j["layers"][0]["arrays"].erase("wq"); }),
            mf));
  expect("l0/bq.npy: file not found", [](json&, const fs::path& d) { fs::remove(d / "l0" / "bq.npy"); });
  expect("layers[0].arrays.w1: ", [](json&, const fs::path& d) {
    npy::write(d / "l0" / "w1.npy", std::vector<int8_t>(12 * 8), {12, 8});
  });
  expect("shape is (12, 8), expected (8, 12)", [](json&, const fs::path& d) {
    npy::write(d / "l0" / "w1.npy", std::vector<int8_t>(12 * 8), {12, 8});
  });
  expect("dtype is int32, expected int16", [](json&, const fs::path& d) {
    npy::write(d / "l0" / "ln1_gamma.npy", std::vector<int32_t>(8), {8});
  });
  expect("truncated data", [](json&, const fs::path& d) {
    auto b = read_bytes(d / "l0" / "wk.npy");
    b.resize(b.size() - 1);
    write_bytes(d / "l0" / "wk.npy", b);
  });
  expect("layers[0].requant.q: M = 0 out of range 1..65535", [](json& j, const fs::path&) {
    j["layers"][0]["requant"]["q"] = {0, 5};
  });
  expect("layers[0].requant.ln2: S = 48 out of range 1..47", [](json& j, const fs::path&) {
    j["layers"][0]["requant"]["ln2"] = {3, 48};
  });
  expect("layers[0].requant.av: expected [M, S]", [](json& j, const fs::path&) { j["layers"][0]["requant"]["av"] = 5; });
  expect("layers[0].spls.k: 0 out of range", [](json& j, const fs::path&) { j["layers"][0]["spls"]["k"] = 0; });
  expect(fmt::format("layers[0].spls.window: {} out of range 0..{}", params::W_MAX + 1, params::W_MAX),
         [](json& j, const fs::path&) { j["layers"][0]["spls"]["window"] = params::W_MAX + 1; });
  expect("layers[0].spls.threshold: -1 out of range", [](json& j, const fs::path&) {
    j["layers"][0]["spls"]["threshold"] = -1;
  });
  expect("layers[0].spls.ffn_reuse: expected true or false", [](json& j, const fs::path&) {
    j["layers"][0]["spls"]["ffn_reuse"] = 1;
  });
  expect("layers[0].norm: 'mid' is not one of post, pre", [](json& j, const fs::path&) { j["layers"][0]["norm"] = "mid"; });
  expect("layers[0].scales.h: scale -1 must be positive", [](json& j, const fs::path&) {
    j["layers"][0]["scales"]["h"] = -1.0;
  });
  expect("layers[0].scales.g: missing", [](json& j, const fs::path&) { j["layers"][0]["scales"].erase("g"); });
  expect("layers[0].spls.windw: unknown key", [](json& j, const fs::path&) { j["layers"][0]["spls"]["windw"] = 1; });
  expect(fmt::format("d_model: {} out of range 1..{}", params::D_MAX + 8, params::D_MAX),
         [](json& j, const fs::path&) { j["d_model"] = params::D_MAX + 8; });
  expect(fmt::format("n_heads: {} out of range", params::H_MAX + 1),
         [](json& j, const fs::path&) { j["n_heads"] = params::H_MAX + 1; });
  expect(fmt::format("d_ffn: {} out of range", params::F_MAX + 1),
         [](json& j, const fs::path&) { j["d_ffn"] = params::F_MAX + 1; });
  expect("d_model: 8 is not a multiple of n_heads = 3", [](json& j, const fs::path&) { j["n_heads"] = 3; });
  expect(fmt::format("layers: {} layers exceed L_MAX", params::L_MAX + 1), [](json& j, const fs::path&) {
    for (unsigned i = 0; i < params::L_MAX; ++i) j["layers"].push_back(j["layers"][0]);
  });
  expect("layers: no layers", [](json& j, const fs::path&) { j["layers"] = json::array(); });
  expect("format: 'esact-modle' is not 'esact-model'", [](json& j, const fs::path&) { j["format"] = "esact-modle"; });
  expect("version: 2 out of range 1..1", [](json& j, const fs::path&) { j["version"] = 2; });
  expect("d_ffn: expected an integer", [](json& j, const fs::path&) { j["d_ffn"] = "12"; });
  expect("bad JSON", [](json& j, const fs::path& d) {
    j = nullptr;
    std::ofstream(d / "manifest.json") << "{\"format\": \"esact-model\", ";
  });
  expect("manifest.json: file not found", [](json& j, const fs::path& d) {
    j = nullptr;
    fs::remove(d / "manifest.json");
  });
  expect("embedding: ", [](json& j, const fs::path& d) {
    npy::write(d / "emb.npy", std::vector<int8_t>(10 * 7), {10, 7});
    j["embedding"] = "emb.npy";
  });
  expect("classifier.pool: 'max' is not one of mean, first", [](json& j, const fs::path& d) {
    npy::write(d / "w.npy", std::vector<float>(8 * 2), {8, 2});
    npy::write(d / "b.npy", std::vector<float>(2), {2});
    j["classifier"] = {{"weight", "w.npy"}, {"bias", "b.npy"}, {"pool", "max"}};
  });
  expect("classifier.bias: ", [](json& j, const fs::path& d) {
    npy::write(d / "w.npy", std::vector<float>(8 * 2), {8, 2});
    npy::write(d / "b.npy", std::vector<float>(3), {3});
    j["classifier"] = {{"weight", "w.npy"}, {"bias", "b.npy"}, {"pool", "mean"}};
  });
  CHECK(has(error_of<FileError>([&] { (void)load_model(base / "nothing"); }), "not a model folder"));
  // The unmodified copy loads.
  CHECK(same_model(load_model(base), m));
}

TEST_CASE("inputs: .npy and inputs.json with tokens, ids and labels") {
  Model m = test::random_model(8, 2, 12, 1, 4, Norm::Post);
  m.vocab = 5;
  m.embedding = std::vector<int8_t>(5 * 8);
  for (size_t i = 0; i < m.embedding->size(); ++i) (*m.embedding)[i] = static_cast<int8_t>(i);
  const fs::path dir = scratch("inputs");
  fs::create_directories(dir);
  std::vector<int8_t> x(3 * 8);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<int8_t>(100 - i);
  npy::write(dir / "one.npy", x, {3, 8});
  Inputs in = load_inputs(dir / "one.npy", m);
  CHECK(in.batch == 1);
  CHECK(in.n == 3);
  CHECK(!in.batched);
  CHECK(in.tokens == x);
  npy::write(dir / "two.npy", std::vector<int8_t>(2 * 3 * 8, 1), {2, 3, 8});
  in = load_inputs(dir / "two.npy", m);
  CHECK(in.batch == 2);
  CHECK(in.batched);
  CHECK(in.sequence(1).size() == 24);
  // ids + labels
  npy::write(dir / "ids.npy", std::vector<int32_t>{0, 4, 2, 1, 1, 3}, {2, 3});
  npy::write(dir / "labels.npy", std::vector<int32_t>{1, 0}, {2});
  std::ofstream(dir / "inputs.json") << R"({"format": "esact-input", "version": 1, "ids": "ids.npy", "labels": "labels.npy"})";
  in = load_inputs(dir, m);
  REQUIRE(in.batch == 2);
  CHECK(in.n == 3);
  CHECK(in.labels == std::vector<int32_t>{1, 0});
  CHECK(in.tokens[1 * 8 + 3] == (*m.embedding)[4 * 8 + 3]);
  CHECK(in.tokens[5 * 8 + 7] == (*m.embedding)[3 * 8 + 7]);
  // save_inputs round trip (folder with labels, and plain .npy).
  save_inputs(in, dir / "saved");
  const Inputs back = load_inputs(dir / "saved", m);
  CHECK(back.tokens == in.tokens);
  CHECK(back.labels == in.labels);
  save_inputs(load_inputs(dir / "one.npy", m), dir / "saved1.npy");
  CHECK(load_inputs(dir / "saved1.npy").tokens == x);

  auto err = [&](const std::string& json_text, const std::string& needle, const Model* model) {
    std::ofstream(dir / "inputs.json") << json_text;
    const std::string e = error_of<FileError>([&] { (void)load_inputs(dir, model); });
    CAPTURE(json_text);
    CHECK_MESSAGE(has(e, needle), e);
    CHECK_MESSAGE(has(e, "inputs.json"), e);
  };
  err(R"({"format": "esact-input", "version": 1, "ids": "ids.npy"})", "need a model", nullptr);
  Model noemb = m;
  noemb.embedding.reset();
  err(R"({"format": "esact-input", "version": 1, "ids": "ids.npy"})", "has no embedding", &noemb);
  npy::write(dir / "badids.npy", std::vector<int32_t>{0, 5}, {2});
  err(R"({"format": "esact-input", "version": 1, "ids": "badids.npy"})", "id 5 at flat position 1", &m);
  npy::write(dir / "ids64.npy", std::vector<int64_t>{0, 1}, {2});
  err(R"({"format": "esact-input", "version": 1, "ids": "ids64.npy"})", "dtype is int64, expected int32", &m);
  err(R"({"format": "esact-input", "version": 1, "ids": "ids.npy", "tokens": "two.npy"})", "exactly one of", &m);
  npy::write(dir / "neglabels.npy", std::vector<int32_t>{0, -1}, {2});
  err(R"({"format": "esact-input", "version": 1, "tokens": "two.npy", "labels": "neglabels.npy"})",
      "label -1 of sequence 1", &m);
  err(R"({"format": "esact-input", "version": 1, "tokens": "one.npy", "labels": "labels.npy"})",
      "shape is (2,), expected (1,)", &m);
  err(R"({"format": "esact-model", "version": 1, "tokens": "one.npy"})", "format", &m);
  err(R"({"format": "esact-input", "version": 1, "tokens": "one.npy",})", "bad JSON", &m);
  // Token tensors of the wrong width, length or rank.
  npy::write(dir / "wide.npy", std::vector<int8_t>(3 * 9), {3, 9});
  CHECK(has(error_of<FileError>([&] { (void)load_inputs(dir / "wide.npy", m); }), "differs from the model's d_model = 8"));
  const size_t nbig = params::N_MAX + 1;
  npy::write(dir / "long.npy", std::vector<int8_t>(nbig * 8), {nbig, 8});
  CHECK(has(error_of<FileError>([&] { (void)load_inputs(dir / "long.npy", m); }), "out of range 1.."));
  npy::write(dir / "flat.npy", std::vector<int8_t>(8), {8});
  CHECK(has(error_of<FileError>([&] { (void)load_inputs(dir / "flat.npy", m); }), "expected (N, D) or (B, N, D)"));
  npy::write(dir / "i32.npy", std::vector<int32_t>(8), {1, 8});
  CHECK(has(error_of<FileError>([&] { (void)load_inputs(dir / "i32.npy", m); }), "dtype is int32, expected int8"));
}

TEST_CASE("npy and manifest: random corruption gives clean errors, never a crash") {
  std::mt19937 rng(2024);
  // .npy: flip bytes (mostly in the header) or cut the file anywhere.
  const auto good = npy_image("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }", 24);
  int rejected = 0;
  for (int it = 0; it < 3000; ++it) {
    auto b = good;
    if (it % 4 == 0) {
      b.resize(rng() % b.size());
    } else {
      const int flips = 1 + static_cast<int>(rng() % 3);
      for (int f = 0; f < flips; ++f) b[rng() % 80] = static_cast<uint8_t>(rng());
    }
    try {
      const npy::Array a = npy::parse(b, "fuzz.npy");
      CHECK(a.bytes.size() == a.count() * npy::dtype_size(a.dtype));
    } catch (const npy::Error& e) {
      ++rejected;
      CHECK(std::string(e.what()).rfind("fuzz.npy: ", 0) == 0);
    }
  }
  CHECK(rejected > 1000);
  // manifest.json: flip characters of a valid manifest; only FileError may come out.
  const Model m = test::random_model(8, 2, 12, 1, 4, Norm::Post);
  const fs::path dir = scratch("model_fuzz");
  save_model(m, dir);
  std::ifstream in(dir / "manifest.json");
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  const char alphabet[] = "{}[],:\"0123456789-.eE truefalsenull";
  rejected = 0;
  for (int it = 0; it < 150; ++it) {
    std::string t = text;
    const int flips = 1 + static_cast<int>(rng() % 2);
    for (int f = 0; f < flips; ++f) t[rng() % t.size()] = alphabet[rng() % (sizeof(alphabet) - 1)];
    std::ofstream(dir / "manifest.json", std::ios::trunc) << t;
    try {
      (void)load_model(dir);
    } catch (const FileError& e) {
      ++rejected;
      CHECK(std::string(e.what()).find("manifest.json") != std::string::npos);
    }
  }
  CHECK(rejected > 75);
}
