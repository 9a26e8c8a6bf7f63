// The SPLS knob grid of esact-eval --grid:
//   "k=8,16;window=0,4;threshold=16,32;ffn_reuse=on,off"
// Every key once, each with at least one value; the result is the cross
// product (k outermost), at most 10000 settings.  Values are checked for syntax here and for range
// when applied to a model.  Errors: std::invalid_argument naming the key.
#pragma once
#include <string>
#include <vector>

#include "esact/model.hpp"

namespace esact {

std::vector<SplsKnobs> parse_grid(const std::string& grid);

}  // namespace esact
