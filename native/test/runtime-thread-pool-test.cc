// The pool covers every index exactly once for many sizes, grains and thread counts, and survives nesting.
#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "runtime/thread-pool.h"
#include "test/test-harness.h"

namespace {

// Runs one parallel_for and checks each index was visited once and chunks respect the grain.
void check_cover(sparq::ThreadPool& pool, size_t n, size_t grain) {
  std::vector<std::atomic<int>> hits(n);
  for (auto& h : hits) h.store(0);
  std::atomic<int> short_chunks{0};
  pool.parallel_for(n, grain, [&](size_t begin, size_t end) {
    if (begin >= end || end > n) {
      short_chunks.fetch_add(1000);
      return;
    }
    if (end - begin < grain && end != n) short_chunks.fetch_add(1);
    for (size_t i = begin; i < end; ++i) hits[i].fetch_add(1);
  });
  int wrong = 0;
  for (auto& h : hits) wrong += h.load() != 1;
  CHECK_EQ(wrong, 0);
  CHECK_EQ(short_chunks.load(), 0);
}

}  // namespace

SPARQ_TEST(pool_covers_every_index_once) {
  for (int threads : {1, 2, 3, 4, 8}) {
    sparq::ThreadPool pool(threads);
    CHECK_EQ(pool.threads(), threads);
    for (size_t n : {0, 1, 2, 3, 7, 8, 9, 63, 64, 65, 1000, 4097})
      for (size_t grain : {0, 1, 2, 3, 16, 100, 5000}) check_cover(pool, n, grain);
  }
}

SPARQ_TEST(pool_many_tiny_jobs_back_to_back) {
  sparq::ThreadPool pool(4);
  std::atomic<long> sum{0};
  for (int iter = 0; iter < 20000; ++iter)
    pool.parallel_for(16, 1, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; ++i) sum.fetch_add(static_cast<long>(i));
    });
  CHECK_EQ(sum.load(), 20000L * 120);
}

SPARQ_TEST(pool_uses_several_threads) {
  sparq::ThreadPool pool(3);
  std::atomic<int> running{0}, max_running{0};
  // Each chunk waits (up to 200 ms) for another chunk to run beside it, so a loaded machine that is slow to give
  // the workers a core still sees them overlap with the caller.
  for (int attempt = 0; attempt < 10 && max_running.load() < 2; ++attempt)
    pool.parallel_for(3, 1, [&](size_t, size_t) {
      const int now = running.fetch_add(1) + 1;
      int seen = max_running.load();
      while (now > seen && !max_running.compare_exchange_weak(seen, now)) {}
      const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
      while (max_running.load() < 2 && std::chrono::steady_clock::now() < until) {}
      running.fetch_sub(1);
    });
  CHECK(max_running.load() >= 2);
}

SPARQ_TEST(pool_nested_parallel_for_runs_inline) {
  sparq::ThreadPool pool(4);
  std::vector<std::atomic<int>> hits(64 * 64);
  for (auto& h : hits) h.store(0);
  pool.parallel_for(64, 1, [&](size_t b, size_t e) {
    for (size_t i = b; i < e; ++i)
      pool.parallel_for(64, 1, [&](size_t b2, size_t e2) {
        for (size_t j = b2; j < e2; ++j) hits[i * 64 + j].fetch_add(1);
      });
  });
  int wrong = 0;
  for (auto& h : hits) wrong += h.load() != 1;
  CHECK_EQ(wrong, 0);
}

SPARQ_TEST(pool_create_and_destroy_repeatedly) {
  for (int i = 0; i < 50; ++i) {
    auto pool = std::make_unique<sparq::ThreadPool>(1 + i % 4);
    if (i % 2) check_cover(*pool, 100, 3);
  }
  CHECK(true);
}

SPARQ_TEST(pool_zero_or_negative_threads_means_one) {
  sparq::ThreadPool a(0), b(-3);
  CHECK_EQ(a.threads(), 1);
  CHECK_EQ(b.threads(), 1);
  check_cover(a, 10, 1);
}

SPARQ_TEST(pool_two_callers_at_once_stay_correct) {
  // The executor serializes runs of one plan, but nothing stops two plans sharing nothing but a pool
  // implementation from racing; a second concurrent caller must run inline rather than corrupt the job.
  sparq::ThreadPool pool(3);
  std::atomic<int> wrong{0};
  auto caller = [&](int seed) {
    for (int iter = 0; iter < 2000; ++iter) {
      std::vector<int> hits(257, 0);
      pool.parallel_for(hits.size(), 7, [&](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) hits[i] += seed;
      });
      for (int h : hits) wrong += h != seed;
    }
  };
  std::thread a(caller, 1), b(caller, 2);
  a.join();
  b.join();
  CHECK_EQ(wrong.load(), 0);
}
