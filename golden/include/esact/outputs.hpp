// Output files written all-or-nothing.
//
// An OutputSet stages every file of a run under a temporary name in the file's
// own folder (".NAME.tmp-PID-K"), checks every write, flush and close, and
// commit() renames them into place.  Destroyed (or abort()ed) without a commit,
// it removes its temporary files and the folders it created, so a run that
// fails at any point leaves no new output file behind.  A rename within one
// folder is atomic, so a reader never sees a half-written file.
//
// An existing destination that is not a regular file (a device such as
// /dev/full, a FIFO, a socket) is refused, never replaced.
// Errors are esact::OutputError naming the file and the system's reason.
#pragma once
#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace esact {

struct OutputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class OutputSet {
 public:
  OutputSet() = default;
  ~OutputSet();
  OutputSet(const OutputSet&) = delete;
  OutputSet& operator=(const OutputSet&) = delete;

  /// Create `dir` and its missing parents now (they are removed again by abort()
  /// when still empty).  A path that exists and is not a folder is an error.
  void make_dir(const std::filesystem::path& dir);
  /// Stage the bytes of `path` (written and closed now, under the temporary name).
  void write(const std::filesystem::path& path, std::span<const uint8_t> bytes);
  void write_text(const std::filesystem::path& path, std::string_view text);
  /// Reserve `path` for a file written by other code (e.g. a trace writer): the
  /// empty temporary file is created now (so an unwritable folder fails at once)
  /// and its name returned; commit() renames it.  A later write() of the same
  /// path fills the reserved file.
  std::filesystem::path reserve(const std::filesystem::path& path);

  /// Rename every staged file into place (in staging order).
  void commit();
  /// Remove the staged files and the created folders.  Never throws.
  void abort() noexcept;

  size_t staged() const { return files_.size(); }

 private:
  struct Staged {
    std::filesystem::path tmp, dest;
  };
  std::vector<Staged> files_;
  std::vector<std::filesystem::path> created_dirs_;  ///< in creation order
};

/// One file written the same way on its own (stage + commit).
void write_file_atomic(const std::filesystem::path& path, std::span<const uint8_t> bytes);
void write_text_atomic(const std::filesystem::path& path, std::string_view text);

/// Flush standard output and check it for errors (a full disk, a closed pipe);
/// throws OutputError("standard output: ...") on failure.
void check_stdout();

}  // namespace esact
