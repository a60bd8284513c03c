// Persistent worker pool: a job is published by bumping a generation counter; workers spin briefly, then sleep.
//
// A plan issues 50-200 parallel_for calls per inference, many of them tiny, so waking threads through a
// condition variable every time would cost more than the work. Workers spin on the generation for a short
// while after each job and only then sleep; the caller takes chunks too and never sleeps.
//
// Publishing protocol (all atomics seq_cst):
//   caller: generation = odd (job being written); wait until active == 0; write job; generation = even
//   worker: see even generation G; active++; re-read generation; if still G take chunks, else back off; active--
// so a worker only reads job fields that are fully written, and the caller rewrites them only when no
// worker can be reading them.
#include "runtime/thread-pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(_M_X64)
#include <emmintrin.h>
#endif
#if defined(__linux__)
#include <sched.h>
#endif

namespace sparq {
namespace {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(_M_X64)
  _mm_pause();
#elif defined(__aarch64__)
  __asm__ volatile("yield");
#endif
}

// How long a worker spins before it sleeps: long enough to bridge the gap between consecutive ops of one
// inference, short enough not to burn a core between inferences. Measured in time, not iterations, because
// the cost of a pause instruction varies tenfold between CPUs.
constexpr std::chrono::microseconds kWorkerSpinTime{200};
// Spins of the caller waiting for the last chunks before it starts yielding its time slice.
constexpr int kCallerSpins = 4000;

// Set while a thread runs a chunk, so that a nested parallel_for runs inline instead of deadlocking.
thread_local bool in_pool_chunk = false;

// The CPU this thread runs on, or -1 where that is unknown.
inline int current_cpu() {
#if defined(__linux__)
  return sched_getcpu();
#else
  return -1;
#endif
}

// Moves the calling thread off `cpu` when the process may run on other CPUs: narrow the affinity to the others
// (the kernel migrates the thread at once), then restore it (the thread stays where it now is).
//
// Why: a worker woken from its sleep is often placed on the waker's CPU. In KVM guests especially, an idle
// (halted) vCPU looks preempted to the scheduler, so the other CPU is not taken as idle; the worker and the caller
// then share one CPU, spinning against each other, for milliseconds until load balancing separates them. Measured
// on a 2-vCPU KVM guest: 2-thread int8 GEMMs ran at 1-thread speed after every idle gap of 20 ms.
void leave_cpu(int cpu) {
#if defined(__linux__)
  cpu_set_t allowed;
  if (cpu < 0 || sched_getaffinity(0, sizeof(allowed), &allowed) != 0) return;
  if (!CPU_ISSET(cpu, &allowed) || CPU_COUNT(&allowed) < 2) return;
  cpu_set_t others = allowed;
  CPU_CLR(cpu, &others);
  if (sched_setaffinity(0, sizeof(others), &others) == 0) sched_setaffinity(0, sizeof(allowed), &allowed);
#else
  (void)cpu;
#endif
}

// Whether the process may run on at least `threads` CPUs (then each pool thread can have one of its own).
bool cpus_for(int threads) {
#if defined(__linux__)
  cpu_set_t allowed;
  return sched_getaffinity(0, sizeof(allowed), &allowed) == 0 && CPU_COUNT(&allowed) >= threads;
#else
  (void)threads;
  return false;
#endif
}

}  // namespace

struct ThreadPool::Impl {
  int threads = 1;
  std::vector<std::thread> workers;

  std::atomic<uint64_t> generation{0};  // even = published job, odd = job being written
  std::atomic<int> active{0};           // workers that may be reading the job fields
  std::atomic<bool> stop{false};
  std::atomic<bool> busy{false};        // a caller is inside parallel_for
  bool spread = false;                  // workers leave the caller's CPU (see leave_cpu)

  // The current job (written only while no worker is active).
  const std::function<void(size_t, size_t)>* fn = nullptr;
  size_t n = 0;
  size_t chunk = 0;
  size_t num_chunks = 0;
  int caller_cpu = -1;
  std::atomic<size_t> next_chunk{0};
  std::atomic<size_t> done_chunks{0};

  std::mutex mutex;
  std::condition_variable wake;
  std::atomic<int> sleepers{0};

  void run_chunks() {
    const size_t count = num_chunks;
    for (;;) {
      const size_t i = next_chunk.fetch_add(1);
      if (i >= count) break;
      const size_t begin = i * chunk;
      const size_t end = std::min(n, begin + chunk);
      in_pool_chunk = true;
      (*fn)(begin, end);
      in_pool_chunk = false;
      done_chunks.fetch_add(1);
    }
  }

  void worker_loop() {
    uint64_t seen = 0;
    for (;;) {
      uint64_t g = generation.load();
      if (g == seen || (g & 1)) {
        const auto deadline = std::chrono::steady_clock::now() + kWorkerSpinTime;
        for (unsigned spin = 1; (g == seen || (g & 1)) && !stop.load(std::memory_order_relaxed); ++spin) {
          cpu_relax();
          g = generation.load();
          if ((spin & 63) == 0 && std::chrono::steady_clock::now() > deadline) break;
          if ((spin & 1023) == 0) std::this_thread::yield();  // be fair when the machine is oversubscribed
        }
      }
      if (stop.load()) return;
      if (g == seen || (g & 1)) {
        std::unique_lock<std::mutex> lock(mutex);
        sleepers.fetch_add(1);
        wake.wait(lock, [&] {
          const uint64_t now = generation.load();
          return stop.load() || (now != seen && !(now & 1));
        });
        sleepers.fetch_sub(1);
        continue;
      }
      active.fetch_add(1);
      if (generation.load() == g) {
        if (spread && current_cpu() == caller_cpu) leave_cpu(caller_cpu);
        run_chunks();
      }
      active.fetch_sub(1);
      seen = g;
    }
  }
};

ThreadPool::ThreadPool(int threads) : impl_(new Impl) {
  impl_->threads = std::max(1, threads);
  impl_->spread = impl_->threads > 1 && cpus_for(impl_->threads);
  for (int i = 1; i < impl_->threads; ++i) impl_->workers.emplace_back([impl = impl_.get()] { impl->worker_loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->stop.store(true);
  }
  impl_->wake.notify_all();
  for (auto& t : impl_->workers) t.join();
}

int ThreadPool::threads() const { return impl_->threads; }

void ThreadPool::parallel_for(size_t n, size_t grain, const std::function<void(size_t, size_t)>& fn) {
  if (n == 0) return;
  if (grain == 0) grain = 1;
  Impl& p = *impl_;
  const size_t max_chunks = (n + grain - 1) / grain;
  if (p.threads == 1 || max_chunks <= 1 || in_pool_chunk || p.busy.exchange(true)) {
    fn(0, n);
    return;
  }
  // A few chunks per thread balance uneven chunk costs without much bookkeeping.
  const size_t num_chunks = std::min(max_chunks, static_cast<size_t>(p.threads) * 4);
  const size_t chunk = std::max(grain, (n + num_chunks - 1) / num_chunks);

  const uint64_t g = p.generation.load();
  p.generation.store(g + 1);  // odd: job being written
  while (p.active.load() != 0) cpu_relax();
  p.fn = &fn;
  p.n = n;
  p.chunk = chunk;
  p.num_chunks = (n + chunk - 1) / chunk;
  p.caller_cpu = p.spread ? current_cpu() : -1;
  p.next_chunk.store(0);
  p.done_chunks.store(0);
  p.generation.store(g + 2);  // even: published
  if (p.sleepers.load() > 0) {
    { std::lock_guard<std::mutex> lock(p.mutex); }
    p.wake.notify_all();
  }

  p.run_chunks();
  for (int spin = 0; p.done_chunks.load() != p.num_chunks; ++spin) {
    if (spin < kCallerSpins) cpu_relax();
    else std::this_thread::yield();
  }
  // Workers that joined late may still hold the job fields; the next job waits for them (see the protocol above).
  p.busy.store(false);
}

}  // namespace sparq
