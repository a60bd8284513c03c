/**
 * `npm run demo`: the bundled Fashion-MNIST ResNet compressed four ways (fp32 -> int8 -> 2:4 + int8 -> channel-pruned),
 * with top-1 on the 2000-image test subset, batch-1 latency, speed-up, .sparq size, and onnxruntime-node on the same
 * models for comparison. Steps this build cannot do yet (a missing engine.quantize) are shown as n/a with the reason.
 */
import { existsSync } from 'fs';
import * as path from 'path';
import { Engine, Tensor } from '../index';
import { loadNpy } from '../format/npy';
import { encodeSparq } from '../format/sparq-writer';
import { encodeModel } from '../onnx/encode';
import { median } from '../stats/percentiles';
import { textTable } from './text-table';

const ROOT = path.resolve(__dirname, '..', '..');
const DATA = path.join(ROOT, 'test', 'fixtures', 'fashion-mnist');
const MODEL = path.join(DATA, 'resnet-fmnist.onnx');
const BATCH = 100;
const LATENCY_RUNS = 200;
const CALIBRATION_SAMPLES = 200;
const THREADS = 1;
const PER = 28 * 28;

/** Something that classifies a batch [N, 1, 28, 28] into N logit rows. */
interface Runner {
  label: string;
  run(data: Float32Array, n: number): Promise<Float32Array>;
  /**
   * One timed batch-1 inference computed on the calling thread: sparq's runSync, onnxruntime-node's run (which
   * computes on the main thread inside its Promise), so the latency column compares compute like for like rather than
   * sparq's worker hand-off (its async run keeps the event loop free at a cost of tens of µs).
   */
  timed(data: Float32Array): Promise<void> | void;
  sizeBytes?: number;
  /** The fp32 runner of the same engine family, for the speed-up column. */
  baseline?: boolean;
}

interface Row {
  runner?: Runner;
  engine?: Engine;
  label: string;
  note?: string;
}

const now = () => performance.now();

function argmaxRows(logits: Float32Array, n: number): number[] {
  const classes = logits.length / n;
  const out: number[] = [];
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[r * classes + c] > logits[r * classes + best]) best = c;
    out.push(best);
  }
  return out;
}

function sparqRunner(label: string, engine: Engine): Runner {
  const input = engine.inputs[0].name;
  const output = engine.outputs[0].name;
  return {
    label,
    sizeBytes: encodeSparq(engine).length,
    async run(data, n) {
      return (await engine.run({ [input]: new Tensor('float32', data, [n, 1, 28, 28]) }))[output].data as Float32Array;
    },
    timed(data) {
      engine.runSync({ [input]: new Tensor('float32', data, [1, 1, 28, 28]) });
    },
  };
}

/** onnxruntime-node (a devDependency) on the ONNX form of an engine's model; undefined when it is not installed. */
async function ortRunner(label: string, model: Uint8Array): Promise<Runner | undefined> {
  let ort: typeof import('onnxruntime-node');
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    ort = require('onnxruntime-node');
  } catch {
    return undefined;
  }
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: THREADS, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential' });
  const input = session.inputNames[0];
  const output = session.outputNames[0];
  return {
    label,
    sizeBytes: model.length,
    async run(data, n) {
      return (await session.run({ [input]: new ort.Tensor('float32', data, [n, 1, 28, 28]) }))[output].data as Float32Array;
    },
    async timed(data) {
      await session.run({ [input]: new ort.Tensor('float32', data, [1, 1, 28, 28]) });
    },
  };
}

/** Runs a compression step; a step this build cannot do becomes an n/a row naming why. */
async function step(label: string, make: () => Promise<Engine>, made: Engine[]): Promise<Row> {
  const t0 = now();
  try {
    const engine = await make();
    made.push(engine);
    return { label, engine, runner: sparqRunner(label, engine), note: `made in ${((now() - t0) / 1000).toFixed(1)} s` };
  } catch (err) {
    if ((err as Error).name !== 'UnsupportedError') throw err;
    return { label, note: `n/a: ${(err as Error).message}` };
  }
}

async function main(): Promise<void> {
  for (const file of [MODEL, path.join(DATA, 'test-images.npy'), path.join(DATA, 'test-labels.npy'), path.join(DATA, 'calibration.npy')]) {
    if (!existsSync(file)) throw new Error(`Expected the demo file ${file} to exist (run it from a sparq checkout)`);
  }
  const started = now();
  const images = loadNpy(path.join(DATA, 'test-images.npy'));
  const labels = Array.from(loadNpy(path.join(DATA, 'test-labels.npy')).data as BigInt64Array, Number);
  const pixels = images.data as Float32Array;
  const count = images.dims[0];
  const calibrationData = loadNpy(path.join(DATA, 'calibration.npy')).data as Float32Array;
  const calibration = Array.from({ length: CALIBRATION_SAMPLES }, (_, i) => ({ input: new Tensor('float32', calibrationData.slice(i * PER, (i + 1) * PER), [1, 1, 28, 28]) }));
  const caps = Engine.capabilities();
  console.log(`sparq demo: Fashion-MNIST ResNet (${path.relative(process.cwd(), MODEL) || MODEL}), ${count} test images`);
  console.log(`CPU: ${caps.cpu}; ISA ${caps.selected}; ${THREADS} thread per engine; calibration ${CALIBRATION_SAMPLES} samples\n`);

  const fp32 = await Engine.load(MODEL, { threads: THREADS });
  const made: Engine[] = [fp32];
  const rows: Row[] = [{ label: 'sparq fp32', runner: { ...sparqRunner('sparq fp32', fp32), baseline: true } }];
  rows.push(await step('sparq int8', () => fp32.quantize({ calibration }), made));
  rows.push(
    await step('sparq 2:4 + int8', async () => {
      const pruned = await fp32.prune({ pattern: '2:4', calibration });
      made.push(pruned);
      return pruned.quantize({ calibration });
    }, made),
  );
  rows.push(await step('sparq channels 30%', () => fp32.prune({ pattern: { channels: 0.3 }, calibration }), made));
  const ortFp32 = await ortRunner('onnxruntime-node fp32', encodeModel(fp32.sourceGraph()));
  if (ortFp32) rows.push({ label: ortFp32.label, runner: ortFp32 });
  const int8 = rows[1].engine;
  if (ortFp32 && int8) {
    const ortInt8 = await ortRunner('onnxruntime-node int8 (same QDQ model)', encodeModel(int8.sourceGraph()));
    if (ortInt8) rows.push({ label: ortInt8.label, runner: ortInt8 });
  }
  if (!ortFp32) console.log('onnxruntime-node is not installed (npm install --include=dev): no comparison rows\n');

  const runners = rows.filter((r) => r.runner).map((r) => r.runner!);
  // Accuracy over the whole subset in batches.
  const accuracy = new Map<Runner, number>();
  for (const r of runners) {
    let correct = 0;
    for (let i = 0; i < count; i += BATCH) {
      const n = Math.min(BATCH, count - i);
      argmaxRows(await r.run(pixels.subarray(i * PER, (i + n) * PER), n), n).forEach((p, k) => (correct += p === labels[i + k] ? 1 : 0));
    }
    accuracy.set(r, (100 * correct) / count);
  }
  // Batch-1 latency: warm-up, then every runner on the same image in turn, so machine load hits all alike.
  const times = new Map<Runner, number[]>(runners.map((r) => [r, []]));
  for (const r of runners) for (let i = 0; i < 10; i++) await r.timed(pixels.subarray(i * PER, (i + 1) * PER));
  for (let i = 0; i < LATENCY_RUNS; i++) {
    const image = pixels.subarray((i % count) * PER, ((i % count) + 1) * PER);
    for (const r of runners) {
      const t0 = now();
      await r.timed(image);
      times.get(r)!.push(now() - t0);
    }
  }
  const base = median(times.get(rows[0].runner!)!);
  const table = rows.map((row) => {
    const r = row.runner;
    if (!r) return [row.label, '-', '-', '-', '-', row.note ?? ''];
    const p50 = median(times.get(r)!);
    return [row.label, `${accuracy.get(r)!.toFixed(2)}%`, `${p50.toFixed(4)} ms`, `${(base / p50).toFixed(2)}x`, `${(r.sizeBytes! / 1024).toFixed(0)} KiB`, row.note ?? ''];
  });
  console.log(textTable(['model', 'top-1', 'p50 batch 1', 'speed-up', 'size', ''], table));
  console.log(`\np50 batch 1: sparq runSync and onnxruntime-node run, both computing on the calling thread (sparq's async run adds a worker hand-off).`);
  console.log(`speed-up: fp32 sparq p50 / this row's p50. size: the .sparq file (sparq rows) or the ONNX model (onnxruntime rows).`);
  console.log(`demo took ${((now() - started) / 1000).toFixed(1)} s`);
  for (const e of made) e.dispose();
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
