// Tracing and the toggle meter on a real run: the FST of a cycle window, the
// generated GTKWave savefile, per-unit toggle counts and the OpenSTA file.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "esact/sim/fst_tools.hpp"
#include "test_cosim_util.hpp"

namespace fs = std::filesystem;
using esact::Mode;
using esact::sim::Harness;

namespace {
std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}
}  // namespace

TEST_CASE("cosim trace: FST window, GTKWave groups, toggles per unit, OpenSTA activity") {
  const fs::path dir = fs::temp_directory_path() / fmt::format("esact_cosim_trace_{}", ::getpid());
  fs::create_directories(dir);
  const std::string fst = (dir / "run.fst").string();
  auto w = cosim::make_workload("n=4,d=32,heads=2,ffn=32,layers=1,seed=3");
  auto hc = cosim::config_for(*w.img);
  hc.trace_path = fst;
  hc.trace_start = 200;
  hc.trace_end = 1199;  // 1000 cycles
  {
    Harness h(hc);
    const auto mm = cosim::run_and_compare(h, w, Mode::Dense, 2'000'000);
    CHECK_FALSE(mm.any);
    h.close_trace();
  }
  REQUIRE(fs::exists(fst));

  const std::string gtkw = fst + ".gtkw";
  const int groups = esact::sim::write_gtkw(fst, gtkw);
  CHECK(groups >= 8);
  const std::string g = slurp(gtkw);
  for (const char* want : {"-Top: AXI read (AR, R)", "-Top: AXI write (AW, W, B)", "-CSR (u_csr)",
                           "-MAC array (u_gemm.u_mac)", "-Sequencer (u_seq)", "TOP.m_axi_araddr[31:0]", "TOP.clk_i"}) {
    CAPTURE(std::string(want));
    CHECK(g.find(want) != std::string::npos);
  }

  const auto rep = esact::sim::count_toggles(fst, 1.0);
  CHECK(rep.cycles == 1000);
  CHECK(rep.toggles > 0);
  uint64_t sum = 0;
  bool mac = false;
  for (const auto& u : rep.units) {
    sum += u.toggles;
    CHECK(u.activity >= 0.0);
    CHECK(u.activity <= 2.0);  // at most two changes per bit per cycle (two dumps per cycle)
    if (u.unit == "u_gemm.u_mac") mac = u.toggles > 0 && u.bits >= esact::params::MAC_ROWS * esact::params::MAC_COLS;
  }
  CHECK(sum == rep.toggles);
  CHECK(mac);
  CHECK(rep.energy_pj == doctest::Approx(static_cast<double>(rep.toggles) * 1e-3));

  const std::string tcl = (dir / "act.tcl").string();
  esact::sim::write_activity_tcl(rep, tcl);
  const std::string t = slurp(tcl);
  CHECK(t.find("set_power_activity -global -activity") != std::string::npos);
  CHECK(t.find("dict set esact_unit_activity u_gemm/u_mac") != std::string::npos);
  fs::remove_all(dir);
}
