/**
 * @jest-environment ./test/support/ort-environment.js
 *
 * End to end: `sparq resolutions` on the ResNet Fashion-MNIST fixture with its input height and width made free.
 * Its sweep is checked against onnxruntime-node run at every size on the same resized images with the rule applied
 * here; MACs at full size against engine.summary(); usage errors exit 2, model problems 1.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Engine } from '../lib';
import { loadNpy } from '../lib/format/npy';
import { decodeModel } from '../lib/onnx/decode';
import { encodeModel } from '../lib/onnx/encode';
import { resizeBilinear } from '../lib/dynamic/resize-bilinear';
import { ortRun, ortSession } from './support/ort';
import { ensureDist, runCli } from './support/cli-run';

const F = join(__dirname, 'fixtures', 'fashion-mnist');
const IMAGES = join(F, 'test-images.npy');
const LABELS = join(F, 'test-labels.npy');
const N = 120;
const SIZES = [16, 20, 28];
const THRESHOLDS = [0.6, 0.9, 0.99];
const dir = mkdtempSync(join(tmpdir(), 'sparq-resolutions-'));
const MODEL = join(dir, 'resnet-free-hw.onnx');

beforeAll(() => {
  ensureDist();
  const g = decodeModel(readFileSync(join(F, 'resnet-fmnist.onnx')));
  g.inputs[0].shape = ['batch', 1, 'height', 'width'];
  g.valueInfo = new Map();
  writeFileSync(MODEL, encodeModel(g));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Row {
  kind: string;
  threshold?: number;
  accuracy: number;
  averageMacs: number;
  macSaving: number;
  shares: number[];
}

test('the sweep matches onnxruntime run at every size with the rule applied independently', async () => {
  const r = await runCli(['resolutions', MODEL, '--data', IMAGES, '--labels', LABELS, '--limit', String(N), '--sizes', SIZES.join(','), '--thresholds', THRESHOLDS.join(','), '--json']);
  expect(r.stderr).not.toMatch(/Error/);
  expect(r.code).toBe(0);
  const json = JSON.parse(r.stdout) as { samples: number; sizes: string[]; macsPerSize: number[]; rows: Row[]; output: string; chosen: Row | null };
  expect(json.samples).toBe(N);
  expect(json.sizes).toEqual(['16x16', '20x20', '28x28']);
  expect(json.output).toBe('logits');

  const full = await Engine.load(join(F, 'resnet-fmnist.onnx'));
  expect(json.macsPerSize[2]).toBe(full.summary().totals.macs);
  full.dispose();
  expect(json.macsPerSize[0]).toBeLessThan(json.macsPerSize[1]);

  const images = loadNpy(IMAGES).data as Float32Array;
  const labels = Array.from(loadNpy(LABELS).data as ArrayLike<number | bigint>, Number);
  const session = await ortSession(MODEL);
  const confidence: number[][] = [];
  const predicted: number[][] = [];
  for (let i = 0; i < N; i++) {
    const image = images.slice(i * 784, (i + 1) * 784);
    const c: number[] = [];
    const p: number[] = [];
    for (const s of SIZES) {
      const out = await ortRun(session, { input: { type: 'float32', dims: [1, 1, s, s], data: resizeBilinear(image, [1, 1, 28, 28], s, s) } });
      const logits = Array.from(out.logits.data as Float32Array);
      const max = Math.max(...logits);
      const sum = logits.reduce((a, v) => a + Math.exp(v - max), 0);
      c.push(1 / sum);
      p.push(logits.indexOf(max));
    }
    confidence.push(c);
    predicted.push(p);
  }
  await session.release();
  // No sample sits so close to a threshold that float differences between the two runtimes could flip the rule.
  for (const t of THRESHOLDS) expect(confidence.flat().filter((c) => Math.abs(c - t) < 1e-4).length).toBe(0);

  const macsUpTo = (s: number) => json.macsPerSize.slice(0, s + 1).reduce((a, b) => a + b, 0);
  SIZES.forEach((_, s) => {
    const row = json.rows[s];
    expect(row.kind).toBe('fixed');
    expect(row.accuracy).toBeCloseTo((100 * predicted.filter((p, i) => p[s] === labels[i]).length) / N, 9);
    expect(row.averageMacs).toBe(json.macsPerSize[s]);
  });
  THRESHOLDS.forEach((t, k) => {
    const row = json.rows[SIZES.length + k];
    const picks = confidence.map((c) => {
      const s = c.findIndex((v) => v >= t);
      return s < 0 || s > SIZES.length - 1 ? SIZES.length - 1 : s;
    });
    expect(row.threshold).toBe(t);
    expect(row.accuracy).toBeCloseTo((100 * picks.filter((s, i) => predicted[i][s] === labels[i]).length) / N, 9);
    expect(row.averageMacs).toBeCloseTo(picks.reduce((a, s) => a + macsUpTo(s), 0) / N, 6);
    expect(row.macSaving).toBeCloseTo(1 - row.averageMacs / json.macsPerSize[2], 12);
    row.shares.forEach((share, s) => expect(share).toBeCloseTo(picks.filter((p) => p === s).length / N, 12));
  });
  if (json.chosen) {
    expect(json.chosen.averageMacs).toBeLessThan(json.macsPerSize[2]);
    expect(json.chosen.accuracy).toBeGreaterThanOrEqual(json.rows[2].accuracy - 1);
  }
});

test('text output, HTML report and --help', async () => {
  const report = join(dir, 'resolutions.html');
  const r = await runCli(['resolutions', MODEL, '--data', IMAGES, '--labels', LABELS, '--limit', '30', '--sizes', '20,28', '--report', report]);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/always 20x20/);
  expect(r.stdout).toMatch(/adaptive t=0\.9 /);
  expect(r.stdout).toMatch(/report written to/);
  const html = readFileSync(report, 'utf8');
  expect(html).toMatch(/<svg class="chart scatter"/);
  expect(html).toMatch(/Accuracy against compute/);
  const help = await runCli(['resolutions', '--help']);
  expect(help.code).toBe(0);
  expect(help.stdout).toMatch(/Usage: sparq resolutions MODEL --data DATA --sizes S,S,\.\.\./);
  const global = await runCli(['--help']);
  expect(global.stdout).toMatch(/resolutions\s+Input-adaptive resolution/);
});

test.each([
  [['resolutions', 'm.onnx', '--data', 'x.npy'], /Expected --sizes/],
  [['resolutions', 'MODEL', '--data', 'x.npy', '--sizes', '16,a'], /Expected --sizes like 16,20,28/],
  [['resolutions', 'MODEL', '--data', 'x.npy', '--sizes', '16,28', '--thresholds', '0.5,2'], /Expected --thresholds as numbers in \(0, 1\]/],
  [['resolutions', 'MODEL', '--data', 'x.npy', '--sizes', '16,28', '--max-drop', '-1'], /Expected a number >= 0 for --max-drop/],
])('usage error %j exits 2', async (args, message) => {
  const r = await runCli((args as string[]).map((a) => (a === 'MODEL' ? MODEL : a)));
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(message as RegExp);
  expect(r.stderr).toMatch(/Usage: sparq resolutions/);
});

test('model problems exit 1 with the reason: fixed input size, unknown output, sizes out of order', async () => {
  const fixed = await runCli(['resolutions', join(F, 'resnet-fmnist.onnx'), '--data', IMAGES, '--labels', LABELS, '--sizes', '16,28', '--limit', '5']);
  expect(fixed.code).toBe(1);
  expect(fixed.stderr).toMatch(/Expected a symbolic height \(the model fixes it at 28\) for input "input"/);
  const output = await runCli(['resolutions', MODEL, '--data', IMAGES, '--sizes', '16,28', '--output', 'nope', '--limit', '5']);
  expect(output.code).toBe(1);
  expect(output.stderr).toMatch(/Expected one of the model outputs \(logits\) for output/);
  const order = await runCli(['resolutions', MODEL, '--data', IMAGES, '--sizes', '28,16', '--limit', '5']);
  expect(order.code).toBe(1);
  expect(order.stderr).toMatch(/Expected sizes ordered smallest first/);
});
