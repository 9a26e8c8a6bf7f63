// A failing SVA assertion ends the simulation with its message: the stream
// checker (rtl/common/esact_stream_chk.sv, compiled with --assert like every
// model of the build) on a stream that keeps the rules runs clean; one that
// withdraws valid, or changes the payload, before ready stops the simulation
// with the checker's message.  Each bad case runs in a child process (the
// Verilator runtime aborts it) whose stderr and exit status are checked.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <string>
#include <vector>

#include "Vstream_chk.h"
#include "verilated.h"

namespace {

struct Beat {
  bool valid, ready;
  uint8_t data;
  bool flush = false;
};

// Reset, then one cycle per beat.
void simulate(const std::vector<Beat>& beats) {
  VerilatedContext ctx;
  Vstream_chk m(&ctx);
  m.clk_i = 0;
  m.rst_ni = 0;
  m.flush_i = 0;
  m.valid_i = 0;
  m.ready_i = 0;
  m.data_i = 0;
  m.eval();
  m.rst_ni = 1;
  for (const auto& b : beats) {
    m.valid_i = b.valid;
    m.ready_i = b.ready;
    m.data_i = b.data;
    m.flush_i = b.flush;
    m.eval();
    m.clk_i = 1;
    m.eval();
    m.clk_i = 0;
    m.eval();
    ctx.timeInc(1);
  }
  m.final();
}

struct Child {
  bool clean_exit = false;
  std::string err;
};

// Run simulate() in a child process; its stderr and whether it exited with 0.
Child run_child(const std::vector<Beat>& beats) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  std::fflush(nullptr);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    simulate(beats);
    _exit(0);
  }
  close(fds[1]);
  Child c;
  std::array<char, 4096> buf{};
  ssize_t n;
  while ((n = read(fds[0], buf.data(), buf.size())) > 0) c.err.append(buf.data(), static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  c.clean_exit = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  return c;
}

}  // namespace

TEST_CASE("assertions: a stream that keeps the rules runs clean") {
  // Offer held with stable data until ready; then new offers; idle cycles.
  const std::vector<Beat> ok = {{false, false, 0}, {true, false, 5}, {true, false, 5}, {true, true, 5},
                                {true, true, 6},   {false, true, 9}, {true, false, 7}, {true, true, 7},
                                {false, false, 1}};
  const Child c = run_child(ok);
  CHECK_MESSAGE(c.clean_exit, c.err);
  CHECK(c.err.find("Assertion failed") == std::string::npos);
}

TEST_CASE("assertions: payload changed before ready stops the simulation with the message") {
  const Child c = run_child({{true, false, 5}, {true, false, 6}, {true, true, 6}});
  CHECK_FALSE(c.clean_exit);
  CHECK_MESSAGE(c.err.find("Assertion failed") != std::string::npos, c.err);
  CHECK_MESSAGE(c.err.find("payload changed while valid and not ready") != std::string::npos, c.err);
}

TEST_CASE("assertions: valid withdrawn before ready stops the simulation with the message") {
  const Child c = run_child({{true, false, 5}, {false, false, 5}, {false, false, 5}});
  CHECK_FALSE(c.clean_exit);
  CHECK_MESSAGE(c.err.find("valid withdrawn before ready") != std::string::npos, c.err);
}

TEST_CASE("assertions: an abort (flush) may withdraw an offer") {
  const Child c = run_child({{true, false, 5}, {true, false, 5, true}, {false, false, 0}, {false, false, 0}});
  CHECK_MESSAGE(c.clean_exit, c.err);
}
