/**
 * @jest-environment ./test/support/ort-environment.js
 *
 * End to end: `node dist/cli/main.js ...` on committed fixtures; results checked against onnxruntime-node and
 * values computed here; bad command lines give usage on stderr and exit code 2.
 */
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Engine } from '../lib';
import { loadNpy, saveNpy } from '../lib/format/npy';
import { decodeModel } from '../lib/onnx/decode';
import { readSparq } from '../lib/format/sparq-reader';
import { sha256Hex } from '../lib/format/sparq-provenance';
import { ortSession, ortRun } from './support/ort';
import { ensureDist, runCli } from './support/cli-run';
import { EXTRA_STRATEGY_IDS, STRATEGY_IDS } from '../lib/compress/compress-strategies';

const F = join('test', 'fixtures', 'fashion-mnist');
const RESNET = join(F, 'resnet-fmnist.onnx');
const MOBILENET = join(F, 'mobilenet-fmnist.onnx');
const IMAGES = join(F, 'test-images.npy');
const LABELS = join(F, 'test-labels.npy');
const N = 150;
const dir = mkdtempSync(join(tmpdir(), 'sparq-cli-'));

beforeAll(() => ensureDist());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Top-1 predictions of onnxruntime-node on the first N test images. */
async function ortPredictions(model: string): Promise<number[]> {
  const images = loadNpy(join(__dirname, '..', IMAGES));
  const session = await ortSession(join(__dirname, '..', model));
  const per = 28 * 28;
  const out: number[] = [];
  for (let i = 0; i < N; i++) {
    const r = await ortRun(session, { input: { type: 'float32', dims: [1, 1, 28, 28], data: (images.data as Float32Array).slice(i * per, (i + 1) * per) } });
    const logits = r.logits.data as Float32Array;
    out.push(logits.indexOf(Math.max(...logits)));
  }
  await session.release();
  return out;
}

const labels = () => Array.from(loadNpy(join(__dirname, '..', LABELS)).data as BigInt64Array, Number).slice(0, N);

/** Every command of lib/cli/main.ts; resolutions and exits have their end-to-end tests in cli-resolutions / cli-exits. */
const COMMANDS = ['info', 'bench', 'eval', 'ab', 'compress', 'resolutions', 'exits'];

describe('sparq help and usage errors', () => {
  test('sparq --help lists the commands and the exit codes; no command is a usage error', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const c of ['info', 'bench', 'eval', 'ab', 'compress']) expect(help.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
    expect(help.stdout).toContain('2  bad command line');
    const none = await runCli([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: sparq <command>');
  });

  test('the commands tested here are exactly those sparq --help lists', async () => {
    const help = (await runCli(['--help'])).stdout;
    const listed = help.slice(help.indexOf('Commands:'), help.indexOf('Every command takes')).split('\n').slice(1).filter((l) => l.trim()).map((l) => l.trim().split(/\s+/)[0]);
    expect(listed.sort()).toEqual([...COMMANDS].sort());
  });

  test('--version prints the package version', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).version);
  });

  test.each(COMMANDS)('sparq %s --help', async (c) => {
    const r = await runCli([c, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: sparq ${c} `);
    expect(r.stdout).toContain('--json');
    expect(r.stdout).toContain('Exit codes: 0 success, 1 failure while running, 2 bad command line.');
  });

  test.each([
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['info'], 'Expected MODEL but received nothing'],
    [['info', RESNET, 'extra'], 'Unexpected argument extra'],
    [['bench', RESNET, '--runs', 'abc'], 'Expected an integer >= 1 for --runs but received "abc"'],
    [['bench', RESNET, '--threads', '0'], 'Expected an integer >= 1 for --threads but received "0"'],
    [['bench', RESNET, '--vs', 'tflite'], 'Expected one of onnxruntime for --vs but received "tflite"'],
    [['bench', RESNET, '--frob'], 'Unknown option --frob'],
    [['eval', RESNET], 'Expected --data'],
    [['eval', RESNET, '--data', IMAGES], 'Expected labels (--labels FILE, or labels in DATA) or --reference MODEL to evaluate against'],
    [['eval', RESNET, '--data', IMAGES, '--labels', LABELS, '--resize', '28'], 'Expected --resize HxW (e.g. 224x224) but received "28"'],
    [['eval', RESNET, '--data', IMAGES, '--labels', LABELS, '--limit', '-3'], 'Expected an integer >= 1 for --limit but received "-3"'],
    [['info', RESNET, '--json=yes'], 'Expected no value for --json but received "yes"'],
    [['ab', RESNET, MOBILENET, '--data', IMAGES, '--channels', 'cmyk'], 'Expected one of gray, rgb, bgr for --channels but received "cmyk"'],
    [['ab', RESNET, MOBILENET], 'Expected --data'],
    [['ab', RESNET, '--data', IMAGES], 'Expected A B but received'],
    [['compress', RESNET, '--calib', IMAGES], 'Expected --output'],
    [['compress', RESNET, '--calib', IMAGES, '-o', 'x.sparq', '--prune', '3:4'], 'Expected --prune 2:4, channels=R or unstructured=R (0 < R < 1), or blocks=N but received "3:4"'],
    [['compress', RESNET, '--calib', IMAGES, '-o', 'x.sparq', '--prune', '2:4', '--channel-align', '16'], 'Expected --prune channels=R for --channel-align'],
    [['compress', RESNET, '--calib', IMAGES, '-o', 'x.sparq', '--prune', 'channels=0.4', '--channel-align', '0'], 'Expected an integer >= 1 for --channel-align but received "0"'],
    [['compress', RESNET, '--calib', IMAGES, '-o', 'x.sparq', '--max-drop', '1'], 'Expected --eval DATA (with labels) for --max-drop'],
    [['compress', RESNET, '--calib', IMAGES, '-o', 'x.sparq', '--max-drop', '1', '--eval', IMAGES], 'Expected labels for --eval'],
    [['compress', RESNET, '--calib', IMAGES, '-o', 'x.sparq', '--method', 'kl'], 'Expected one of minmax, percentile, entropy, mse for --method but received "kl"'],
    [['compress', RESNET, '--calib', IMAGES, '-o', 'x.sparq', '--auto', '--max-drop', '1', '--eval', IMAGES, '--labels', LABELS, '--objective', 'speed'], 'Expected one of latency, size for --objective but received "speed"'],
    [['compress', RESNET, '--calib', IMAGES, '-o', 'x.sparq', '--auto'], 'Expected --max-drop and --eval, and no --prune, for --auto'],
  ])('%j -> usage on stderr, exit 2', async (args, message) => {
    const r = await runCli(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message as string);
    expect(r.stderr).toMatch(/Usage: sparq/);
    expect(r.stdout).toBe('');
  });

  test('a missing model file or data that does not fit the model is a runtime failure: exit 1', async () => {
    const missing = await runCli(['info', join(dir, 'nope.onnx')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Expected MODEL to be a readable .onnx or .sparq file but');
    const wrong = await runCli(['eval', RESNET, '--data', join('test', 'fixtures', 'models', 'resnet-style.input.npy'), '--labels', LABELS, '--json']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('Expected samples of shape [1, 28, 28] (the model input without its batch dim)');
    expect(JSON.parse(wrong.stdout).error.name).toBe('DataFormatError');
  });
});

describe('sparq info', () => {
  test('--json: inputs, outputs, op counts, parameters and MACs computed independently here, kernels of every native op', async () => {
    const r = await runCli(['info', RESNET, '--json']);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout);
    const g = decodeModel(readFileSync(join(__dirname, '..', RESNET)), {});
    expect(info.inputs).toEqual([{ name: 'input', type: 'float32', shape: ['batch', 1, 28, 28] }]);
    expect(info.outputs[0].name).toBe('logits');
    const convs = g.nodes.filter((n) => n.opType === 'Conv').length;
    expect(info.ops.Conv).toBe(convs);
    let params = 0;
    for (const t of g.initializers.values()) params += t.dims.reduce((a, b) => a * b, 1);
    expect(info.parameters).toBe(params);
    // The stem conv: 28x28 output (pads 1, stride 1), 16 channels, 1 input channel x 3x3 window.
    const stem = info.layers.find((l: { opType: string }) => l.opType === 'Conv');
    const w = g.initializers.get(g.nodes.find((n) => n.opType === 'Conv')!.inputs[1])!.dims;
    expect(stem.macs).toBe(w[0] * 28 * 28 * w[1] * w[2] * w[3]);
    const gemm = info.layers.find((l: { opType: string }) => l.opType === 'Gemm');
    expect(gemm.macs).toBe(gemm.parameters - 10); // weights 10 x K plus 10 biases, one MAC per weight at batch 1
    expect(info.macs).toBe(info.layers.reduce((a: number, l: { macs: number }) => a + l.macs, 0));
    expect(info.kernels.length).toBeGreaterThan(5);
    for (const k of info.kernels) expect(k.kernel).not.toBe('');
  });

  test('text output, and a .sparq file shows its provenance', async () => {
    const sparqFile = join(dir, 'resnet.sparq');
    // eval with --reference also proves the .sparq runs like its source; here we make one through the API-free path: compress is not needed.
    const { Engine } = await import('../lib');
    const e = await Engine.load(join(__dirname, '..', RESNET));
    const { recordProvenance } = await import('../lib/format/sparq-provenance');
    recordProvenance(e, { sourceSha256: sha256Hex(readFileSync(join(__dirname, '..', RESNET))), sourceHashOf: 'file', sourceName: 'resnet-fmnist.onnx' });
    await e.save(sparqFile);
    e.dispose();
    const text = await runCli(['info', sparqFile]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('(sparq)');
    expect(text.stdout).toContain(`source SHA-256 ${sha256Hex(readFileSync(join(__dirname, '..', RESNET)))}`);
    expect(text.stdout).toMatch(/parameters: 176\.3k/);
    const json = JSON.parse((await runCli(['info', sparqFile, '--json'])).stdout);
    expect(json.provenance.sourceName).toBe('resnet-fmnist.onnx');
  });
});

describe('sparq bench', () => {
  test('--json --vs onnxruntime: ordered percentiles, throughput, peak RSS, comparison and per-layer times', async () => {
    const report = join(dir, 'bench.html');
    const r = await runCli(['bench', RESNET, '--runs', '20', '--warmup', '3', '--threads', '1', '--vs', 'onnxruntime', '--json', '--report', report]);
    expect(r.code).toBe(0);
    const b = JSON.parse(r.stdout);
    expect(b.threads).toBe(1);
    expect(b.shapes).toEqual({ input: [1, 1, 28, 28] });
    expect(b.latencyMs.runs).toBe(20);
    expect(b.latencyMs.p50).toBeGreaterThan(0);
    expect(b.latencyMs.p50).toBeLessThanOrEqual(b.latencyMs.p90);
    expect(b.latencyMs.p90).toBeLessThanOrEqual(b.latencyMs.p99);
    expect(b.throughput).toBeCloseTo(1000 / b.latencyMs.mean, 6);
    expect(b.peakRssMiB).toBeGreaterThan(10);
    expect(b.vs.label).toMatch(/^onnxruntime-node/);
    expect(b.vs.ratio).toBeCloseTo(b.vs.peer.p50 / b.vs.sparq.p50, 9);
    expect(b.layers.length).toBeGreaterThan(5);
    expect(existsSync(report)).toBe(true);
    // Progress goes to stderr as plain lines (stderr is not a terminal here).
    expect(r.stderr).toContain('bench: 20/20');
  });

  test('symbolic dims other than batch need --shape; with it the model runs', async () => {
    const model = join('test', 'fixtures', 'models', 'resnet-style.onnx');
    const without = await runCli(['bench', model, '--runs', '2']);
    expect(without.code).toBe(2);
    expect(without.stderr).toContain('Expected --shape for input "input"');
    const withShape = await runCli(['bench', model, '--runs', '3', '--warmup', '1', '--shape', 'input=1x3x32x32']);
    expect(withShape.code).toBe(0);
    expect(withShape.stdout).toContain('input=1x3x32x32');
  });
});

describe('sparq eval and ab', () => {
  let ortResnet: number[];
  let ortMobilenet: number[];
  beforeAll(async () => {
    ortResnet = await ortPredictions(RESNET);
    ortMobilenet = await ortPredictions(MOBILENET);
  });

  test('eval --json: top-1 equals onnxruntime-node\'s on the same samples', async () => {
    const r = await runCli(['eval', RESNET, '--data', IMAGES, '--labels', LABELS, '--limit', String(N), '--json']);
    expect(r.code).toBe(0);
    const e = JSON.parse(r.stdout);
    const y = labels();
    const expected = (100 * ortResnet.filter((p, i) => p === y[i]).length) / N;
    expect(e.samples).toBe(N);
    expect(e.top1).toBeCloseTo(expected, 9);
  });

  test('eval --reference: a .sparq of the model agrees 100% with zero output difference', async () => {
    const sparqFile = join(dir, 'resnet.sparq');
    if (!existsSync(sparqFile)) {
      const { Engine } = await import('../lib');
      const e = await Engine.load(join(__dirname, '..', RESNET));
      await e.save(sparqFile);
      e.dispose();
    }
    const r = await runCli(['eval', sparqFile, '--data', IMAGES, '--limit', '50', '--reference', RESNET, '--json']);
    expect(r.code).toBe(0);
    const e = JSON.parse(r.stdout);
    expect(e.agreement).toBe(100);
    expect(e.maxAbsDifference).toBe(0);
    expect(readSparq(readFileSync(sparqFile)).metadata.format).toBe('sparq');
  });

  test('ab --json: McNemar counts match onnxruntime-node\'s predictions; verdicts in plain words; report written', async () => {
    const report = join(dir, 'ab.html');
    const r = await runCli(['ab', RESNET, MOBILENET, '--data', IMAGES, '--labels', LABELS, '--limit', String(N), '--json', '--report', report]);
    expect(r.code).toBe(0);
    const ab = JSON.parse(r.stdout);
    const y = labels();
    const b = ortResnet.filter((p, i) => p === y[i] && ortMobilenet[i] !== y[i]).length;
    const c = ortResnet.filter((p, i) => p !== y[i] && ortMobilenet[i] === y[i]).length;
    expect(ab.accuracy.mcnemar.b).toBe(b);
    expect(ab.accuracy.mcnemar.c).toBe(c);
    expect(ab.accuracy.mcnemar.method).toBe(b + c < 25 ? 'exact' : 'chi-square');
    expect(ab.accuracy.significant).toBe(ab.accuracy.mcnemar.pValue < 0.05);
    expect(ab.latencyMs.medianDifference.low).toBeLessThanOrEqual(ab.latencyMs.medianDifference.high);
    expect(ab.verdicts).toHaveLength(2);
    expect(ab.verdicts[0]).toMatch(/^Accuracy: /);
    expect(ab.verdicts[1]).toMatch(/^Latency: /);
    expect(existsSync(report)).toBe(true);
  });

  test('ab of a model against itself: accuracy difference "not significant" (no discordant samples)', async () => {
    const r = await runCli(['ab', RESNET, RESNET, '--data', IMAGES, '--labels', LABELS, '--limit', '40']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Accuracy: the difference (+0.00 points');
    expect(r.stdout).toContain('is not significant (McNemar exact, p = 1.00; 0 samples only A got right, 0 only B)');
  });
});

describe('sparq compress', () => {
  test('--max-drop without a recipe runs engine.compress (as --auto does): the fastest strategy within budget on both halves is written, the table lists all', async () => {
    const out = join(dir, 'auto.sparq');
    const report = join(dir, 'auto.html');
    const r = await runCli(['compress', RESNET, '--calib', join(F, 'calibration.npy'), '--calib-samples', '32', '--strategies', 'int8,2:4,channels-0.25', '--max-drop', '1', '--eval', IMAGES, '--labels', LABELS, '--limit', '200', '-o', out, '--json', '--report', report]);
    const c = JSON.parse(r.stdout);
    expect(c.steps.map((s: { name: string }) => s.name)).toEqual(['original', 'int8', '2:4 + int8', 'channels 0.25 + int8']);
    const [base, ...trials] = c.steps;
    const chosen = trials.find((s: { name: string }) => s.name === c.chosen);
    for (const t of trials) {
      expect(t.drop).toBeCloseTo(base.accuracy - t.accuracy, 9);
      expect(t.withinBudget).toBe(base.tuningAccuracy - t.tuningAccuracy <= 1 && base.accuracy - t.accuracy <= 1);
    }
    const within = trials.filter((s: { withinBudget: boolean }) => s.withinBudget);
    expect(c.withinBudget).toBe(within.length > 0);
    if (within.length) {
      expect(within).toContainEqual(chosen);
      expect(chosen.latencyMs).toBeLessThanOrEqual(1.03 * Math.min(...within.map((s: { latencyMs: number }) => s.latencyMs)));
    }
    expect(c.method).toBe(`auto: ${c.chosen}`);
    expect(c.heldOutDrop).toBeCloseTo(base.accuracy - chosen.accuracy, 9);
    expect(r.code).toBe(c.withinBudget ? 0 : 1);
    expect(existsSync(out)).toBe(c.withinBudget);
    expect(readFileSync(report, 'utf8').match(/<circle /g)).toHaveLength(4);
  });

  test('compress --help lists every strategy id of lib/compress/compress-strategies.ts, the defaults first', async () => {
    const help = (await runCli(['compress', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(help).toContain(`(default ${Object.keys(STRATEGY_IDS).join(', ')}; also ${Object.keys(EXTRA_STRATEGY_IDS).join(', ')})`);
    expect(Object.keys(STRATEGY_IDS)[0]).toBe('int8');
  });

  test('--strategies names only catalogue entries and needs --auto', async () => {
    const bad = await runCli(['compress', RESNET, '--calib', IMAGES, '-o', join(dir, 'x.sparq'), '--auto', '--strategies', 'int8,int4', '--max-drop', '1', '--eval', IMAGES, '--labels', LABELS]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Expected --strategies as a comma-separated list of int8, int8-minmax');
    expect(bad.stderr).toContain('but received "int4"');
    const noAuto = await runCli(['compress', RESNET, '--calib', IMAGES, '-o', join(dir, 'x.sparq'), '--strategies', 'int8']);
    expect(noAuto.code).toBe(2);
    expect(noAuto.stderr).toContain('Expected --auto (or --max-drop without a recipe) for --strategies and --objective');
    const withRecipe = await runCli(['compress', RESNET, '--calib', IMAGES, '-o', join(dir, 'x.sparq'), '--int8', '--max-drop', '1', '--eval', IMAGES, '--labels', LABELS, '--objective', 'size']);
    expect(withRecipe.code).toBe(2);
    expect(withRecipe.stderr).toContain('Expected --auto (or --max-drop without a recipe) for --strategies and --objective');
  });

  test('--prune 2:4 with a held-out check writes a smaller .sparq whose layers info reports as 2:4', async () => {
    const out = join(dir, 'pruned.sparq');
    const r = await runCli(['compress', RESNET, '--calib', join(F, 'calibration.npy'), '--calib-samples', '32', '--prune', '2:4', '--max-drop', '5', '--eval', IMAGES, '--labels', LABELS, '--limit', '100', '-o', out, '--json']);
    expect(r.code).toBe(0);
    const c = JSON.parse(r.stdout);
    expect(c.method).toBe('prune 2:4');
    expect(c.steps.map((s: { name: string }) => s.name)).toEqual(['original', 'pruned 2:4']);
    expect(c.withinBudget).toBe(true);
    expect(c.heldOutDrop).toBeLessThanOrEqual(5);
    expect(c.steps[1].sizeBytes).toBeLessThan(0.75 * c.steps[0].sizeBytes);
    const meta = readSparq(readFileSync(out)).metadata;
    expect(meta.provenance.method).toBe('prune 2:4');
    expect(meta.provenance.metrics!.heldOutTop1).toBeCloseTo(c.steps[1].accuracy, 9);
    const info = JSON.parse((await runCli(['info', out, '--json'])).stdout);
    const convs = info.layers.filter((l: { opType: string }) => l.opType === 'Conv');
    expect(convs.filter((l: { sparsity?: string }) => l.sparsity === '2:4').length).toBeGreaterThan(convs.length / 2);
    // The written model gives the held-out accuracy compress reported (the second half of the 100 samples).
    const images = loadNpy(join(__dirname, '..', IMAGES));
    saveNpy(join(dir, 'holdout.npy'), { type: 'float32', dims: [50, 1, 28, 28], data: (images.data as Float32Array).slice(50 * 784, 100 * 784) });
    saveNpy(join(dir, 'holdout-labels.npy'), { type: 'int64', dims: [50], data: BigInt64Array.from(labels().slice(50, 100), BigInt) });
    const ev = JSON.parse((await runCli(['eval', out, '--data', join(dir, 'holdout.npy'), '--labels', join(dir, 'holdout-labels.npy'), '--json'])).stdout);
    expect(ev.samples).toBe(50);
    expect(ev.top1).toBeCloseTo(c.steps[1].accuracy, 9);
  });

  test('--prune channels=0.4 --channel-align 16 writes a model whose 64-wide convs keep 32 channels (40 without)', async () => {
    const widths = async (align: string[]) => {
      const out = join(dir, `channels${align.length ? '-aligned' : ''}.sparq`);
      const r = await runCli(['compress', RESNET, '--calib', join(F, 'calibration.npy'), '--calib-samples', '16', '--prune', 'channels=0.4', ...align, '-o', out, '--json']);
      expect(r.code).toBe(0);
      const engine = await Engine.load(out);
      try {
        const g = engine.sourceGraph();
        return g.initializers.get(g.nodes.find((n) => n.name === '/blocks/blocks.4/conv1/Conv')!.inputs[1])!.dims[0];
      } finally {
        engine.dispose();
      }
    };
    expect([await widths([]), await widths(['--channel-align', '16'])]).toEqual([40, 32]);
  });

  test('int8 with --max-drop: written with its provenance when the held-out drop is within budget, refused (exit 1, no file) otherwise', async () => {
    const out = join(dir, 'int8.sparq');
    const r = await runCli(['compress', RESNET, '--calib', join(F, 'calibration.npy'), '--calib-samples', '50', '--int8', '--method', 'entropy', '--max-drop', '1', '--eval', IMAGES, '--labels', LABELS, '--limit', '200', '-o', out, '--json']);
    const c = JSON.parse(r.stdout);
    expect(c.steps.map((s: { name: string }) => s.name)).toEqual(['original', 'int8']);
    expect(c.heldOutDrop).toBeCloseTo(c.steps[0].accuracy - c.steps[1].accuracy, 9);
    expect(c.maxDrop).toBe(1);
    if (c.withinBudget) {
      expect(r.code).toBe(0);
      expect(c.heldOutDrop).toBeLessThanOrEqual(1);
      const meta = readSparq(readFileSync(out)).metadata;
      expect(meta.provenance.method).toMatch(/^int8 entropy/);
      expect(meta.provenance.sourceSha256).toBe(sha256Hex(readFileSync(join(__dirname, '..', RESNET))));
      expect(meta.provenance.calibration).toMatchObject({ samples: 50 });
    } else {
      expect(r.code).toBe(1);
      expect(existsSync(out)).toBe(false);
    }
  });
});
