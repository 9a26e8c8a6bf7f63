// Packing a model into the accelerator's memory layout (docs/memory-map.md).
#include "esact/sim/image.hpp"

#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "esact/hlog.hpp"
#include "esact/layer.hpp"
#include "esact/sim/axi_mem.hpp"

namespace esact::sim {
namespace {

uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

// A weight matrix w [in][out] (the model's input-major layout) in the memory
// layout, output-major: w^T [out][in], so that the GEMM reads the k = in
// weights of one output column as one burst (docs/memory-map.md).
std::vector<int8_t> output_major(const std::vector<int8_t>& w, uint64_t in, uint64_t out) {
  const size_t ni = in, no = out;
  if (w.size() != ni * no)
    throw std::invalid_argument(fmt::format("weights: {} values, expected {} x {}", w.size(), in, out));
  std::vector<int8_t> t(w.size());
  for (size_t i = 0; i < ni; ++i)
    for (size_t o = 0; o < no; ++o) t[o * ni + i] = w[i * no + o];
  return t;
}

}  // namespace

uint64_t default_scratch_bytes(const Model& m, int n, bool spls) {
  return align_up(scratch_layout(n, m.d_model, m.d_ffn, spls ? m.n_heads : 0).need, 4096);
}

uint64_t MemoryImage::alloc(const std::string& name, int layer, uint64_t bytes) {
  const uint64_t off = align_up(bytes_.size(), kImageAlign);
  bytes_.resize(off + align_up(bytes, kImageAlign), 0);
  regions_.push_back({name, layer, base_ + off, bytes});
  return base_ + off;
}

void MemoryImage::put(uint64_t addr, const void* src, uint64_t bytes) {
  std::memcpy(bytes_.data() + (addr - base_), src, bytes);
}

MemoryImage::MemoryImage(const Model& model, std::span<const int8_t> x, int n, const ImageOptions& opt)
    : base_(opt.base) {
  check_model_shape(model);
  for (size_t l = 0; l < model.layers.size(); ++l) check_layer(model, model.layers[l], static_cast<int>(l));
  if (n < 1 || static_cast<unsigned>(n) > params::N_MAX)
    throw std::invalid_argument(fmt::format("input: N = {} tokens out of range 1..{}", n, params::N_MAX));
  const uint64_t D = static_cast<uint64_t>(model.d_model);
  if (x.size() != static_cast<uint64_t>(n) * D)
    throw std::invalid_argument(fmt::format("input: {} values, expected N x D = {} x {}", x.size(), n, D));
  if (base_ % 4096 != 0) throw std::invalid_argument("image: base must be 4 KiB aligned");
  n_layers_ = static_cast<int>(model.layers.size());
  n_ = n;
  d_ = model.d_model;

  desc_base_ = alloc("descriptors", -1, uint64_t{4} * params::DESC_WORDS * model.layers.size());
  for (int i = 0; i <= n_layers_; ++i)
    act_.push_back(alloc(i == 0 ? std::string("X (input)") : fmt::format("Y of layer {}", i - 1), i - 1,
                         static_cast<uint64_t>(n) * D));
  put(act_[0], x.data(), x.size());

  std::vector<Desc> descs;
  for (int l = 0; l < n_layers_; ++l) descs.push_back(pack_layer(model, l));
  compile_lists(descs, n, opt);
  scratch_size_ = opt.scratch_size ? opt.scratch_size : default_scratch_bytes(model, n, opt.spls);
  // The scratch region is not part of the packed bytes (it is poisoned on load).
  const uint64_t off = scratch_base_ - base_;
  regions_.push_back({"scratch", -1, scratch_base_, scratch_size_});
  mem_size_ = align_up(off + scratch_size_ + opt.guard, 4096);
  if (base_ + mem_size_ > (uint64_t{1} << params::AXI_AW))
    throw std::invalid_argument(fmt::format("image: {} bytes at 0x{:x} do not fit the {}-bit AXI address space",
                                            mem_size_, base_, params::AXI_AW));
}

MemoryImage::Desc MemoryImage::pack_layer(const Model& model, int l) {
  const Layer& L = model.layers[static_cast<size_t>(l)];
  const uint64_t D = static_cast<uint64_t>(model.d_model), F = static_cast<uint64_t>(model.d_ffn);
  Desc w{};
  w[params::DESC_MAGIC] = params::DESC_MAGIC_VALUE;
  w[params::DESC_D] = static_cast<uint32_t>(model.d_model);
  w[params::DESC_H] = static_cast<uint32_t>(model.n_heads);
  w[params::DESC_F] = static_cast<uint32_t>(model.d_ffn);
  w[params::DESC_NORM] = L.norm == Norm::Pre ? 1u : 0u;
  w[params::DESC_K] = static_cast<uint32_t>(L.spls.k);
  w[params::DESC_W] = static_cast<uint32_t>(L.spls.window);
  w[params::DESC_T] = static_cast<uint32_t>(L.spls.threshold);
  w[params::DESC_FFN_REUSE] = L.spls.ffn_reuse ? 1u : 0u;
  const Requant rqs[params::RQ_COUNT] = {L.rq.q,  L.rq.k,   L.rq.v,    L.rq.softmax, L.rq.av,
                                         L.rq.o,  L.rq.ln1, L.rq.ffn1, L.rq.ffn2,    L.rq.ln2};
  for (unsigned i = 0; i < params::RQ_COUNT; ++i) {
    w[params::DESC_RQ_M + i] = rqs[i].m;
    w[params::DESC_RQ_S + i] = rqs[i].s;
  }
  w[params::DESC_X_ADDR] = static_cast<uint32_t>(act_[static_cast<size_t>(l)]);
  w[params::DESC_Y_ADDR] = static_cast<uint32_t>(act_[static_cast<size_t>(l) + 1]);
  auto arr = [&](unsigned word, const char* name, const auto& v) {
    using T = typename std::decay_t<decltype(v)>::value_type;
    const uint64_t a = alloc(fmt::format("layer {} {}", l, name), l, v.size() * sizeof(T));
    put(a, v.data(), v.size() * sizeof(T));
    w[word] = static_cast<uint32_t>(a);
  };
  arr(params::DESC_WQ, "wq", output_major(L.wq, D, D));
  arr(params::DESC_WK, "wk", output_major(L.wk, D, D));
  arr(params::DESC_WV, "wv", output_major(L.wv, D, D));
  arr(params::DESC_WO, "wo", output_major(L.wo, D, D));
  arr(params::DESC_W1, "w1", output_major(L.w1, D, F));
  arr(params::DESC_W2, "w2", output_major(L.w2, F, D));
  arr(params::DESC_BQ, "bq", L.bq);
  arr(params::DESC_BK, "bk", L.bk);
  arr(params::DESC_BV, "bv", L.bv);
  arr(params::DESC_BO, "bo", L.bo);
  arr(params::DESC_B1, "b1", L.b1);
  arr(params::DESC_B2, "b2", L.b2);
  arr(params::DESC_LN1_G, "ln1_gamma", L.ln1_gamma);
  arr(params::DESC_LN1_B, "ln1_beta", L.ln1_beta);
  arr(params::DESC_LN2_G, "ln2_gamma", L.ln2_gamma);
  arr(params::DESC_LN2_B, "ln2_beta", L.ln2_beta);
  arr(params::DESC_GELU, "gelu", L.gelu);
  std::vector<uint8_t> hq(L.wq.size()), hk(L.wk.size());
  for (size_t i = 0; i < hq.size(); ++i) hq[i] = hlog_to_byte(hlog_encode(L.wq[i]));
  for (size_t i = 0; i < hk.size(); ++i) hk[i] = hlog_to_byte(hlog_encode(L.wk[i]));
  arr(params::DESC_WQ_HLOG, "wq hlog codes", hq);
  arr(params::DESC_WK_HLOG, "wk hlog codes", hk);
  return w;
}

// Every layer's command list: its region comes before the scratch region, whose
// (absolute) addresses the commands hold, so the lists are sized first and
// compiled once the scratch base is known.  Then the descriptors are written.
void MemoryImage::compile_lists(std::vector<Desc>& descs, int n, const ImageOptions& opt) {
  for (int l = 0; l < n_layers_; ++l) {
    const size_t count = compile_layer(descs[static_cast<size_t>(l)], n, 0, opt.schedule, opt.spls, opt.key_rows).commands().size();
    list_addr_.push_back(alloc(fmt::format("layer {} commands", l), l, count * 4 * params::CMD_WORDS));
  }
  scratch_base_ = base_ + align_up(bytes_.size(), 4096);
  for (int l = 0; l < n_layers_; ++l) {
    Desc& w = descs[static_cast<size_t>(l)];
    lists_.push_back(compile_layer(w, n, scratch_base_, opt.schedule, opt.spls, opt.key_rows));
    const std::vector<uint32_t> words = lists_.back().encode();
    put(list_addr_[static_cast<size_t>(l)], words.data(), words.size() * 4);
    const ScratchLayout sl = scratch_layout(n, static_cast<int>(w[params::DESC_D]), static_cast<int>(w[params::DESC_F]),
                                            opt.spls ? static_cast<int>(w[params::DESC_H]) : 0);
    w[params::DESC_CMD_ADDR] = static_cast<uint32_t>(list_addr_[static_cast<size_t>(l)]);
    w[params::DESC_CMD_COUNT] = static_cast<uint32_t>(lists_.back().commands().size());
    w[params::DESC_SCR_NEED] = static_cast<uint32_t>(sl.need);
    w[params::DESC_SCR_BASE] = static_cast<uint32_t>(scratch_base_);
    for (unsigned i = 0; i < params::DESC_WORDS; ++i)
      put(desc_base_ + uint64_t{4} * (params::DESC_WORDS * static_cast<unsigned>(l) + i), &w[i], 4);
  }
}

uint64_t MemoryImage::cmd_word_addr(int l, unsigned i, unsigned w) const {
  if (l < 0 || l >= n_layers_ || i >= commands(l).commands().size() || w >= params::CMD_WORDS)
    throw std::out_of_range(fmt::format("command {} word {} of layer {} does not exist", i, w, l));
  return list_addr_[static_cast<size_t>(l)] + uint64_t{4} * (params::CMD_WORDS * i + w);
}

uint32_t MemoryImage::cmd_word(int l, unsigned i, unsigned w) const {
  uint32_t v;
  std::memcpy(&v, bytes_.data() + (cmd_word_addr(l, i, w) - base_), 4);
  return v;
}

void MemoryImage::set_cmd_word(int l, unsigned i, unsigned w, uint32_t value) {
  std::memcpy(bytes_.data() + (cmd_word_addr(l, i, w) - base_), &value, 4);
}

const Region* MemoryImage::find(uint64_t addr) const {
  for (const auto& r : regions_)
    if (addr >= r.addr && addr < r.addr + r.size) return &r;
  return nullptr;
}

uint32_t MemoryImage::desc_word(int l, unsigned w) const {
  uint32_t v;
  std::memcpy(&v, bytes_.data() + (desc_base_ - base_) + 4 * (params::DESC_WORDS * static_cast<unsigned>(l) + w), 4);
  return v;
}

void MemoryImage::set_desc_word(int l, unsigned w, uint32_t value) {
  if (l < 0 || l >= n_layers_ || w >= params::DESC_WORDS)
    throw std::out_of_range(fmt::format("descriptor word {} of layer {} does not exist", w, l));
  std::memcpy(bytes_.data() + (desc_base_ - base_) + 4 * (params::DESC_WORDS * static_cast<unsigned>(l) + w), &value,
              4);
}

void MemoryImage::load(AxiMem& mem, uint8_t poison) const {
  if (!mem.contains(base_, mem_size_))
    throw std::invalid_argument(fmt::format("image [0x{:x}, 0x{:x}) does not fit the memory", base_,
                                            base_ + mem_size_));
  mem.write(base_, bytes_);
  for (int i = 1; i <= n_layers_; ++i) mem.fill(act_[static_cast<size_t>(i)], act_bytes(), poison);
  mem.fill(scratch_base_, scratch_size_, poison);
  mem.clear_write_cycles();
}

}  // namespace esact::sim
