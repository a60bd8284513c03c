// STUB (replaced by the runtime work): runs everything on the calling thread.
#include "runtime/thread-pool.h"

namespace sparq {

struct ThreadPool::Impl {
  int threads;
};
ThreadPool::ThreadPool(int threads) : impl_(new Impl{threads < 1 ? 1 : threads}) {}
ThreadPool::~ThreadPool() = default;
int ThreadPool::threads() const { return impl_->threads; }
void ThreadPool::parallel_for(size_t n, size_t grain, const std::function<void(size_t, size_t)>& fn) {
  if (n > 0) fn(0, n);
}

}  // namespace sparq
