// The host driver's memory image: a model and its input packed into the layout
// of docs/memory-map.md (layer descriptors, arrays aligned to 64 bytes, the
// HLog byte codes of Wq/Wk, activation buffers chained layer to layer, and the
// scratch region).  No Verilator dependency.
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "esact/model.hpp"
#include "esact/params.hpp"
#include "esact/sim/cmdlist.hpp"

namespace esact::sim {

class AxiMem;

inline constexpr uint64_t kImageAlign = 64;

/// A named range of the image, for reports ("layer 1 wq", "act 2", "scratch").
struct Region {
  std::string name;
  int layer = -1;  ///< -1: not a layer's own array
  uint64_t addr = 0, size = 0;
};

struct ImageOptions {
  uint64_t base = 0x10000000;  ///< first byte of the memory (address 0 stays unmapped)
  uint64_t scratch_size = 0;   ///< 0: default_scratch_bytes()
  uint64_t guard = 4096;       ///< unused bytes after the image (inside the memory)
  Schedule schedule = Schedule::Overlap;  ///< how the layer compiler orders attention (cmdlist.hpp)
  bool spls = false;           ///< compile SPLS layers (PREDICT + the SPLS scratch regions; run with MODE = 1)
  bool key_rows = false;       ///< SPLS: V per head on the keys of U_h once PREDICT is written (compile_layer)
};

/// The scratch size the packer gives a model: scratch_layout().need rounded up to 4 KiB.
uint64_t default_scratch_bytes(const Model& model, int n, bool spls = false);

class MemoryImage {
 public:
  /// Pack `model` (checked with esact::check_model_shape/check_layer) and the
  /// input x (int8 [n][D]).  Throws std::invalid_argument naming the problem.
  MemoryImage(const Model& model, std::span<const int8_t> x, int n, const ImageOptions& opt = {});

  uint64_t base() const { return base_; }
  uint64_t size() const { return bytes_.size(); }           ///< image bytes (without the guard)
  uint64_t memory_size() const { return mem_size_; }        ///< what the AXI memory must hold
  uint64_t desc_base() const { return desc_base_; }
  uint64_t scratch_base() const { return scratch_base_; }
  uint64_t scratch_size() const { return scratch_size_; }
  int n_layers() const { return n_layers_; }
  int n_tokens() const { return n_; }
  int d_model() const { return d_; }
  /// act_addr(0) = X of layer 0; act_addr(l + 1) = Y of layer l = X of layer l + 1.
  uint64_t act_addr(int i) const { return act_.at(static_cast<size_t>(i)); }
  uint64_t act_bytes() const { return static_cast<uint64_t>(n_) * static_cast<uint64_t>(d_); }

  const std::vector<Region>& regions() const { return regions_; }
  /// The region holding addr, or nullptr.
  const Region* find(uint64_t addr) const;

  /// Descriptor word w of layer l (as packed), and a way to corrupt it for tests.
  uint32_t desc_word(int l, unsigned w) const;
  void set_desc_word(int l, unsigned w, uint32_t value);

  /// Layer l's compiled command list (docs/architecture.md, "Command list").
  const CommandList& commands(int l) const { return lists_.at(static_cast<size_t>(l)); }
  /// Word w of command i of layer l's list (as packed), and a way to corrupt it for tests.
  uint32_t cmd_word(int l, unsigned i, unsigned w) const;
  void set_cmd_word(int l, unsigned i, unsigned w, uint32_t value);

  /// Copy the image into the memory (the memory must cover [base, base + size)),
  /// and fill the activation outputs and the scratch region with `poison`.
  void load(AxiMem& mem, uint8_t poison = 0xa5) const;

 private:
  uint64_t alloc(const std::string& name, int layer, uint64_t bytes);
  void put(uint64_t addr, const void* src, uint64_t bytes);
  using Desc = std::array<uint32_t, params::DESC_WORDS>;
  Desc pack_layer(const Model& model, int l);
  void compile_lists(std::vector<Desc>& descs, int n, const ImageOptions& opt);
  uint64_t cmd_word_addr(int l, unsigned i, unsigned w) const;

  uint64_t base_ = 0, mem_size_ = 0, desc_base_ = 0, scratch_base_ = 0, scratch_size_ = 0;
  int n_layers_ = 0, n_ = 0, d_ = 0;
  std::vector<uint64_t> act_;
  std::vector<CommandList> lists_;
  std::vector<uint64_t> list_addr_;
  std::vector<Region> regions_;
  std::vector<uint8_t> bytes_;
};

}  // namespace esact::sim
