/**
 * @jest-environment ./test/support/ort-environment.js
 *
 * `sparq exits` end to end on the early-exit fixture: exits taken, accuracy and average MACs per threshold checked
 * against onnxruntime-node's outputs with the rule applied here, MACs per exit against torch's count in
 * exits-metrics.json; usage errors exit with 2.
 */
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { loadNpy } from '../lib/format/npy';
import { ortSession, ortRun } from './support/ort';
import { ensureDist, runCli } from './support/cli-run';
import { chooseThreshold, exitTaken, sweepThresholds } from '../lib/cli/exit-sweep';
import { topSoftmaxProbability as nativeRuleProbability } from '../lib/dynamic/early-exit';

const F = join('test', 'fixtures', 'fashion-mnist');
const MODEL = join(F, 'exits-fmnist.onnx');
const IMAGES = join(F, 'test-images.npy');
const LABELS = join(F, 'test-labels.npy');
const EXITS = ['exit1', 'exit2', 'logits'];
const N = 300;
const THRESHOLDS = [0, 0.5, 0.8, 0.9, 0.95, 0.99, 1];
const dir = mkdtempSync(join(tmpdir(), 'sparq-cli-exits-'));

beforeAll(() => ensureDist());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Top softmax probability, written independently of lib/ (log-sum-exp form). */
function topProbability(row: ArrayLike<number>): number {
  const values = Array.from(row);
  const max = Math.max(...values);
  const logSum = max + Math.log(values.reduce((s, v) => s + Math.exp(v - max), 0));
  return Math.exp(max - logSum);
}

const argmax = (row: ArrayLike<number>) => Array.from(row).indexOf(Math.max(...Array.from(row)));

interface OrtSample {
  scores: Float32Array[];
}

/** onnxruntime-node's exit1, exit2, logits for the first N test images. */
async function ortScores(): Promise<OrtSample[]> {
  const images = loadNpy(join(__dirname, '..', IMAGES)).data as Float32Array;
  const session = await ortSession(join(__dirname, '..', MODEL));
  const out: OrtSample[] = [];
  for (let i = 0; i < N; i++) {
    const r = await ortRun(session, { input: { type: 'float32', dims: [1, 1, 28, 28], data: images.slice(i * 784, (i + 1) * 784) } });
    out.push({ scores: EXITS.map((e) => r[e].data as Float32Array) });
  }
  await session.release();
  return out;
}

describe('sparq exits', () => {
  test('--help and usage errors exit with 2 and the house-style message', async () => {
    const help = await runCli(['exits', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: sparq exits MODEL --data DATA');
    expect(help.stdout).toContain('--thresholds');
    const list = await runCli(['--help']);
    expect(list.stdout).toMatch(/^ {2}exits /m);
    const cases: [string[], string][] = [
      [['exits', MODEL], 'Expected --data'],
      [['exits', MODEL, '--data', IMAGES, '--thresholds', '0.5,1.5'], 'Expected comma-separated confidences in [0, 1] for --thresholds but received "0.5,1.5"'],
      [['exits', MODEL, '--data', IMAGES, '--thresholds', '0.5,,0.9'], 'Expected comma-separated confidences in [0, 1] for --thresholds but received "0.5,,0.9"'],
      [['exits', MODEL, '--data', IMAGES, '--exits', 'exit1,head'], 'Expected output names of the model (exit1, exit2, logits) for --exits but received "head"'],
      [['exits', MODEL, '--data', IMAGES, '--exits', 'exit1,exit1'], 'Expected distinct output names for --exits but received "exit1,exit1"'],
      [['exits', MODEL, '--data', IMAGES, '--max-drop', '-1'], 'Expected a number >= 0 for --max-drop but received "-1"'],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toContain(message);
      expect(r.stderr).toContain('Usage: sparq exits MODEL --data DATA');
      expect(r.stdout).toBe('');
    }
  });

  test('the sweep matches onnxruntime-node with the rule applied here; MACs per exit match torch', async () => {
    const report = join(dir, 'exits.html');
    const r = await runCli(['exits', MODEL, '--data', IMAGES, '--labels', LABELS, '--limit', String(N), '--thresholds', THRESHOLDS.join(','), '--json', '--report', report]);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.samples).toBe(N);
    expect(out.exits.map((e: { name: string }) => e.name)).toEqual(EXITS);

    // MACs to reach each exit: torch's count with forward hooks at 28x28. Reaching exit2 also runs exit1's head
    // (Gemm 48 -> 10), the full model both heads.
    const metrics = JSON.parse(readFileSync(join(__dirname, '..', F, 'exits-metrics.json'), 'utf8'));
    const torchMacs = metrics.macs['28'];
    expect(out.exits.map((e: { macs: number }) => e.macs)).toEqual([torchMacs.exit1, torchMacs.exit2 + 48 * 10, torchMacs.all_outputs]);

    const labels = Array.from(loadNpy(join(__dirname, '..', LABELS)).data as BigInt64Array, Number).slice(0, N);
    const samples = await ortScores();
    const macs = out.exits.map((e: { macs: number }) => e.macs);
    const fullCorrect = samples.filter((s, i) => argmax(s.scores[2]) === labels[i]).length;
    expect(out.fullTop1).toBeCloseTo((100 * fullCorrect) / N, 6);
    expect(out.sweep.map((row: { confidence: number }) => row.confidence)).toEqual(THRESHOLDS);
    for (const row of out.sweep) {
      const t = row.confidence;
      const taken = samples.map((s) => {
        const k = s.scores.slice(0, 2).findIndex((scores) => topProbability(scores) >= t);
        return k < 0 ? 2 : k;
      });
      // Samples whose probability sits within float noise of the threshold may go either way between two runtimes.
      const borderline = samples.filter((s) => s.scores.slice(0, 2).some((scores) => Math.abs(topProbability(scores) - t) < 1e-4)).length;
      const counts = [0, 1, 2].map((k) => taken.filter((x) => x === k).length);
      row.exitShare.forEach((share: number, k: number) => expect(Math.abs((share * N) / 100 - counts[k])).toBeLessThanOrEqual(borderline));
      const correct = samples.filter((s, i) => argmax(s.scores[taken[i]]) === labels[i]).length;
      expect(Math.abs((row.top1 * N) / 100 - correct)).toBeLessThanOrEqual(borderline);
      const averageMacs = taken.reduce((sum, k) => sum + macs[k], 0) / N;
      if (borderline === 0) expect(row.averageMacs).toBeCloseTo(averageMacs, 6);
      expect(row.macSaving).toBeCloseTo(100 * (1 - row.averageMacs / macs[2]), 9);
    }
    // Threshold 0: every sample stops at exit1; threshold 1: (almost) none does.
    expect(out.sweep[0].exitShare[0]).toBe(100);
    expect(out.sweep[0].averageMacs).toBe(macs[0]);
    expect(out.sweep[THRESHOLDS.length - 1].exitShare[2]).toBeGreaterThan(90);

    const html = readFileSync(report, 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('Threshold sweep');
    expect(html).toContain('exit1');
  }, 120000);

  test('text output names the recommended threshold', async () => {
    const r = await runCli(['exits', MODEL, '--data', IMAGES, '--labels', LABELS, '--limit', '200', '--thresholds', '0.9,0.99', '--max-drop', '100']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/exit1: [\d.]+[kM] MACs/);
    expect(r.stdout).toMatch(/Threshold 0\.9: [\d.]+% fewer MACs on average than always running to logits/);
  }, 120000);
});

describe('the offline rule of the sweep', () => {
  test('top softmax probability is stable for huge logits and handles NaN and infinities', () => {
    const topSoftmaxProbability = nativeRuleProbability;
    expect(topSoftmaxProbability([1000, 0, -1000])).toBe(1);
    expect(topSoftmaxProbability([3e38, 3e38])).toBeCloseTo(0.5, 12);
    expect(topSoftmaxProbability([Math.log(3), 0, 0])).toBeCloseTo(0.6, 12);
    expect(topSoftmaxProbability([0, 0, 0, 0])).toBeCloseTo(0.25, 12);
    expect(topSoftmaxProbability([Infinity, Infinity, 0])).toBe(0.5);
    expect(topSoftmaxProbability([-Infinity, -Infinity])).toBe(0.5);
    expect(topSoftmaxProbability([1, NaN])).toBeNaN();
  });

  test('a sample stops at the first confident exit, else at the last; NaN is never confident', () => {
    const sure = [5, 0, 0];
    const unsure = [0.1, 0, 0];
    expect(exitTaken([sure, sure, sure], 0.9)).toBe(0);
    expect(exitTaken([unsure, sure, sure], 0.9)).toBe(1);
    expect(exitTaken([unsure, unsure, unsure], 0.9)).toBe(2);
    expect(exitTaken([[NaN, 0, 0], unsure, unsure], 0)).toBe(1);
    expect(exitTaken([unsure, unsure], 1)).toBe(1);
    // Two samples: one confident at exit 0 (right), one only at the end (exit 0 wrong, last right).
    const samples = [[sure, sure, sure], [[0, 0.2, 0], [0, 0.3, 0], [0, 0, 9]]];
    const [low, high] = sweepThresholds(samples, [10, 40, 100], [0, 0.95], [0, 2]);
    expect(low).toEqual({ confidence: 0, top1: 50, agreement: 50, averageMacs: 10, macSaving: 90, exitShare: [100, 0, 0] });
    expect(high).toEqual({ confidence: 0.95, top1: 100, agreement: 100, averageMacs: 55, macSaving: expect.closeTo(45, 9), exitShare: [50, 0, 50] });
    expect(chooseThreshold([low, high], 100, 1)).toBe(high);
    expect(chooseThreshold([low, high], 100, 50)).toBe(low);
    expect(chooseThreshold([low], 100, 1)).toBeUndefined();
  });
});
