// OutputSet: staged files appear only on commit; abort leaves nothing new.
#include <doctest/doctest.h>

#include <sys/resource.h>
#include <csignal>

#include "cli_run.hpp"
#include "esact/npy.hpp"
#include "esact/outputs.hpp"

using namespace esact;
using esact::test::fresh_dir;
using esact::test::listing;
namespace fs = std::filesystem;

TEST_CASE("OutputSet: nothing is visible before commit, everything after") {
  const fs::path d = fresh_dir("outputs_commit");
  {
    OutputSet o;
    o.make_dir(d / "a" / "b");
    o.write_text(d / "a" / "b" / "x.txt", "hello\n");
    npy::write(d / "y.npy", std::vector<int8_t>{1, 2, 3}, {3}, &o);
    CHECK_FALSE(fs::exists(d / "a" / "b" / "x.txt"));
    CHECK_FALSE(fs::exists(d / "y.npy"));
    CHECK(o.staged() == 2);
    o.commit();
  }
  CHECK(test::slurp(d / "a" / "b" / "x.txt") == "hello\n");
  CHECK(npy::read_as<int8_t>(d / "y.npy", {3}) == std::vector<int8_t>{1, 2, 3});
  CHECK(listing(d) == "a\na/b\na/b/x.txt\ny.npy\n");  // no temporary left
}

TEST_CASE("OutputSet: abort (or an exception) removes the staged files and the created folders") {
  const fs::path d = fresh_dir("outputs_abort");
  fs::create_directories(d / "keep");
  try {
    OutputSet o;
    o.make_dir(d / "keep");        // existed: kept
    o.make_dir(d / "new" / "sub");  // created: removed
    o.write_text(d / "new" / "sub" / "f.txt", "x");
    o.write_text(d / "keep" / "g.txt", "y");
    throw std::runtime_error("the run failed");
  } catch (const std::runtime_error&) {
  }
  CHECK(listing(d) == "keep\n");
}

TEST_CASE("OutputSet: an existing file is replaced only on commit") {
  const fs::path d = fresh_dir("outputs_replace");
  write_text_atomic(d / "r.json", "old\n");
  {
    OutputSet o;
    o.write_text(d / "r.json", "new\n");
    CHECK(test::slurp(d / "r.json") == "old\n");
  }
  CHECK(test::slurp(d / "r.json") == "old\n");
  write_text_atomic(d / "r.json", "new\n");
  CHECK(test::slurp(d / "r.json") == "new\n");
}

TEST_CASE("OutputSet: bad destinations are errors naming the path") {
  const fs::path d = fresh_dir("outputs_bad");
  OutputSet o;
  auto msg = [&](auto&& f) {
    try {
      f();
    } catch (const OutputError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  CHECK(msg([&] { o.write_text("/nonexistent_esact_dir/r.json", "x"); }).find("/nonexistent_esact_dir/r.json: cannot create") == 0);
  CHECK(msg([&] { o.write_text(d, "x"); }).find("is a folder") != std::string::npos);
  CHECK(msg([&] { o.write_text("/dev/full", "x"); }).find("/dev/full: exists and is not a regular file") == 0);
  fs::create_directories(d / "f");
  write_text_atomic(d / "file", "x");
  CHECK(msg([&] { o.make_dir(d / "file" / "sub"); }).find("exists and is not a folder") != std::string::npos);
  CHECK(msg([&] { o.reserve(d / "nope" / "t.fst"); }).find("cannot create") != std::string::npos);
}

TEST_CASE("OutputSet: a write that fails midway (file size limit) is reported and leaves nothing") {
  const fs::path d = fresh_dir("outputs_efbig");
  struct rlimit old {};
  ::getrlimit(RLIMIT_FSIZE, &old);
  auto* old_handler = std::signal(SIGXFSZ, SIG_IGN);  // the write then fails with EFBIG
  struct rlimit lim = old;
  lim.rlim_cur = 1000;
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &lim) == 0);
  std::string msg;
  try {
    write_text_atomic(d / "big.txt", std::string(5000, 'x'));
  } catch (const OutputError& e) {
    msg = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, old_handler);
  CHECK(msg.find((d / "big.txt").string() + ": write failed") == 0);
  CHECK(listing(d).empty());
}
