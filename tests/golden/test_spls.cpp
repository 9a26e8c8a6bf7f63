#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <vector>

#include "esact/hlog.hpp"
#include "esact/spls.hpp"

using namespace esact;

TEST_CASE("prediction equals a brute-force computation") {
  std::mt19937 rng(5);
  for (int trial = 0; trial < 6; ++trial) {
    const int heads = 1 + trial % 3, dh = 4 + trial, d = heads * dh, n = 3 + 2 * trial;
    std::vector<int8_t> a(n * d), wq(d * d), wk(d * d);
    for (auto& v : a) v = static_cast<int8_t>(rng());
    for (auto& v : wq) v = static_cast<int8_t>(rng());
    for (auto& v : wk) v = static_cast<int8_t>(rng());
    const auto p = predict(a, wq, wk, n, d, heads);
    // Brute force, straight from the spec's formulas.
    std::vector<int64_t> kh(n * d), qh(n * d);
    uint64_t adds = 0;
    for (int j = 0; j < n; ++j)
      for (int c = 0; c < d; ++c)
        for (int k = 0; k < d; ++k) {
          const auto x = hlog_encode(a[j * d + k]);
          const auto pk = hlog_product(x, hlog_encode(wk[k * d + c]));
          const auto pq = hlog_product(x, hlog_encode(wq[k * d + c]));
          kh[j * d + c] += pk.value;
          qh[j * d + c] += pq.value;
          adds += pk.terms + pq.terms;
        }
    for (int i = 0; i < n * d; ++i) {
      REQUIRE(p.khat[i] == kh[i]);
      REQUIRE(p.qhat[i] == qh[i]);
    }
    for (int h = 0; h < heads; ++h) {
      int64_t mx = 0;
      for (int j = 0; j < n; ++j)
        for (int c = h * dh; c < (h + 1) * dh; ++c) mx = std::max<int64_t>(mx, std::llabs(kh[j * d + c]));
      int sk = 0;
      while ((mx >> sk) > 255) ++sk;  // leading one at or below bit 7
      REQUIRE(p.k_shift[h] == sk);
      for (int i = 0; i < n; ++i) {
        int64_t mq = 0;
        for (int c = h * dh; c < (h + 1) * dh; ++c) mq = std::max<int64_t>(mq, std::llabs(qh[i * d + c]));
        int sq = 0;
        while ((mq >> sq) > 255) ++sq;
        REQUIRE(p.q_shift[i * heads + h] == sq);
        for (int j = 0; j < n; ++j) {
          int64_t pam = 0;
          for (int c = h * dh; c < (h + 1) * dh; ++c) {
            const int64_t q = qh[i * d + c], k = kh[j * d + c];
            const int64_t qt = hlog(q < 0 ? -((-q) >> sq) : (q >> sq));
            const int64_t kt = hlog(k < 0 ? -((-k) >> sk) : (k >> sk));
            const auto pp = hlog_product(hlog_encode(qt), hlog_encode(kt));
            pam += qt * kt;
            REQUIRE(pp.value == qt * kt);
            if (i == 0) (void)0;
          }
          REQUIRE(p.pam[(h * n + i) * n + j] == pam);
        }
      }
    }
    CHECK(p.additions_khat + p.additions_qhat == adds);
  }
}

TEST_CASE("top-k: largest k, ties to the smaller index, k = n selects all") {
  std::vector<int64_t> s{3, 7, 7, 1, 7, 0};
  CHECK(topk_mask(s, 1) == std::vector<uint8_t>{0, 1, 0, 0, 0, 0});
  CHECK(topk_mask(s, 2) == std::vector<uint8_t>{0, 1, 1, 0, 0, 0});
  CHECK(topk_mask(s, 4) == std::vector<uint8_t>{1, 1, 1, 0, 1, 0});
  CHECK(topk_mask(s, 6) == std::vector<uint8_t>{1, 1, 1, 1, 1, 1});
  std::vector<int64_t> eq(5, 9);
  CHECK(topk_mask(eq, 3) == std::vector<uint8_t>{1, 1, 1, 0, 0});
  CHECK_THROWS(topk_mask(s, 0));
  CHECK_THROWS(topk_mask(s, 7));
}

TEST_CASE("similarity: row 0, window, threshold, nearest-wins ties") {
  // 1 head, n = 5, masks chosen by hand.
  const int n = 5;
  std::vector<uint8_t> m = {
      1, 1, 0, 0, 0,  // row 0
      1, 1, 0, 0, 0,  // row 1: ov(1,0)=2
      0, 0, 1, 1, 0,  // row 2: ov with 0 = 0
      1, 1, 0, 0, 0,  // row 3: ov(3,0)=2, ov(3,2)=0
      0, 0, 1, 1, 0,  // row 4: ov(4,2)=2
  };
  SUBCASE("W = 0 turns reuse off") { CHECK(similarity(m, n, 1, 0, 0) == std::vector<int32_t>(n, -1)); }
  SUBCASE("T above H*k turns reuse off") { CHECK(similarity(m, n, 1, 4, 3) == std::vector<int32_t>(n, -1)); }
  SUBCASE("T = 2, W = 1") {
    // row1 follows 0; row2: window {1} not a leader -> leader; row3: window {2} ov 0 -> leader;
    // row4: window {3} ov 0 -> leader
    CHECK(similarity(m, n, 1, 1, 2) == std::vector<int32_t>{-1, 0, -1, -1, -1});
  }
  SUBCASE("T = 2, W = 3: window reaches back") {
    CHECK(similarity(m, n, 1, 3, 2) == std::vector<int32_t>{-1, 0, -1, 0, 2});
  }
  SUBCASE("T = 0: every row with a leader in its window follows; followers are skipped") {
    std::vector<uint8_t> z(n * n, 0);
    CHECK(similarity(z, n, 1, 2, 0) == std::vector<int32_t>{-1, 0, 0, -1, 3});
  }
  SUBCASE("ties go to the nearest leader") {
    std::vector<uint8_t> t = {
        1, 1, 0, 0,  // row 0
        0, 0, 1, 1,  // row 1: ov(1,0) = 0 < T -> leader
        1, 0, 1, 0,  // row 2: ov = 1 with both 0 and 1 -> nearest (1)
        1, 1, 1, 1,  // row 3: window {1, 2}, 2 is a follower -> follows 1 (ov 2)
    };
    CHECK(similarity(t, 4, 1, 2, 1) == std::vector<int32_t>{-1, -1, 1, 1});
  }
  SUBCASE("n = 1") {
    std::vector<uint8_t> one{1};
    CHECK(similarity(one, 1, 1, 4, 0) == std::vector<int32_t>{-1});
  }
}
