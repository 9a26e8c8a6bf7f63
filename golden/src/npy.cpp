// Strict .npy reader/writer (see esact/npy.hpp).
#include "esact/npy.hpp"

#include "esact/outputs.hpp"

#include <cctype>
#include <fstream>
#include <optional>

#include <fmt/format.h>

namespace esact::npy {
namespace {

constexpr uint8_t kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
// Large enough for any array the build can use (F_MAX * D_MAX int64 and then some).
constexpr uint64_t kMaxBytes = uint64_t{1} << 34;

[[noreturn]] void fail(const std::string& name, const std::string& what) { throw Error(name + ": " + what); }

// A tiny parser for the header dict NumPy writes:
//   {'descr': '<i4', 'fortran_order': False, 'shape': (3, 4), }
struct HeaderParser {
  const std::string& s;
  const std::string& name;
  size_t i = 0;

  [[noreturn]] void err(const std::string& what) const {
    fail(name, fmt::format("malformed header ({} at offset {} of \"{}\")", what, i, s));
  }
  void ws() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  }
  bool eat(char c) {
    ws();
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!eat(c)) err(fmt::format("expected '{}'", c));
  }
  std::string str() {
    ws();
    if (i >= s.size() || (s[i] != '\'' && s[i] != '"')) err("expected a string");
    const char q = s[i++];
    std::string out;
    while (i < s.size() && s[i] != q) out += s[i++];
    if (i >= s.size()) err("unterminated string");
    ++i;
    return out;
  }
  bool boolean() {
    ws();
    if (s.compare(i, 4, "True") == 0) {
      i += 4;
      return true;
    }
    if (s.compare(i, 5, "False") == 0) {
      i += 5;
      return false;
    }
    err("expected True or False");
  }
  std::vector<size_t> tuple() {
    expect('(');
    std::vector<size_t> out;
    if (eat(')')) return out;
    while (true) {
      ws();
      if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) err("expected a non-negative integer");
      uint64_t v = 0;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
        v = v * 10 + static_cast<uint64_t>(s[i++] - '0');
        if (v > (uint64_t{1} << 40)) err("dimension too large");
      }
      out.push_back(static_cast<size_t>(v));
      if (eat(')')) return out;
      expect(',');
      if (eat(')')) return out;  // (3,) or trailing comma
    }
  }
};

std::optional<DType> parse_descr(const std::string& d) {
  if (d.size() != 3) return std::nullopt;
  const char order = d[0];
  const std::string t = d.substr(1);
  const bool one_byte = t == "i1" || t == "u1" || t == "b1";
  if (one_byte ? (order != '|' && order != '<' && order != '>' && order != '=') : order != '<') return std::nullopt;
  if (t == "i1") return DType::I8;
  if (t == "u1") return DType::U8;
  if (t == "i2") return DType::I16;
  if (t == "i4") return DType::I32;
  if (t == "i8") return DType::I64;
  if (t == "f4") return DType::F32;
  return std::nullopt;
}

const char* descr_of(DType t) {
  switch (t) {
    case DType::I8: return "|i1";
    case DType::U8: return "|u1";
    case DType::I16: return "<i2";
    case DType::I32: return "<i4";
    case DType::I64: return "<i8";
    case DType::F32: return "<f4";
  }
  return "?";
}

}  // namespace

const char* dtype_name(DType t) {
  switch (t) {
    case DType::I8: return "int8";
    case DType::U8: return "uint8";
    case DType::I16: return "int16";
    case DType::I32: return "int32";
    case DType::I64: return "int64";
    case DType::F32: return "float32";
  }
  return "?";
}

size_t dtype_size(DType t) {
  switch (t) {
    case DType::I8:
    case DType::U8: return 1;
    case DType::I16: return 2;
    case DType::I32:
    case DType::F32: return 4;
    case DType::I64: return 8;
  }
  return 1;
}

std::string shape_str(const std::vector<size_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  if (shape.size() == 1) s += ",";
  return s + ")";
}

size_t Array::count() const {
  size_t c = 1;
  for (size_t v : shape) c *= v;
  return c;
}

void Array::require_dtype(DType want) const {
  if (dtype != want) fail(name, fmt::format("dtype is {}, expected {}", dtype_name(dtype), dtype_name(want)));
}

void Array::require_shape(const std::vector<size_t>& want) const {
  if (shape != want) fail(name, fmt::format("shape is {}, expected {}", shape_str(shape), shape_str(want)));
}

Array parse(std::span<const uint8_t> f, const std::string& name) {
  if (f.size() < 10 || !std::equal(std::begin(kMagic), std::end(kMagic), f.begin()))
    fail(name, "not a .npy file (bad magic)");
  const unsigned major = f[6], minor = f[7];
  if ((major != 1 && major != 2) || minor != 0)
    fail(name, fmt::format("unsupported .npy version {}.{} (only 1.0 and 2.0)", major, minor));
  size_t hlen, hstart;
  if (major == 1) {
    hlen = static_cast<size_t>(f[8]) | (static_cast<size_t>(f[9]) << 8);
    hstart = 10;
  } else {
    if (f.size() < 12) fail(name, "truncated header");
    hlen = static_cast<size_t>(f[8]) | (static_cast<size_t>(f[9]) << 8) | (static_cast<size_t>(f[10]) << 16) |
           (static_cast<size_t>(f[11]) << 24);
    hstart = 12;
  }
  if (hlen > 1u << 20) fail(name, fmt::format("header length {} is implausible", hlen));
  if (f.size() < hstart + hlen)
    fail(name, fmt::format("truncated header (header says {} bytes, file has {})", hlen, f.size() - hstart));
  std::string h(reinterpret_cast<const char*>(f.data() + hstart), hlen);
  if (h.empty() || h.back() != '\n') fail(name, "malformed header (does not end in a newline)");
  while (!h.empty() && (h.back() == '\n' || h.back() == ' ')) h.pop_back();
  for (char c : h)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e)
      fail(name, "malformed header (non-printable character)");

  HeaderParser p{h, name};
  p.expect('{');
  std::optional<std::string> descr;
  std::optional<bool> fortran;
  std::optional<std::vector<size_t>> shape;
  while (!p.eat('}')) {
    const std::string key = p.str();
    p.expect(':');
    if (key == "descr" && !descr) {
      descr = p.str();
    } else if (key == "fortran_order" && !fortran) {
      fortran = p.boolean();
    } else if (key == "shape" && !shape) {
      shape = p.tuple();
    } else {
      p.err(fmt::format("unexpected or repeated key '{}'", key));
    }
    if (!p.eat(',')) {
      p.expect('}');
      break;
    }
  }
  p.ws();
  if (p.i != h.size()) p.err("text after the dict");
  if (!descr || !fortran || !shape) fail(name, "malformed header (needs descr, fortran_order and shape)");
  const auto dt = parse_descr(*descr);
  if (!dt) {
    if (!descr->empty() && descr->front() == '>') fail(name, fmt::format("big-endian dtype '{}' is not supported", *descr));
    fail(name, fmt::format("unsupported dtype '{}' (int8, uint8, int16, int32, int64, float32 only)", *descr));
  }
  if (*fortran) fail(name, "fortran_order arrays are not supported (save in C order)");

  Array a;
  a.name = name;
  a.dtype = *dt;
  a.shape = *shape;
  uint64_t nbytes = dtype_size(a.dtype);
  for (size_t v : a.shape) {
    if (v != 0 && nbytes > kMaxBytes / v) fail(name, fmt::format("shape {} is too large", shape_str(a.shape)));
    nbytes *= v;
  }
  const size_t have = f.size() - hstart - hlen;
  if (have < nbytes)
    fail(name, fmt::format("truncated data: shape {} of {} needs {} bytes, file has {}", shape_str(a.shape),
                           dtype_name(a.dtype), nbytes, have));
  if (have > nbytes) fail(name, fmt::format("{} unexpected bytes after the data", have - nbytes));
  a.bytes.assign(f.begin() + static_cast<std::ptrdiff_t>(hstart + hlen), f.end());
  return a;
}

Array read(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) fail(name, "file not found");
  if (std::filesystem::is_directory(path, ec)) fail(name, "is a directory, expected a .npy file");
  // A FIFO or device would block or never end: only regular files are read.
  if (!std::filesystem::is_regular_file(path, ec)) fail(name, "not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(name, "cannot open");
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) fail(name, "cannot read size: " + ec.message());
  if (size > kMaxBytes + (1u << 20)) fail(name, fmt::format("file too large ({} bytes)", size));
  std::vector<uint8_t> buf(static_cast<size_t>(size));
  in.read(reinterpret_cast<char*>(buf.data()), static_cast<std::streamsize>(buf.size()));
  if (in.gcount() != static_cast<std::streamsize>(buf.size())) fail(name, "read error");
  return parse(buf, name);
}

std::vector<uint8_t> serialize(DType dtype, const std::vector<size_t>& shape, std::span<const uint8_t> raw) {
  size_t count = 1;
  for (size_t v : shape) count *= v;
  if (raw.size() != count * dtype_size(dtype))
    throw Error(fmt::format("npy::serialize: {} data bytes do not match shape {} of {}", raw.size(), shape_str(shape),
                            dtype_name(dtype)));
  std::string h = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}", descr_of(dtype),
                              shape_str(shape));
  // Pad with spaces so that the data starts at a multiple of 64, then '\n'.
  const size_t total = 10 + h.size() + 1;
  h.append((64 - total % 64) % 64, ' ');
  h += '\n';
  if (h.size() > 65535) throw Error("npy::serialize: header too long for version 1.0");
  std::vector<uint8_t> out(std::begin(kMagic), std::end(kMagic));
  out.push_back(1);
  out.push_back(0);
  out.push_back(static_cast<uint8_t>(h.size() & 0xff));
  out.push_back(static_cast<uint8_t>(h.size() >> 8));
  out.insert(out.end(), h.begin(), h.end());
  out.insert(out.end(), raw.begin(), raw.end());
  return out;
}

void write_raw(const std::filesystem::path& path, DType dtype, const std::vector<size_t>& shape,
               std::span<const uint8_t> raw, OutputSet* out) {
  const auto img = serialize(dtype, shape, raw);
  if (out) out->write(path, img);
  else write_file_atomic(path, img);
}

}  // namespace esact::npy
