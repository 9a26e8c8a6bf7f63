// Model and input files (docs/spec.md 5.1, 5.2).
#include "esact/io.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "esact/layer.hpp"
#include "esact/npy.hpp"
#include "esact/params.hpp"

namespace esact {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// Error context: the file and the JSON key path.
struct Ctx {
  std::string file;
  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw FileError(key.empty() ? fmt::format("{}: {}", file, what) : fmt::format("{}: {}: {}", file, key, what));
  }
};

std::string join(const std::string& base, const std::string& key) { return base.empty() ? key : base + "." + key; }

// A JSON object key seen twice would silently keep the last value: refuse it.
struct DuplicateKeys {
  const Ctx& c;
  std::vector<std::set<std::string>> open;  ///< keys of each enclosing object
  bool operator()(int, json::parse_event_t ev, json& parsed) {
    if (ev == json::parse_event_t::object_start) open.emplace_back();
    else if (ev == json::parse_event_t::object_end && !open.empty()) open.pop_back();
    else if (ev == json::parse_event_t::key && !open.empty() && !open.back().insert(parsed.get<std::string>()).second)
      c.fail(parsed.get<std::string>(), "duplicate key");
    return true;
  }
};

json read_json(const fs::path& p) {
  const Ctx c{p.string()};
  std::error_code ec;
  if (!fs::exists(p, ec)) c.fail("", "file not found");
  if (!fs::is_regular_file(p, ec)) c.fail("", "not a regular file");
  std::ifstream in(p);
  if (!in) c.fail("", "cannot open");
  try {
    DuplicateKeys dup{c, {}};
    return json::parse(in, std::ref(dup));
  } catch (const json::exception& e) {
    c.fail("", fmt::format("bad JSON: {}", e.what()));
  }
}

// A path named in a manifest or inputs.json: relative, and inside the folder.
fs::path inside(const Ctx& c, const fs::path& dir, const std::string& key, const std::string& rel) {
  if (rel.empty()) c.fail(key, "empty path");
  const fs::path r(rel);
  if (r.is_absolute() || r.has_root_name() || r.has_root_directory())
    c.fail(key, fmt::format("'{}' is an absolute path; paths are relative to {}", rel, dir.string()));
  for (const auto& part : r)
    if (part == "..") c.fail(key, fmt::format("'{}' climbs out of {} ('..')", rel, dir.string()));
  return dir / r;
}

const json& member(const Ctx& c, const json& obj, const std::string& base, const std::string& key) {
  if (!obj.contains(key)) c.fail(join(base, key), "missing");
  return obj.at(key);
}

void require_object(const Ctx& c, const json& j, const std::string& key) {
  if (!j.is_object()) c.fail(key, fmt::format("expected an object, got {}", j.type_name()));
}

void only_keys(const Ctx& c, const json& obj, const std::string& base, std::initializer_list<const char*> allowed) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || it.key() == a;
    if (!ok) c.fail(join(base, it.key()), "unknown key");
  }
}

int64_t get_int(const Ctx& c, const json& obj, const std::string& base, const std::string& key, int64_t lo, int64_t hi) {
  const json& j = member(c, obj, base, key);
  if (!j.is_number_integer()) c.fail(join(base, key), fmt::format("expected an integer, got {}", j.dump()));
  const int64_t v = j.is_number_unsigned() && j.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)
                        ? INT64_MAX
                        : j.get<int64_t>();
  if (v < lo || v > hi) c.fail(join(base, key), fmt::format("{} out of range {}..{}", v, lo, hi));
  return v;
}

double get_scale(const Ctx& c, const json& obj, const std::string& base, const std::string& key) {
  const json& j = member(c, obj, base, key);
  if (!j.is_number()) c.fail(join(base, key), fmt::format("expected a number, got {}", j.dump()));
  const double v = j.get<double>();
  if (!(v > 0) || !std::isfinite(v)) c.fail(join(base, key), fmt::format("scale {} must be positive and finite", v));
  return v;
}

std::string get_string(const Ctx& c, const json& obj, const std::string& base, const std::string& key) {
  const json& j = member(c, obj, base, key);
  if (!j.is_string()) c.fail(join(base, key), fmt::format("expected a string, got {}", j.dump()));
  return j.get<std::string>();
}

// Load one array named in the manifest, with its dtype and shape checked.
template <class T>
std::vector<T> load_array(const Ctx& c, const fs::path& dir, const json& obj, const std::string& base,
                          const std::string& key, const std::vector<size_t>& shape) {
  const fs::path p = inside(c, dir, join(base, key), get_string(c, obj, base, key));
  try {
    return npy::read_as<T>(p, shape);
  } catch (const npy::Error& e) {
    c.fail(join(base, key), e.what());
  }
}

Requant get_requant(const Ctx& c, const json& obj, const std::string& base, const std::string& key) {
  const json& j = member(c, obj, base, key);
  const std::string k = join(base, key);
  if (!j.is_array() || j.size() != 2) c.fail(k, fmt::format("expected [M, S], got {}", j.dump()));
  if (!j[0].is_number_integer() || !j[1].is_number_integer())
    c.fail(k, fmt::format("expected integers [M, S], got {}", j.dump()));
  // Print the value as written (an unsigned 2^64-1 is not "-1").
  auto in_range = [&](const json& v, const char* what, int64_t hi) {
    const bool bad = v.is_number_unsigned() ? v.get<uint64_t>() < 1 || v.get<uint64_t>() > static_cast<uint64_t>(hi)
                                            : v.get<int64_t>() < 1 || v.get<int64_t>() > hi;
    if (bad)
      c.fail(k, fmt::format("{} = {} out of range 1..{}", what, v.dump(), hi));
    return v.get<int64_t>();
  };
  const int64_t m = in_range(j[0], "M", 65535), s = in_range(j[1], "S", static_cast<int64_t>(params::RQ_S_MAX));
  return Requant{static_cast<uint32_t>(m), static_cast<uint32_t>(s)};
}

constexpr const char* kRequantKeys[] = {"q", "k", "v", "softmax", "av", "o", "ln1", "ffn1", "ffn2", "ln2"};
constexpr const char* kScaleKeys[] = {"x", "wq", "wk", "wv", "wo", "w1", "w2", "q", "k",
                                      "v", "o",  "h",  "g1", "g",  "y",  "ln1_g", "ln2_g"};

Requant* requant_slot(LayerRequant& r, const std::string& k) {
  if (k == "q") return &r.q;
  if (k == "k") return &r.k;
  if (k == "v") return &r.v;
  if (k == "softmax") return &r.softmax;
  if (k == "av") return &r.av;
  if (k == "o") return &r.o;
  if (k == "ln1") return &r.ln1;
  if (k == "ffn1") return &r.ffn1;
  if (k == "ffn2") return &r.ffn2;
  return &r.ln2;
}
double* scale_slot(LayerScales& s, const std::string& k) {
  static const std::pair<const char*, double LayerScales::*> tab[] = {
      {"x", &LayerScales::x},   {"wq", &LayerScales::wq}, {"wk", &LayerScales::wk},       {"wv", &LayerScales::wv},
      {"wo", &LayerScales::wo}, {"w1", &LayerScales::w1}, {"w2", &LayerScales::w2},       {"q", &LayerScales::q},
      {"k", &LayerScales::k},   {"v", &LayerScales::v},   {"o", &LayerScales::o},         {"h", &LayerScales::h},
      {"g1", &LayerScales::g1}, {"g", &LayerScales::g},   {"y", &LayerScales::y},         {"ln1_g", &LayerScales::ln1_g},
      {"ln2_g", &LayerScales::ln2_g}};
  for (const auto& [name, ptr] : tab)
    if (k == name) return &(s.*ptr);
  return nullptr;
}
const Requant* requant_slot(const LayerRequant& r, const std::string& k) {
  return requant_slot(const_cast<LayerRequant&>(r), k);
}
double scale_of(const LayerScales& s, const std::string& k) { return *scale_slot(const_cast<LayerScales&>(s), k); }

Layer load_layer(const Ctx& c, const fs::path& dir, const json& jl, int idx, size_t D, size_t F) {
  const std::string base = fmt::format("layers[{}]", idx);
  require_object(c, jl, base);
  only_keys(c, jl, base, {"norm", "spls", "requant", "scales", "arrays", "meta"});
  Layer L;
  if (jl.contains("norm")) {
    const std::string norm = get_string(c, jl, base, "norm");
    if (norm == "post") L.norm = Norm::Post;
    else if (norm == "pre") L.norm = Norm::Pre;
    else c.fail(join(base, "norm"), fmt::format("'{}' is not one of post, pre", norm));
  }
  {
    const std::string b = join(base, "spls");
    const json& js = member(c, jl, base, "spls");
    require_object(c, js, b);
    only_keys(c, js, b, {"k", "window", "threshold", "ffn_reuse"});
    L.spls.k = static_cast<int>(get_int(c, js, b, "k", 1, INT32_MAX));
    L.spls.window = static_cast<int>(get_int(c, js, b, "window", 0, params::W_MAX));
    L.spls.threshold = static_cast<int>(get_int(c, js, b, "threshold", 0, INT32_MAX));
    const json& fr = member(c, js, b, "ffn_reuse");
    if (!fr.is_boolean()) c.fail(join(b, "ffn_reuse"), fmt::format("expected true or false, got {}", fr.dump()));
    L.spls.ffn_reuse = fr.get<bool>();
  }
  {
    const std::string b = join(base, "requant");
    const json& jr = member(c, jl, base, "requant");
    require_object(c, jr, b);
    for (auto it = jr.begin(); it != jr.end(); ++it)
      if (std::find_if(std::begin(kRequantKeys), std::end(kRequantKeys), [&](const char* k) { return it.key() == k; }) ==
          std::end(kRequantKeys))
        c.fail(join(b, it.key()), "unknown key");
    for (const char* k : kRequantKeys) *requant_slot(L.rq, k) = get_requant(c, jr, b, k);
  }
  {
    const std::string b = join(base, "scales");
    const json& js = member(c, jl, base, "scales");
    require_object(c, js, b);
    for (auto it = js.begin(); it != js.end(); ++it)
      if (!scale_slot(L.scales, it.key())) c.fail(join(b, it.key()), "unknown key");
    for (const char* k : kScaleKeys) *scale_slot(L.scales, k) = get_scale(c, js, b, k);
  }
  const std::string b = join(base, "arrays");
  const json& ja = member(c, jl, base, "arrays");
  require_object(c, ja, b);
  only_keys(c, ja, b, {"wq", "wk", "wv", "wo", "bq", "bk", "bv", "bo", "w1", "b1", "w2", "b2", "ln1_gamma",
                       "ln2_gamma", "ln1_beta", "ln2_beta", "gelu"});
  L.wq = load_array<int8_t>(c, dir, ja, b, "wq", {D, D});
  L.wk = load_array<int8_t>(c, dir, ja, b, "wk", {D, D});
  L.wv = load_array<int8_t>(c, dir, ja, b, "wv", {D, D});
  L.wo = load_array<int8_t>(c, dir, ja, b, "wo", {D, D});
  L.bq = load_array<int32_t>(c, dir, ja, b, "bq", {D});
  L.bk = load_array<int32_t>(c, dir, ja, b, "bk", {D});
  L.bv = load_array<int32_t>(c, dir, ja, b, "bv", {D});
  L.bo = load_array<int32_t>(c, dir, ja, b, "bo", {D});
  L.w1 = load_array<int8_t>(c, dir, ja, b, "w1", {D, F});
  L.b1 = load_array<int32_t>(c, dir, ja, b, "b1", {F});
  L.w2 = load_array<int8_t>(c, dir, ja, b, "w2", {F, D});
  L.b2 = load_array<int32_t>(c, dir, ja, b, "b2", {D});
  L.ln1_gamma = load_array<int16_t>(c, dir, ja, b, "ln1_gamma", {D});
  L.ln2_gamma = load_array<int16_t>(c, dir, ja, b, "ln2_gamma", {D});
  L.ln1_beta = load_array<int32_t>(c, dir, ja, b, "ln1_beta", {D});
  L.ln2_beta = load_array<int32_t>(c, dir, ja, b, "ln2_beta", {D});
  const auto g = load_array<int8_t>(c, dir, ja, b, "gelu", {256});
  std::copy(g.begin(), g.end(), L.gelu.begin());
  return L;
}

// Classifier weights are float: NaN or infinity would make every prediction meaningless.
void require_finite(const Ctx& c, const std::string& key, const std::vector<float>& v) {
  for (size_t i = 0; i < v.size(); ++i)
    if (!std::isfinite(v[i])) c.fail(key, fmt::format("element {} is {} (must be finite)", i, v[i]));
}

json requant_json(const Requant& r) { return json::array({r.m, r.s}); }

}  // namespace

Model load_model(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw FileError(dir.string() + ": not a model folder (expected a directory with manifest.json)");
  const fs::path mpath = dir / "manifest.json";
  const json j = read_json(mpath);
  const Ctx c{mpath.string()};
  require_object(c, j, "");
  only_keys(c, j, "", {"format", "version", "d_model", "n_heads", "d_ffn", "layers", "embedding", "classifier", "meta"});
  if (get_string(c, j, "", "format") != "esact-model") c.fail("format", fmt::format("'{}' is not 'esact-model'", j.at("format").get<std::string>()));
  get_int(c, j, "", "version", 1, 1);
  Model m;
  m.source = dir.string();
  m.d_model = static_cast<int>(get_int(c, j, "", "d_model", 1, params::D_MAX));
  m.n_heads = static_cast<int>(get_int(c, j, "", "n_heads", 1, params::H_MAX));
  m.d_ffn = static_cast<int>(get_int(c, j, "", "d_ffn", 1, params::F_MAX));
  if (m.d_model % m.n_heads != 0)
    c.fail("d_model", fmt::format("{} is not a multiple of n_heads = {}", m.d_model, m.n_heads));
  if (static_cast<unsigned>(m.d_model / m.n_heads) > params::DH_MAX)
    c.fail("n_heads", fmt::format("head width d_model / n_heads = {} exceeds DH_MAX = {}", m.d_model / m.n_heads,
                                  params::DH_MAX));
  const json& jl = member(c, j, "", "layers");
  if (!jl.is_array()) c.fail("layers", "expected an array");
  if (jl.empty()) c.fail("layers", "no layers");
  if (jl.size() > params::L_MAX) c.fail("layers", fmt::format("{} layers exceed L_MAX = {}", jl.size(), params::L_MAX));
  const size_t D = static_cast<size_t>(m.d_model), F = static_cast<size_t>(m.d_ffn);
  for (size_t i = 0; i < jl.size(); ++i) m.layers.push_back(load_layer(c, dir, jl[i], static_cast<int>(i), D, F));
  if (j.contains("embedding")) {
    const fs::path ep = inside(c, dir, "embedding", get_string(c, j, "", "embedding"));
    try {
      const npy::Array a = npy::read(ep);
      a.require_dtype(npy::DType::I8);
      if (a.shape.size() != 2 || a.shape[1] != D || a.shape[0] < 1)
        throw npy::Error(fmt::format("{}: shape is {}, expected (V, {}) with V >= 1", a.name, npy::shape_str(a.shape), D));
      m.vocab = static_cast<int>(a.shape[0]);
      m.embedding = a.as<int8_t>();
    } catch (const npy::Error& e) {
      c.fail("embedding", e.what());
    }
  }
  if (j.contains("classifier")) {
    const json& jc = j.at("classifier");
    require_object(c, jc, "classifier");
    only_keys(c, jc, "classifier", {"weight", "bias", "pool"});
    Classifier cl;
    const std::string pool = get_string(c, jc, "classifier", "pool");
    if (pool == "mean") cl.pool_mean = true;
    else if (pool == "first") cl.pool_mean = false;
    else c.fail("classifier.pool", fmt::format("'{}' is not one of mean, first", pool));
    const fs::path wp = inside(c, dir, "classifier.weight", get_string(c, jc, "classifier", "weight"));
    try {
      const npy::Array w = npy::read(wp);
      w.require_dtype(npy::DType::F32);
      if (w.shape.size() != 2 || w.shape[0] != D || w.shape[1] < 1)
        throw npy::Error(fmt::format("{}: shape is {}, expected ({}, C) with C >= 1", w.name, npy::shape_str(w.shape), D));
      cl.classes = static_cast<int>(w.shape[1]);
      cl.weight = w.as<float>();
    } catch (const npy::Error& e) {
      c.fail("classifier.weight", e.what());
    }
    cl.bias = load_array<float>(c, dir, jc, "classifier", "bias", {static_cast<size_t>(cl.classes)});
    require_finite(c, "classifier.weight", cl.weight);
    require_finite(c, "classifier.bias", cl.bias);
    m.classifier = std::move(cl);
  }
  return m;
}

void save_model(const Model& m, const fs::path& dir, OutputSet* out) {
  OutputSet own;
  OutputSet& o = out ? *out : own;
  try {
    check_model_shape(m);
    for (size_t i = 0; i < m.layers.size(); ++i) check_layer(m, m.layers[i], static_cast<int>(i));
  } catch (const std::invalid_argument& e) {
    throw FileError(fmt::format("{}: refusing to save an invalid model: {}", dir.string(), e.what()));
  }
  o.make_dir(dir);
  const size_t D = static_cast<size_t>(m.d_model), F = static_cast<size_t>(m.d_ffn);
  json j;
  j["format"] = "esact-model";
  j["version"] = 1;
  j["d_model"] = m.d_model;
  j["n_heads"] = m.n_heads;
  j["d_ffn"] = m.d_ffn;
  j["layers"] = json::array();
  for (size_t i = 0; i < m.layers.size(); ++i) {
    const Layer& L = m.layers[i];
    const std::string sub = fmt::format("l{}", i);
    o.make_dir(dir / sub);
    json jl;
    jl["norm"] = L.norm == Norm::Pre ? "pre" : "post";
    jl["spls"] = {{"k", L.spls.k}, {"window", L.spls.window}, {"threshold", L.spls.threshold},
                  {"ffn_reuse", L.spls.ffn_reuse}};
    json jr = json::object(), js = json::object(), ja = json::object();
    for (const char* k : kRequantKeys) jr[k] = requant_json(*requant_slot(L.rq, k));
    for (const char* k : kScaleKeys) js[k] = scale_of(L.scales, k);
    auto put = [&](const char* name, const auto& vec, std::vector<size_t> shape) {
      const std::string rel = sub + "/" + name + ".npy";
      npy::write(dir / rel, vec, shape, &o);
      ja[name] = rel;
    };
    put("wq", L.wq, {D, D});
    put("wk", L.wk, {D, D});
    put("wv", L.wv, {D, D});
    put("wo", L.wo, {D, D});
    put("bq", L.bq, {D});
    put("bk", L.bk, {D});
    put("bv", L.bv, {D});
    put("bo", L.bo, {D});
    put("w1", L.w1, {D, F});
    put("b1", L.b1, {F});
    put("w2", L.w2, {F, D});
    put("b2", L.b2, {D});
    put("ln1_gamma", L.ln1_gamma, {D});
    put("ln2_gamma", L.ln2_gamma, {D});
    put("ln1_beta", L.ln1_beta, {D});
    put("ln2_beta", L.ln2_beta, {D});
    put("gelu", std::vector<int8_t>(L.gelu.begin(), L.gelu.end()), {256});
    jl["requant"] = jr;
    jl["scales"] = js;
    jl["arrays"] = ja;
    j["layers"].push_back(jl);
  }
  if (m.embedding) {
    if (m.vocab < 1 || m.embedding->size() != static_cast<size_t>(m.vocab) * D)
      throw FileError(fmt::format("{}: embedding has {} elements, expected vocab {} x {}", dir.string(),
                                  m.embedding->size(), m.vocab, D));
    npy::write(dir / "embedding.npy", *m.embedding, {static_cast<size_t>(m.vocab), D}, &o);
    j["embedding"] = "embedding.npy";
  }
  if (m.classifier) {
    const Classifier& cl = *m.classifier;
    const size_t C = static_cast<size_t>(cl.classes);
    if (C < 1 || cl.weight.size() != D * C || cl.bias.size() != C)
      throw FileError(fmt::format("{}: classifier sizes do not match {} classes", dir.string(), cl.classes));
    npy::write(dir / "cls_w.npy", cl.weight, {D, C}, &o);
    npy::write(dir / "cls_b.npy", cl.bias, {C}, &o);
    j["classifier"] = {{"weight", "cls_w.npy"}, {"bias", "cls_b.npy"}, {"pool", cl.pool_mean ? "mean" : "first"}};
  }
  o.write_text(dir / "manifest.json", j.dump(2) + "\n");
  if (!out) own.commit();
}

Inputs load_inputs(const fs::path& path, const Model* model) {
  std::error_code ec;
  Inputs in;
  in.source = path.string();
  const size_t dmax = model ? static_cast<size_t>(model->d_model) : params::D_MAX;
  // Token tensor [N, D] or [B, N, D] from an int8 array.
  auto take_tokens = [&](const npy::Array& a) {
    a.require_dtype(npy::DType::I8);
    if (a.shape.size() != 2 && a.shape.size() != 3)
      throw npy::Error(fmt::format("{}: shape is {}, expected (N, D) or (B, N, D)", a.name, npy::shape_str(a.shape)));
    in.batched = a.shape.size() == 3;
    const size_t b = in.batched ? a.shape[0] : 1, n = a.shape[a.shape.size() - 2], d = a.shape.back();
    if (b < 1) throw npy::Error(a.name + ": batch of 0 sequences");
    if (n < 1 || n > params::N_MAX)
      throw npy::Error(fmt::format("{}: N = {} out of range 1..{}", a.name, n, params::N_MAX));
    if (model && d != dmax)
      throw npy::Error(fmt::format("{}: D = {} differs from the model's d_model = {}", a.name, d, dmax));
    if (d < 1 || d > params::D_MAX) throw npy::Error(fmt::format("{}: D = {} out of range 1..{}", a.name, d, params::D_MAX));
    in.batch = static_cast<int>(b);
    in.n = static_cast<int>(n);
    in.d = static_cast<int>(d);
    in.tokens = a.as<int8_t>();
  };
  if (!fs::is_directory(path, ec) && path.extension() == ".npy") {
    try {
      take_tokens(npy::read(path));
    } catch (const npy::Error& e) {
      throw FileError(e.what());
    }
    return in;
  }
  const fs::path jpath = fs::is_directory(path, ec) ? path / "inputs.json" : path;
  const fs::path dir = jpath.parent_path();
  const json j = read_json(jpath);
  const Ctx c{jpath.string()};
  require_object(c, j, "");
  only_keys(c, j, "", {"format", "version", "tokens", "ids", "labels", "meta"});
  if (get_string(c, j, "", "format") != "esact-input")
    c.fail("format", fmt::format("'{}' is not 'esact-input'", j.at("format").get<std::string>()));
  get_int(c, j, "", "version", 1, 1);
  const bool has_t = j.contains("tokens"), has_i = j.contains("ids");
  if (has_t == has_i) c.fail("", "exactly one of 'tokens' and 'ids' must be given");
  if (has_t) {
    try {
      take_tokens(npy::read(inside(c, dir, "tokens", get_string(c, j, "", "tokens"))));
    } catch (const npy::Error& e) {
      c.fail("tokens", e.what());
    }
  } else {
    if (!model) c.fail("ids", "token ids need a model with an embedding");
    if (!model->embedding) c.fail("ids", fmt::format("the model ({}) has no embedding to look ids up in", model->source));
    try {
      const npy::Array a = npy::read(inside(c, dir, "ids", get_string(c, j, "", "ids")));
      a.require_dtype(npy::DType::I32);
      if (a.shape.size() != 1 && a.shape.size() != 2)
        throw npy::Error(fmt::format("{}: shape is {}, expected (N,) or (B, N)", a.name, npy::shape_str(a.shape)));
      in.batched = a.shape.size() == 2;
      const size_t b = in.batched ? a.shape[0] : 1, n = a.shape.back();
      if (b < 1) throw npy::Error(a.name + ": batch of 0 sequences");
      if (n < 1 || n > params::N_MAX)
        throw npy::Error(fmt::format("{}: N = {} out of range 1..{}", a.name, n, params::N_MAX));
      in.batch = static_cast<int>(b);
      in.n = static_cast<int>(n);
      in.d = model->d_model;
      auto ids = a.as<int32_t>();
      const size_t D = static_cast<size_t>(in.d);
      in.tokens.resize(ids.size() * D);
      for (size_t t = 0; t < ids.size(); ++t) {
        if (ids[t] < 0 || ids[t] >= model->vocab)
          throw npy::Error(fmt::format("{}: id {} at flat position {} is outside the embedding's 0..{}", a.name, ids[t],
                                       t, model->vocab - 1));
        std::copy_n(model->embedding->begin() + static_cast<std::ptrdiff_t>(static_cast<size_t>(ids[t]) * D), D,
                    in.tokens.begin() + static_cast<std::ptrdiff_t>(t * D));
      }
      in.ids = std::move(ids);
    } catch (const npy::Error& e) {
      c.fail("ids", e.what());
    }
  }
  if (j.contains("labels")) {
    try {
      const npy::Array a = npy::read(inside(c, dir, "labels", get_string(c, j, "", "labels")));
      a.require_dtype(npy::DType::I32);
      a.require_shape({static_cast<size_t>(in.batch)});
      auto labels = a.as<int32_t>();
      const int classes = model && model->classifier ? model->classifier->classes : INT32_MAX;
      for (size_t b = 0; b < labels.size(); ++b)
        if (labels[b] < 0 || labels[b] >= classes)
          throw npy::Error(fmt::format("{}: label {} of sequence {} is outside 0..{}", a.name, labels[b], b,
                                      classes == INT32_MAX ? std::string("INT32_MAX") : std::to_string(classes - 1)));
      in.labels = std::move(labels);
    } catch (const npy::Error& e) {
      c.fail("labels", e.what());
    }
  }
  return in;
}

namespace {
void save_inputs_folder(const Inputs& in, const fs::path& path, const std::vector<size_t>& shape, OutputSet& o) {
  json j = {{"format", "esact-input"}, {"version", 1}, {"tokens", "x.npy"}};
  npy::write(path / "x.npy", in.tokens, shape, &o);
  if (in.labels) {
    npy::write(path / "labels.npy", *in.labels, {in.labels->size()}, &o);
    j["labels"] = "labels.npy";
  }
  o.write_text(path / "inputs.json", j.dump(2) + "\n");
}

}  // namespace

void save_inputs(const Inputs& in, const fs::path& path, OutputSet* out) {
  if (in.batch < 1 || in.n < 1 || in.d < 1 ||
      in.tokens.size() != static_cast<size_t>(in.batch) * in.n * in.d)
    throw FileError(path.string() + ": inputs to save are inconsistent (batch, n, d and token count)");
  if (!in.batched && in.batch != 1) throw FileError(path.string() + ": an unbatched input must hold one sequence");
  std::vector<size_t> shape = {static_cast<size_t>(in.n), static_cast<size_t>(in.d)};
  if (in.batched) shape.insert(shape.begin(), static_cast<size_t>(in.batch));
  OutputSet own;
  OutputSet& o = out ? *out : own;
  if (path.extension() == ".npy") {
    npy::write(path, in.tokens, shape, &o);
  } else {
    o.make_dir(path);
    save_inputs_folder(in, path, shape, o);
  }
  if (!out) own.commit();
}

bool same_model(const Model& a, const Model& b) {
  if (a.d_model != b.d_model || a.n_heads != b.n_heads || a.d_ffn != b.d_ffn || a.layers.size() != b.layers.size())
    return false;
  for (size_t i = 0; i < a.layers.size(); ++i) {
    const Layer &x = a.layers[i], &y = b.layers[i];
    if (x.norm != y.norm || x.spls.k != y.spls.k || x.spls.window != y.spls.window ||
        x.spls.threshold != y.spls.threshold || x.spls.ffn_reuse != y.spls.ffn_reuse)
      return false;
    for (const char* k : kRequantKeys) {
      const Requant *p = requant_slot(x.rq, k), *q = requant_slot(y.rq, k);
      if (p->m != q->m || p->s != q->s) return false;
    }
    for (const char* k : kScaleKeys)
      if (scale_of(x.scales, k) != scale_of(y.scales, k)) return false;
    if (x.wq != y.wq || x.wk != y.wk || x.wv != y.wv || x.wo != y.wo || x.bq != y.bq || x.bk != y.bk ||
        x.bv != y.bv || x.bo != y.bo || x.w1 != y.w1 || x.b1 != y.b1 || x.w2 != y.w2 || x.b2 != y.b2 ||
        x.ln1_gamma != y.ln1_gamma || x.ln2_gamma != y.ln2_gamma || x.ln1_beta != y.ln1_beta ||
        x.ln2_beta != y.ln2_beta || x.gelu != y.gelu)
      return false;
  }
  if (a.embedding != b.embedding || a.vocab != b.vocab) return false;
  if (a.classifier.has_value() != b.classifier.has_value()) return false;
  if (a.classifier) {
    const Classifier &x = *a.classifier, &y = *b.classifier;
    if (x.classes != y.classes || x.pool_mean != y.pool_mean || x.weight != y.weight || x.bias != y.bias) return false;
  }
  return true;
}

}  // namespace esact
