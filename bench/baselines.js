// Per-CPU benchmark baselines: bench/baselines/<cpu-slug>.json holds the records of a reference run on that CPU
// (model + ISA level); later runs on the same CPU flag every case more than 10% slower than it.
'use strict';
const fs = require('fs');
const path = require('path');

const DEFAULT_DIR = path.join(__dirname, 'baselines');
/** A case is flagged when it is more than this much slower than its baseline. */
const THRESHOLD = 0.1;

/** "Intel(R) Xeon(R) Processor" + "avx512vnni" -> "intel-xeon-processor-avx512vnni" */
function cpuSlug(cpu, isa) {
  const slug = `${cpu} ${isa}`
    .toLowerCase()
    .replace(/\((r|tm)\)/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug || 'unknown-cpu';
}

const keyOf = (r) => [r.suite, r.case, r.metric, r.vs || ''].join(' | ');

/** Units of "time per thing" (lower is better) and of "things per time" (higher is better). */
const TIME_UNITS = /^(ns|us|µs|ms|s)$/;
const RATE_UNITS = /\/s$/;

/**
 * How many times slower `record` is than `base` (> 1 slower), or undefined when the metric is not a speed.
 * Records with a ratio compare the ratio (ours vs a peer in the same run, robust to machine load); others compare
 * the value when it is a time or a rate.
 */
function slowdown(record, base) {
  if (typeof record.ratio === 'number' && typeof base.ratio === 'number' && record.ratio > 0 && base.ratio > 0) return base.ratio / record.ratio;
  if (typeof record.value !== 'number' || typeof base.value !== 'number' || record.value <= 0 || base.value <= 0) return undefined;
  if (TIME_UNITS.test(record.unit || '')) return record.value / base.value;
  if (RATE_UNITS.test(record.unit || '')) return base.value / record.value;
  return undefined;
}

function baselinePath(dir, slug) {
  return path.join(dir, `${slug}.json`);
}

function loadBaseline(dir, slug) {
  const file = baselinePath(dir, slug);
  if (!fs.existsSync(file)) return undefined;
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** Writes the baseline, keeping stored records of suites this run did not measure. */
function saveBaseline(dir, slug, meta, records, previous) {
  const measured = new Set(records.map((r) => r.suite));
  const kept = previous ? previous.records.filter((r) => !measured.has(r.suite)) : [];
  const file = baselinePath(dir, slug);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ cpu: meta.cpu, isa: meta.isa, node: process.version, savedAt: new Date().toISOString(), records: [...kept, ...records] }, null, 2) + '\n');
  return file;
}

/** Every record more than THRESHOLD slower than its stored counterpart. */
function findRegressions(records, baseline, threshold = THRESHOLD) {
  if (!baseline) return [];
  const stored = new Map(baseline.records.map((r) => [keyOf(r), r]));
  const out = [];
  for (const r of records) {
    const base = stored.get(keyOf(r));
    if (!base) continue;
    const factor = slowdown(r, base);
    if (factor !== undefined && factor > 1 + threshold) out.push({ key: keyOf(r), record: r, baseline: base, slowdown: factor, compared: typeof r.ratio === 'number' && typeof base.ratio === 'number' ? 'ratio' : 'value' });
  }
  return out;
}

function formatRegressions(regressions, slug) {
  if (!regressions.length) return `No case is more than ${THRESHOLD * 100}% slower than the baseline for ${slug}.`;
  const lines = [`SLOWER than the baseline for ${slug} (> ${THRESHOLD * 100}%): ${regressions.length} case(s)`];
  for (const g of regressions) {
    const was = g.compared === 'ratio' ? `ratio ${g.baseline.ratio.toFixed(2)}x -> ${g.record.ratio.toFixed(2)}x` : `${g.baseline.value.toPrecision(4)} -> ${g.record.value.toPrecision(4)} ${g.record.unit || ''}`;
    lines.push(`   SLOWER ${((g.slowdown - 1) * 100).toFixed(1)}%  ${g.key}  (${was})`);
  }
  return lines.join('\n');
}

/**
 * After a bench run: compare with the stored baseline of this CPU and print flags; store the records as the
 * baseline when asked (--save-baseline) or when this CPU has none yet.
 * @returns the regressions found.
 */
function checkAndStore(records, { cpu, isa, save = false, dir = DEFAULT_DIR, log = console.log }) {
  const slug = cpuSlug(cpu, isa);
  const baseline = loadBaseline(dir, slug);
  const regressions = findRegressions(records, baseline);
  if (baseline) log(formatRegressions(regressions, slug));
  if (save || !baseline) {
    const file = saveBaseline(dir, slug, { cpu, isa }, records, baseline);
    log(`${baseline ? 'updated' : 'stored a first'} baseline for this CPU: ${path.relative(process.cwd(), file)}`);
  }
  return regressions;
}

module.exports = { THRESHOLD, cpuSlug, slowdown, loadBaseline, saveBaseline, findRegressions, formatRegressions, checkAndStore };
