/**
 * Benchmark baselines (bench/baselines.js): records stored per CPU, and a later run with a deliberately slowed case
 * is flagged (ratio metrics by their ratio, absolute times and rates by their value), while faster, equal and
 * within-10% cases and non-speed metrics are not. End to end: `bench/run.js` stores a real suite's records as the
 * baseline, and after one stored case is made 4x faster than measured (the run then looks 4x slower), flags it.
 */
import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { ensureDist, ROOT } from './support/cli-run';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const baselines = require('../bench/baselines');

interface BenchRecord {
  suite: string;
  case: string;
  metric: string;
  value: number;
  unit: string;
  vs?: string;
  ratio?: number;
}

const dir = mkdtempSync(join(tmpdir(), 'sparq-baselines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CPU = 'Intel(R) Xeon(R) Processor';
const stored: BenchRecord[] = [
  { suite: 'models', case: 'resnet-style 1x3x32x32', metric: 'p50 1t', value: 1.0, unit: 'ms', vs: 'onnxruntime', ratio: 1.5 },
  { suite: 'models', case: 'unet-style 1x3x64x64', metric: 'p50 1t', value: 2.0, unit: 'ms', vs: 'onnxruntime', ratio: 1.2 },
  { suite: 'int8', case: '3136x64x576', metric: 'GOP/s', value: 100, unit: 'GOP/s' },
  { suite: 'load', case: 'resnet-style', metric: 'load p50', value: 3.0, unit: 'ms' },
  { suite: 'load', case: 'resnet-style', metric: 'file size', value: 700, unit: 'KiB' },
];

test('the CPU slug names model and ISA level', () => {
  expect(baselines.cpuSlug(CPU, 'avx512vnni')).toBe('intel-xeon-processor-avx512vnni');
  expect(baselines.cpuSlug('Apple M2', 'neondot')).toBe('apple-m2-neondot');
});

test('the first run on a CPU stores its records; a later run flags exactly the cases more than 10% slower', () => {
  const logs: string[] = [];
  const log = (m: string) => logs.push(m);
  expect(baselines.checkAndStore(stored, { cpu: CPU, isa: 'avx512vnni', dir, log })).toEqual([]);
  const file = join(dir, 'intel-xeon-processor-avx512vnni.json');
  expect(existsSync(file)).toBe(true);
  expect(JSON.parse(readFileSync(file, 'utf8')).records).toEqual(stored);
  expect(logs.join('\n')).toContain('stored a first baseline for this CPU');

  const later: BenchRecord[] = [
    // Slowed on purpose: ratio 1.5 -> 1.2 (25% slower vs onnxruntime) though its own time looks better.
    { ...stored[0], value: 0.9, ratio: 1.2 },
    // Within 10%: ratio 1.2 -> 1.1 is 9.1% slower.
    { ...stored[1], ratio: 1.1 },
    // A rate 100 -> 80 GOP/s: 25% slower.
    { ...stored[2], value: 80 },
    // An absolute time 3.0 -> 3.5 ms: 16.7% slower.
    { ...stored[3], value: 3.5 },
    // Not a speed: a bigger file is not flagged here.
    { ...stored[4], value: 900 },
    // A case the baseline does not have.
    { suite: 'load', case: 'new-model', metric: 'load p50', value: 99, unit: 'ms' },
  ];
  logs.length = 0;
  const flagged = baselines.checkAndStore(later, { cpu: CPU, isa: 'avx512vnni', dir, log });
  expect(flagged.map((g: { key: string }) => g.key)).toEqual([
    'models | resnet-style 1x3x32x32 | p50 1t | onnxruntime',
    'int8 | 3136x64x576 | GOP/s | ',
    'load | resnet-style | load p50 | ',
  ]);
  expect(flagged[0].compared).toBe('ratio');
  expect(flagged[0].slowdown).toBeCloseTo(1.25, 12);
  expect(flagged[1].slowdown).toBeCloseTo(1.25, 12);
  expect(flagged[2].slowdown).toBeCloseTo(3.5 / 3, 12);
  const text = logs.join('\n');
  expect(text).toContain('SLOWER than the baseline for intel-xeon-processor-avx512vnni (> 10%): 3 case(s)');
  expect(text).toContain('SLOWER 25.0%  models | resnet-style 1x3x32x32 | p50 1t | onnxruntime  (ratio 1.50x -> 1.20x)');
  expect(text).toContain('SLOWER 16.7%  load | resnet-style | load p50 |   (3.000 -> 3.500 ms)');
  // Without --save-baseline the stored baseline stays as it was.
  expect(JSON.parse(readFileSync(file, 'utf8')).records).toEqual(stored);
});

test('--save-baseline replaces the measured suites and keeps the others; another CPU has its own file', () => {
  const newer = [{ ...stored[3], value: 2.5 }];
  baselines.checkAndStore(newer, { cpu: CPU, isa: 'avx512vnni', dir, save: true, log: () => undefined });
  const saved = JSON.parse(readFileSync(join(dir, 'intel-xeon-processor-avx512vnni.json'), 'utf8')).records;
  expect(saved).toEqual([...stored.filter((r) => r.suite !== 'load'), ...newer]);
  expect(baselines.checkAndStore(stored, { cpu: CPU, isa: 'avx2', dir, log: () => undefined })).toEqual([]);
  expect(existsSync(join(dir, 'intel-xeon-processor-avx2.json'))).toBe(true);
});

test('bench/run.js end to end: a first run stores its records, a later run flags the case slowed against the baseline', () => {
  ensureDist();
  const store = join(dir, 'run-js');
  const bench = (json: string) =>
    execFileSync(process.execPath, [join(ROOT, 'bench', 'run.js'), 'int8-elementwise', '--quick', '--baselines', store, '--json', json], { cwd: ROOT, encoding: 'utf8' });
  const first = bench(join(dir, 'first.json'));
  expect(first).toContain('stored a first baseline for this CPU');
  const caps = require('../lib').Engine.capabilities();
  const file = join(store, `${baselines.cpuSlug(caps.cpu, caps.selected)}.json`);
  const firstRecords: BenchRecord[] = JSON.parse(readFileSync(join(dir, 'first.json'), 'utf8'));
  const saved = JSON.parse(readFileSync(file, 'utf8'));
  expect(saved.records).toEqual(firstRecords);
  // Slow one case on purpose: its stored ratio vs the fp32 Add becomes 4x what was measured.
  const slowed = saved.records.find((r: BenchRecord) => typeof r.ratio === 'number');
  slowed.ratio *= 4;
  writeFileSync(file, JSON.stringify(saved));
  const second = bench(join(dir, 'second.json'));
  const now = (JSON.parse(readFileSync(join(dir, 'second.json'), 'utf8')) as BenchRecord[]).find((r) => r.case === slowed.case && r.metric === slowed.metric)!;
  const key = [slowed.suite, slowed.case, slowed.metric, slowed.vs].join(' | ');
  expect(second).toMatch(/SLOWER than the baseline for .* \(> 10%\): \d+ case\(s\)/);
  expect(second).toContain(`SLOWER ${((slowed.ratio / now.ratio! - 1) * 100).toFixed(1)}%  ${key}  (ratio ${slowed.ratio.toFixed(2)}x -> ${now.ratio!.toFixed(2)}x)`);
  // Without --save-baseline the stored file is left as it was.
  expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(saved);
});
