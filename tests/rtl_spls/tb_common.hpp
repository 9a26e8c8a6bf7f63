// Shared helpers of the SPLS RTL tests: clocking, reset, random stalls, widths.
#pragma once
#include <verilated.h>

#include <cstdint>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

namespace spls_tb {

/// Random X/reset values for every model built with --x-initial unique; the seed
/// comes from ESACT_SEED when set (so a failure can be replayed), else a fixed one.
inline uint32_t seed() {
  static const uint32_t s = [] {
    const char* e = std::getenv("ESACT_SEED");
    return e ? static_cast<uint32_t>(std::stoul(e)) : 0x5A175u;
  }();
  return s;
}
inline void init_verilator() {
  Verilated::randReset(2);
  Verilated::randSeed(static_cast<int>(seed() & 0x7fffffff));
  // esact_spls reads a simulation-only plusarg (+esact_spls_fault, its fault
  // injection); Verilator aborts a $value$plusargs before commandArgs: none here.
  static const char* argv[] = {"esact-rtl-spls-test"};
  Verilated::commandArgs(1, argv);
}

/// Probability knobs of one stream's handshake (valid for inputs, ready for outputs).
struct Stall {
  double p = 1.0;  ///< probability that the testbench side is willing in a cycle
  bool operator()(std::mt19937_64& rng) const {
    return p >= 1.0 || std::uniform_real_distribution<double>(0.0, 1.0)(rng) < p;
  }
};

/// Sign-extend the low `bits` of v.
inline int64_t sext(uint64_t v, unsigned bits) {
  const uint64_t m = uint64_t{1} << (bits - 1);
  v &= (bits >= 64) ? ~uint64_t{0} : ((uint64_t{1} << bits) - 1);
  return static_cast<int64_t>((v ^ m) - m);
}

/// Write bytes (byte 0 in bits 7..0) into a Verilator port of any width
/// (integral for <= 64 bits, VlWide above).
template <typename T>
void put_bytes(T& sig, const std::vector<uint8_t>& b) {
  if constexpr (std::is_integral_v<T>) {
    uint64_t v = 0;
    for (size_t i = 0; i < b.size() && i < sizeof(T); ++i) v |= static_cast<uint64_t>(b[i]) << (8 * i);
    sig = static_cast<T>(v);
  } else {
    for (size_t w = 0; w < sizeof(sig) / 4; ++w) sig[w] = 0;
    for (size_t i = 0; i < b.size(); ++i) sig[i / 4] |= static_cast<uint32_t>(b[i]) << (8 * (i % 4));
  }
}

/// Bit j of a Verilator port of any width.
template <typename T>
int get_bit(const T& sig, int j) {
  if constexpr (std::is_integral_v<T>) {
    return j < static_cast<int>(8 * sizeof(T)) ? static_cast<int>((static_cast<uint64_t>(sig) >> j) & 1u) : 0;
  } else {
    return static_cast<int>((sig[j / 32] >> (j % 32)) & 1u);
  }
}

/// Signed field [lsb, lsb + bits) of a Verilator port of any width.
template <typename T>
int64_t get_field(const T& sig, int lsb, unsigned bits) {
  uint64_t v = 0;
  for (unsigned b = 0; b < bits; ++b) v |= static_cast<uint64_t>(get_bit(sig, lsb + static_cast<int>(b))) << b;
  return sext(v, bits);
}

/// One clock: inputs are set by the caller before; `comb` has already been
/// evaluated with clk low so that handshakes can be sampled.
template <typename M>
void settle(M& m) {
  m.clk_i = 0;
  m.eval();
}
template <typename M>
void posedge(M& m) {
  m.clk_i = 1;
  m.eval();
}
template <typename M>
void reset(M& m, int cycles = 3) {
  m.rst_ni = 0;
  for (int c = 0; c < cycles; ++c) {
    settle(m);
    posedge(m);
  }
  m.rst_ni = 1;
  settle(m);
}

}  // namespace spls_tb
