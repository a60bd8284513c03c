// Intra-op thread pool: the calling thread plus (threads - 1) workers split a range into chunks.
#pragma once
#include <cstddef>
#include <functional>
#include <memory>

namespace sparq {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const;

  // Calls fn(begin, end) over disjoint chunks covering [0, n), at least `grain` items per chunk
  // (except the last). Blocks until all chunks are done. Runs inline when threads()==1 or n is small.
  // fn must not throw.
  void parallel_for(size_t n, size_t grain, const std::function<void(size_t begin, size_t end)>& fn);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sparq
