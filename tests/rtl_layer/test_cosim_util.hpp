// Shared helpers of the co-simulation tests: a synthetic workload packed into a
// memory image, a harness sized for it, and a run that compares every output
// byte with the golden model.
#pragma once
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <memory>
#include <string>
#include <vector>

#include "esact/layer.hpp"
#include "esact/sim/harness.hpp"
#include "esact/sim/image.hpp"
#include "esact/synthetic.hpp"

namespace cosim {

struct Workload {
  esact::Model model;
  std::vector<int8_t> x;
  int n = 0;
  std::unique_ptr<esact::sim::MemoryImage> img;
  std::vector<esact::LayerResult> golden;
};

inline Workload make_workload(const std::string& spec, esact::Mode mode = esact::Mode::Dense,
                              const esact::sim::ImageOptions& opt = {}) {
  auto syn = esact::make_synthetic(spec);
  Workload w;
  w.model = std::move(syn.model);
  const auto s = syn.inputs.sequence(0);
  w.x.assign(s.begin(), s.end());
  w.n = syn.inputs.n;
  w.img = std::make_unique<esact::sim::MemoryImage>(w.model, w.x, w.n, opt);
  w.golden = esact::run_model(w.model, w.x, w.n, mode);
  return w;
}

inline esact::sim::HarnessConfig config_for(const esact::sim::MemoryImage& img, double backpressure = 0.0,
                                            unsigned latency = 16, uint64_t seed = 1, double bandwidth = 1.0) {
  esact::sim::HarnessConfig hc;
  hc.mem.base = img.base();
  hc.mem.size = img.memory_size();
  hc.mem.backpressure = backpressure;
  hc.mem.read_latency = latency;
  hc.mem.bandwidth = bandwidth;
  hc.mem.seed = seed;
  hc.verilator_seed = seed;
  return hc;
}

/// Run and require a clean finish; returns the first mismatch (any == false when exact).
inline esact::sim::Mismatch run_and_compare(esact::sim::Harness& h, Workload& w, esact::Mode mode,
                                            uint64_t timeout, esact::sim::RunResult* out = nullptr) {
  w.img->load(h.mem());
  const auto r = h.run(*w.img, mode, timeout);
  if (out) *out = r;
  INFO(r.problem());
  REQUIRE(r.ok());
  CHECK(r.irq);
  CHECK(r.cycles > 0);
  return esact::sim::compare_outputs(h.mem(), *w.img, w.golden);
}

}  // namespace cosim
