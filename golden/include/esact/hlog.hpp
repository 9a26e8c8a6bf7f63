// HLog quantization (docs/spec.md 3.1).
#pragma once
#include <cstdint>

namespace esact {

/// An HLog code: magnitude 2^e (h = 0) or 3 * 2^(e-1) (h = 1, e >= 1); zero when !nonzero.
struct HlogCode {
  bool neg = false;
  bool nonzero = false;
  uint8_t e = 0;
  bool h = false;
  friend bool operator==(const HlogCode&, const HlogCode&) = default;
};

/// Encode any integer (nearest level, ties up; sign kept).
constexpr HlogCode hlog_encode(int64_t v) {
  if (v == 0) return {};
  const bool neg = v < 0;
  const uint64_t a = neg ? static_cast<uint64_t>(0) - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  const int p = 63 - __builtin_clzll(a);
  if (p <= 1) {
    // 1 -> (0,0), 2 -> (1,0), 3 -> (1,1)
    return a == 1 ? HlogCode{neg, true, 0, false} : HlogCode{neg, true, 1, a == 3};
  }
  const unsigned b = static_cast<unsigned>((a >> (p - 2)) & 3u);
  if (b == 0) return {neg, true, static_cast<uint8_t>(p), false};
  if (b == 3) return {neg, true, static_cast<uint8_t>(p + 1), false};
  return {neg, true, static_cast<uint8_t>(p), true};
}

/// Signed value of a code.
constexpr int64_t hlog_value(HlogCode c) {
  if (!c.nonzero) return 0;
  const int64_t mag = c.h ? (int64_t{3} << (c.e - 1)) : (int64_t{1} << c.e);
  return c.neg ? -mag : mag;
}

/// hlog(v) as a value.
constexpr int64_t hlog(int64_t v) { return hlog_value(hlog_encode(v)); }

/// Byte layout in memory: bit7 neg, bit6 nonzero, bit5 h, bit4 0, bits3:0 e.  Zero is 0x00.
constexpr uint8_t hlog_to_byte(HlogCode c) {
  if (!c.nonzero) return 0;
  return static_cast<uint8_t>((c.neg ? 0x80 : 0) | 0x40 | (c.h ? 0x20 : 0) | (c.e & 0x0f));
}
constexpr HlogCode hlog_from_byte(uint8_t b) {
  if ((b & 0x40) == 0) return {};
  return {(b & 0x80) != 0, true, static_cast<uint8_t>(b & 0x0f), (b & 0x20) != 0};
}

/// Product of two codes by exponent addition (spec 3.1 table): at most two shifted terms.
struct HlogProduct {
  int64_t value = 0;
  int terms = 0;  ///< shifted terms added: 0 (a zero operand), 1 or 2
};
constexpr HlogProduct hlog_product(HlogCode a, HlogCode b) {
  if (!a.nonzero || !b.nonzero) return {};
  const int s = a.e + b.e;
  int64_t mag;
  int terms;
  if (!a.h && !b.h) {
    mag = int64_t{1} << s;
    terms = 1;
  } else if (a.h && b.h) {
    mag = (int64_t{1} << (s + 1)) + (int64_t{1} << (s - 2));
    terms = 2;
  } else {
    mag = (int64_t{1} << s) + (int64_t{1} << (s - 1));
    terms = 2;
  }
  return {(a.neg != b.neg) ? -mag : mag, terms};
}

}  // namespace esact
