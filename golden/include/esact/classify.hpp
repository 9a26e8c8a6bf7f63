// The classifier head of a model (docs/models.md): the host's step after the
// encoder, shared by esact-eval (golden accuracy) and esact-sim --sequences
// (the RTL's accuracy), so both classify with the same code.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "esact/model.hpp"

namespace esact {

/// Class of one sequence from the last layer's int8 output y [n][d_model]:
/// dequantize with the last layer's output scale, pool (mean over the n tokens,
/// or token 0), apply the linear head, argmax (the first class on ties).
/// The model must have a classifier.
int classify(const Model& m, std::span<const int8_t> y, int n);

/// The same on real-valued outputs (the float reference, esact/float_ref.hpp).
int classify_real(const Model& m, const std::vector<double>& y, int n);

}  // namespace esact
