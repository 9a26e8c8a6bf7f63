// The classifier head (see classify.hpp).
#include "esact/classify.hpp"

#include "esact/float_ref.hpp"

namespace esact {

namespace {

// Linear head on the pooled features, argmax.
int argmax_head(const Classifier& c, const std::vector<double>& pooled) {
  const size_t d = pooled.size();
  int best = 0;
  double best_v = 0;
  for (int cl = 0; cl < c.classes; ++cl) {
    double v = c.bias[cl];
    for (size_t j = 0; j < d; ++j) v += pooled[j] * c.weight[j * c.classes + cl];
    if (cl == 0 || v > best_v) best_v = v, best = cl;
  }
  return best;
}

}  // namespace

int classify(const Model& m, std::span<const int8_t> y, int n) {
  const Classifier& c = *m.classifier;
  const int d = m.d_model;
  const double s = output_scale(m.layers.back());
  std::vector<double> pooled(static_cast<size_t>(d), 0.0);
  if (c.pool_mean) {
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < d; ++j) pooled[j] += y[static_cast<size_t>(i) * d + j];
    for (double& p : pooled) p = p * s / n;
  } else {
    for (int j = 0; j < d; ++j) pooled[j] = y[j] * s;
  }
  return argmax_head(c, pooled);
}

int classify_real(const Model& m, const std::vector<double>& y, int n) {
  const Classifier& c = *m.classifier;
  const int d = m.d_model;
  std::vector<double> pooled(static_cast<size_t>(d), 0.0);
  for (int i = 0; i < (c.pool_mean ? n : 1); ++i)
    for (int j = 0; j < d; ++j) pooled[j] += y[static_cast<size_t>(i) * d + j];
  if (c.pool_mean)
    for (double& p : pooled) p /= n;
  return argmax_head(c, pooled);
}

}  // namespace esact
