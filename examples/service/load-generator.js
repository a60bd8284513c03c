// A small loopback load generator: `concurrency` keep-alive connections each sending requests back to back for
// `durationMs`; reports throughput and latency percentiles. (Same idea as autocannon, without the dependency.)
'use strict';
const http = require('http');

function percentile(sorted, q) {
  if (!sorted.length) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function request(agent, port, path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`HTTP ${res.statusCode}: ${Buffer.concat(chunks)}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** @returns { requests, errors, seconds, throughput (req/s), latencyMs: { p50, p90, p99, max } } */
async function loadTest({ port, path, body, concurrency = 8, durationMs = 3000, warmupMs = 300 }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const payload = Buffer.from(body);
  const latencies = [];
  let errors = 0;
  let measuring = false;
  const start = performance.now();
  const end = start + warmupMs + durationMs;
  let measuredFrom = 0;
  setTimeout(() => {
    measuring = true;
    measuredFrom = performance.now();
  }, warmupMs);
  const worker = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        await request(agent, port, path, payload);
        if (measuring) latencies.push(performance.now() - t0);
      } catch {
        if (measuring) errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - measuredFrom) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    seconds,
    throughput: latencies.length / seconds,
    latencyMs: { p50: percentile(latencies, 0.5), p90: percentile(latencies, 0.9), p99: percentile(latencies, 0.99), max: latencies[latencies.length - 1] },
  };
}

module.exports = { loadTest };
