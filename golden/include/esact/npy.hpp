// A strict reader and writer of NumPy .npy files (format versions 1.0 and 2.0).
//
// Accepted: little-endian (or byte-order-free one-byte) data in C order, dtypes
// int8, uint8, int16, int32, int64, float32.  Everything else (bad magic,
// unsupported version, a header that is not the dict NumPy writes, big-endian
// or other dtypes, fortran_order True, a shape that does not fit, too few or
// too many data bytes) throws esact::npy::Error whose message starts with the
// file name and says what is wrong.  No Debian package offers a reader that
// fails cleanly on bad input (cnpy aborts, xtensor is heavy), hence this file.
#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "esact/outputs.hpp"

namespace esact::npy {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class DType { I8, U8, I16, I32, I64, F32 };

/// NumPy's name of a dtype ("int8", ...).
const char* dtype_name(DType t);
/// Bytes per element.
size_t dtype_size(DType t);

template <class T>
constexpr DType dtype_of() {
  if constexpr (std::is_same_v<T, int8_t>) return DType::I8;
  else if constexpr (std::is_same_v<T, uint8_t>) return DType::U8;
  else if constexpr (std::is_same_v<T, int16_t>) return DType::I16;
  else if constexpr (std::is_same_v<T, int32_t>) return DType::I32;
  else if constexpr (std::is_same_v<T, int64_t>) return DType::I64;
  else {
    static_assert(std::is_same_v<T, float>, "npy: unsupported element type");
    return DType::F32;
  }
}

/// A loaded array: raw little-endian bytes plus dtype and shape.
struct Array {
  DType dtype = DType::I8;
  std::vector<size_t> shape;
  std::vector<uint8_t> bytes;
  std::string name;  ///< file name (for messages)

  size_t count() const;

  /// The elements as T; throws Error naming the file if the dtype is not T's.
  template <class T>
  std::vector<T> as() const {
    require_dtype(dtype_of<T>());
    std::vector<T> out(count());
    for (size_t i = 0; i < out.size(); ++i) out[i] = load_le<T>(&bytes[i * sizeof(T)]);
    return out;
  }
  void require_dtype(DType want) const;
  /// Throws Error naming the file if the shape is not `want`.
  void require_shape(const std::vector<size_t>& want) const;

 private:
  template <class T>
  static T load_le(const uint8_t* p) {
    using U = std::conditional_t<sizeof(T) == 1, uint8_t,
                                 std::conditional_t<sizeof(T) == 2, uint16_t,
                                                    std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>>>;
    U u = 0;
    for (size_t b = 0; b < sizeof(T); ++b) u = static_cast<U>(u | (static_cast<U>(p[b]) << (8 * b)));
    T t;
    static_assert(sizeof(T) == sizeof(U));
    __builtin_memcpy(&t, &u, sizeof(T));
    return t;
  }
};

/// "(3, 4)" as NumPy prints a shape.
std::string shape_str(const std::vector<size_t>& shape);

/// Parse a whole .npy file image; `name` is used in messages.
Array parse(std::span<const uint8_t> file, const std::string& name);

/// Read and parse a file.
Array read(const std::filesystem::path& path);

/// Read a file that must hold dtype T and (if `shape` is non-empty) exactly that shape.
template <class T>
std::vector<T> read_as(const std::filesystem::path& path, const std::vector<size_t>& shape) {
  const Array a = read(path);
  a.require_dtype(dtype_of<T>());
  if (!shape.empty()) a.require_shape(shape);
  return a.as<T>();
}

/// Serialize to a version 1.0 .npy image (what numpy.save writes).
std::vector<uint8_t> serialize(DType dtype, const std::vector<size_t>& shape, std::span<const uint8_t> raw_le);

/// Write a file (version 1.0, little-endian, C order): staged in `out` (committed
/// with the run's other outputs) or, without one, written on its own under a
/// temporary name and renamed when complete.  Throws OutputError on I/O failure.
void write_raw(const std::filesystem::path& path, DType dtype, const std::vector<size_t>& shape,
               std::span<const uint8_t> raw_le, OutputSet* out = nullptr);

template <class T>
void write(const std::filesystem::path& path, std::span<const T> data, const std::vector<size_t>& shape,
           OutputSet* out = nullptr) {
  std::vector<uint8_t> raw(data.size() * sizeof(T));
  for (size_t i = 0; i < data.size(); ++i) {
    std::conditional_t<sizeof(T) == 1, uint8_t,
                       std::conditional_t<sizeof(T) == 2, uint16_t,
                                          std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>>>
        u;
    __builtin_memcpy(&u, &data[i], sizeof(T));
    for (size_t b = 0; b < sizeof(T); ++b) raw[i * sizeof(T) + b] = static_cast<uint8_t>(u >> (8 * b));
  }
  write_raw(path, dtype_of<T>(), shape, raw, out);
}
template <class T>
void write(const std::filesystem::path& path, const std::vector<T>& data, const std::vector<size_t>& shape,
           OutputSet* out = nullptr) {
  write(path, std::span<const T>(data), shape, out);
}

}  // namespace esact::npy
