// Model and input files (docs/spec.md 5.1 and 5.2): manifest.json + .npy arrays.
//
// Every check of spec 5.1/5.2 is made at load time; a failure throws
// esact::FileError whose message names the file, the JSON key (or array) and
// the problem, e.g.
//   "models/tiny/manifest.json: layers[0].requant.q: M = 0 out of range 1..65535".
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "esact/model.hpp"
#include "esact/outputs.hpp"

namespace esact {

struct FileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Load a model folder (manifest.json + arrays).  Checks everything of spec 5.1;
/// also: files must be regular files, array paths relative and inside the
/// folder (no absolute path, no '..'), JSON objects free of duplicate keys,
/// classifier weights finite.
Model load_model(const std::filesystem::path& dir);

/// Write a model folder: manifest.json, l<i>/<array>.npy, embedding.npy,
/// cls_w.npy / cls_b.npy.  Creates the folder.  load_model(save_model(m)) == m.
/// The files are staged in `out` (committed by the caller with the run's other
/// outputs); without one, they are committed together before returning.
void save_model(const Model& model, const std::filesystem::path& dir, OutputSet* out = nullptr);

/// Input sequences (spec 5.2): B sequences of N tokens of width D.
struct Inputs {
  int batch = 0, n = 0, d = 0;
  bool batched = false;             ///< the file held [B, N, D] / [B, N] (else one sequence)
  std::vector<int8_t> tokens;       ///< [B][N][D]
  std::optional<std::vector<int32_t>> ids;     ///< [B][N] when given as ids
  std::optional<std::vector<int32_t>> labels;  ///< [B]
  std::string source;

  std::span<const int8_t> sequence(int b) const {
    return std::span<const int8_t>(tokens).subspan(static_cast<size_t>(b) * n * d, static_cast<size_t>(n) * d);
  }
};

/// Load inputs from a .npy file (int8 [N, D] or [B, N, D]) or from a folder
/// holding inputs.json.  With `model`, D must equal the model's d_model and
/// "ids" are looked up in its embedding; without a model, ids are an error.
Inputs load_inputs(const std::filesystem::path& path, const Model* model = nullptr);
inline Inputs load_inputs(const std::filesystem::path& path, const Model& model) { return load_inputs(path, &model); }

/// Write inputs: to a .npy file (path ending in .npy; [N, D] when not batched,
/// else [B, N, D]; labels are dropped) or to a folder with inputs.json,
/// x.npy and (if present) labels.npy.
/// Staged in `out` as save_model() does.
void save_inputs(const Inputs& inputs, const std::filesystem::path& path, OutputSet* out = nullptr);

/// Structural equality of two models (all arrays, knobs, requant pairs, scales).
bool same_model(const Model& a, const Model& b);

}  // namespace esact
