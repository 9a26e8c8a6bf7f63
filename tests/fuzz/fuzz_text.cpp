// libFuzzer target: the command-line spec parsers, --synthetic (parse_synthetic)
// and esact-eval --grid (parse_grid).  The first byte picks the parser.
// Accepted specs must print back to a spec that parses to the same thing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "esact/knob_grid.hpp"
#include "esact/synthetic.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    if (data[0] & 1) {
      const auto grid = esact::parse_grid(text);
      if (grid.empty()) std::abort();  // an accepted grid has at least one point
    } else {
      const esact::SyntheticSpec s = esact::parse_synthetic(text);
      const std::string canon = esact::to_string(s);
      if (esact::to_string(esact::parse_synthetic(canon)) != canon) std::abort();
    }
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
