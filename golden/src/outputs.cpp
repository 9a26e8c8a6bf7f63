// All-or-nothing output files (see esact/outputs.hpp).
#include "esact/outputs.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

namespace esact {
namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(const fs::path& p, const std::string& what, int err) {
  throw OutputError(fmt::format("{}: {}: {}", p.string(), what, std::strerror(err)));
}

fs::path temp_name(const fs::path& dest) {
  static unsigned counter = 0;
  return dest.parent_path() / fmt::format(".{}.tmp-{}-{}", dest.filename().string(), ::getpid(), counter++);
}

// Write all bytes to the (new or reserved) temporary file; every write and the close checked.
void write_whole(const fs::path& tmp, const fs::path& dest, std::span<const uint8_t> bytes, bool fresh) {
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (fresh ? O_EXCL : O_TRUNC), 0666);
  if (fd < 0) fail(dest, "cannot create", errno);
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t w = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      const int err = w < 0 ? errno : EIO;
      ::close(fd);
      ::unlink(tmp.c_str());
      fail(dest, "write failed", err);
    }
    done += static_cast<size_t>(w);
  }
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    fail(dest, "close failed", err);
  }
}

}  // namespace

OutputSet::~OutputSet() { abort(); }

void OutputSet::make_dir(const fs::path& dir) {
  if (dir.empty()) return;
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return;
  if (fs::exists(dir, ec)) throw OutputError(dir.string() + ": exists and is not a folder");
  make_dir(dir.parent_path() == dir ? fs::path() : dir.parent_path());
  if (!fs::create_directory(dir, ec) && !fs::is_directory(dir))
    throw OutputError(fmt::format("{}: cannot create folder: {}", dir.string(), ec.message()));
  created_dirs_.push_back(dir);
}

void OutputSet::write(const fs::path& path, std::span<const uint8_t> bytes) {
  for (const Staged& s : files_)
    if (s.dest == path) return write_whole(s.tmp, path, bytes, false);
  if (path.empty()) throw OutputError("empty output file name");
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (fs::is_directory(st)) throw OutputError(path.string() + ": is a folder, expected a file name");
  // Never replace a device, FIFO or socket (e.g. /dev/full) by renaming over it.
  if (fs::exists(st) && !fs::is_regular_file(st))
    throw OutputError(path.string() + ": exists and is not a regular file (a device, FIFO or socket): not replaced");
  const fs::path tmp = temp_name(path);
  write_whole(tmp, path, bytes, true);
  files_.push_back({tmp, path});
}

fs::path OutputSet::reserve(const fs::path& path) {
  write(path, {});
  for (const Staged& s : files_)
    if (s.dest == path) return s.tmp;
  return {};  // unreachable: write() staged it
}

void OutputSet::write_text(const fs::path& path, std::string_view text) {
  write(path, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

void OutputSet::commit() {
  for (size_t i = 0; i < files_.size(); ++i) {
    if (std::rename(files_[i].tmp.c_str(), files_[i].dest.c_str()) != 0) {
      const int err = errno;
      const fs::path dest = files_[i].dest;
      files_.erase(files_.begin(), files_.begin() + static_cast<std::ptrdiff_t>(i));
      fail(dest, "cannot rename the finished file into place", err);
    }
  }
  files_.clear();
  created_dirs_.clear();
}

void OutputSet::abort() noexcept {
  for (const Staged& s : files_) ::unlink(s.tmp.c_str());
  files_.clear();
  for (auto it = created_dirs_.rbegin(); it != created_dirs_.rend(); ++it) ::rmdir(it->c_str());  // only if empty
  created_dirs_.clear();
}

void write_file_atomic(const fs::path& path, std::span<const uint8_t> bytes) {
  OutputSet o;
  o.write(path, bytes);
  o.commit();
}

void write_text_atomic(const fs::path& path, std::string_view text) {
  OutputSet o;
  o.write_text(path, text);
  o.commit();
}

void check_stdout() {
  errno = 0;
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    const int err = errno ? errno : EIO;
    throw OutputError(fmt::format("standard output: write failed: {}", std::strerror(err)));
  }
}

}  // namespace esact
