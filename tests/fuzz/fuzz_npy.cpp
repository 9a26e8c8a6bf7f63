// libFuzzer target: the .npy parser (esact::npy::parse) on arbitrary bytes.
// Every input must either parse into a consistent array or throw npy::Error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "esact/npy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const esact::npy::Array a = esact::npy::parse(std::span<const uint8_t>(data, size), "fuzz.npy");
    if (a.bytes.size() != a.count() * esact::npy::dtype_size(a.dtype)) std::abort();  // parse() promises this
    // Round trip: what we write must parse to the same array.
    const auto again = esact::npy::parse(esact::npy::serialize(a.dtype, a.shape, a.bytes), "again.npy");
    if (again.shape != a.shape || again.bytes != a.bytes || again.dtype != a.dtype) std::abort();
  } catch (const esact::npy::Error&) {
  }
  return 0;
}
