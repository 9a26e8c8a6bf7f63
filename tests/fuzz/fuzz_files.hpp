// Shared by the loader fuzz targets: a small model folder (all arrays present,
// an embedding and a classifier) written once into a private temporary folder;
// each input then replaces one JSON file and the loader runs on the folder.
#pragma once
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "esact/io.hpp"
#include "esact/npy.hpp"
#include "esact/synthetic.hpp"

namespace esact::fuzz {

inline const std::filesystem::path& model_dir() {
  static const std::filesystem::path dir = [] {
    static const auto root = std::filesystem::temp_directory_path() / ("esact_fuzz_" + std::to_string(::getpid()));
    const auto d = root / "m";
    std::filesystem::remove_all(root);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(root, ec);
    });
    Synthetic s = make_synthetic("n=4,d=8,heads=2,ffn=8,layers=2,seed=1");
    s.model.vocab = 5;
    s.model.embedding = std::vector<int8_t>(5 * 8, 3);
    Classifier c;
    c.classes = 2;
    c.weight.assign(8 * 2, 0.5f);
    c.bias = {0.f, 1.f};
    s.model.classifier = c;
    save_model(s.model, d);
    Inputs in = s.inputs;
    in.labels = std::vector<int32_t>{1};
    save_inputs(in, d / "test");
    npy::write(d / "test" / "ids.npy", std::vector<int32_t>{0, 1, 2, 4}, {1, 4});
    return d;
  }();
  return dir;
}

inline void put(const std::filesystem::path& p, const uint8_t* data, size_t size) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  if (!f) std::abort();
}

}  // namespace esact::fuzz
