// libFuzzer target: the model loader (load_model) on an arbitrary manifest.json
// beside valid arrays.  It must load a model that passes the model checks, or
// throw FileError naming manifest.json; never crash, hang or read outside.
#include <cstdlib>
#include <stdexcept>

#include "esact/layer.hpp"
#include "fuzz_files.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& dir = esact::fuzz::model_dir();
  esact::fuzz::put(dir / "manifest.json", data, size);
  try {
    const esact::Model m = esact::load_model(dir);
    esact::check_model_shape(m);  // a loaded model is a valid model
    for (size_t i = 0; i < m.layers.size(); ++i) esact::check_layer(m, m.layers[i], static_cast<int>(i));
  } catch (const esact::FileError& e) {
    if (std::string(e.what()).find("manifest.json") == std::string::npos) std::abort();  // must name the file
  }
  return 0;
}
