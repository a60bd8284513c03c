// Latency measurement for suites: warm-up, many timed runs with rotated inputs, median; A/B cases interleaved.
'use strict';

function quantile(sorted, q) {
  if (!sorted.length) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Summary of a list of durations in ms. */
function summarize(times) {
  const sorted = [...times].sort((a, b) => a - b);
  return { runs: sorted.length, p50: quantile(sorted, 0.5), p10: quantile(sorted, 0.1), p90: quantile(sorted, 0.9), min: sorted[0] };
}

const now = () => Number(process.hrtime.bigint()) / 1e6;

/**
 * Times several async candidates on the same inputs, interleaved round by round so that load from other
 * processes on a shared machine hits all of them alike. Each candidate is `(k) => Promise<unknown>` and should
 * use its own input number k % (its input count), so inputs rotate. A round runs every candidate `batch` times; rounds continue until each candidate has
 * `minRuns` runs and `minTimeMs` of measured time (or `maxTimeMs` passes).
 * @returns one summary per candidate, in order.
 */
async function compareLatency(candidates, { warmup = 5, minRuns = 30, minTimeMs = 1500, maxTimeMs = 20000, batch = 3 } = {}) {
  for (const fn of candidates) for (let i = 0; i < warmup; i++) await fn(i);
  const times = candidates.map(() => []);
  const spent = candidates.map(() => 0);
  const start = now();
  let k = 0;
  for (;;) {
    for (let c = 0; c < candidates.length; c++) {
      for (let b = 0; b < batch; b++) {
        const t0 = now();
        await candidates[c](k + b);
        const dt = now() - t0;
        times[c].push(dt);
        spent[c] += dt;
      }
    }
    k += batch;
    const enough = times.every((t, c) => t.length >= minRuns && spent[c] >= minTimeMs);
    if (enough || now() - start > maxTimeMs) break;
  }
  return times.map(summarize);
}

module.exports = { compareLatency, summarize, quantile };
