// libFuzzer target: the input loader (load_inputs) on an arbitrary inputs.json
// beside valid x.npy, ids.npy and labels.npy, with a model that has an
// embedding and a classifier.  It must load consistent inputs or throw FileError.
#include <cstdlib>
#include <optional>

#include "fuzz_files.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const esact::Model model = esact::load_model(esact::fuzz::model_dir());
  const auto test = esact::fuzz::model_dir() / "test";
  esact::fuzz::put(test / "inputs.json", data, size);
  try {
    const esact::Inputs in = esact::load_inputs(test, model);
    if (in.tokens.size() != static_cast<size_t>(in.batch) * in.n * in.d || in.d != model.d_model) std::abort();
    if (in.labels && in.labels->size() != static_cast<size_t>(in.batch)) std::abort();
  } catch (const esact::FileError&) {
  }
  return 0;
}
