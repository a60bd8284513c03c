/** `npm run demo`: classifies the committed Fashion-MNIST test subset with sparq and with onnxruntime-node, prints accuracy and latency. */
import { existsSync } from 'fs';
import * as path from 'path';
import { Engine, Tensor } from '../index';
import { loadNpy } from '../format/npy';

const ROOT = path.resolve(__dirname, '..', '..');
const DATA = path.join(ROOT, 'test', 'fixtures', 'fashion-mnist');
const DEFAULT_MODEL = path.join(DATA, 'resnet-fmnist.onnx');
const BATCH = 100;
const LATENCY_RUNS = 300;

/** Something that classifies a batch [N, 1, 28, 28] into N logit rows of 10. */
interface Runner {
  label: string;
  run(data: Float32Array, n: number): Promise<Float32Array>;
}

const now = () => Number(process.hrtime.bigint()) / 1e6;

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

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** onnxruntime-node is a devDependency: the demo compares against it when it is installed. */
async function ortRunner(modelPath: string, threads: number): Promise<Runner | string> {
  let ort: typeof import('onnxruntime-node');
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    ort = require('onnxruntime-node');
  } catch {
    return 'onnxruntime-node is not installed (npm install --include=dev) - skipping the comparison';
  }
  const session = await ort.InferenceSession.create(modelPath, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  });
  const input = session.inputNames[0];
  const output = session.outputNames[0];
  return {
    label: `onnxruntime-node ${ort.env.versions.node ?? ''}`.trim(),
    async run(data, n) {
      const result = await session.run({ [input]: new ort.Tensor('float32', data, [n, 1, 28, 28]) });
      return result[output].data as Float32Array;
    },
  };
}

async function main(): Promise<void> {
  const modelPath = path.resolve(process.argv[2] ?? DEFAULT_MODEL);
  for (const file of [modelPath, path.join(DATA, 'test-images.npy'), path.join(DATA, 'test-labels.npy')]) {
    if (!existsSync(file)) throw new Error(`Expected the demo file ${file} to exist (run it from a sparq checkout)`);
  }
  const images = loadNpy(path.join(DATA, 'test-images.npy'));
  const labels = Array.from(loadNpy(path.join(DATA, 'test-labels.npy')).data as BigInt64Array, Number);
  const count = images.dims[0];
  const pixels = images.data as Float32Array;
  const per = 28 * 28;
  const threads = 1;

  const caps = Engine.capabilities();
  const engine = await Engine.load(modelPath, { threads });
  const inputName = engine.inputs[0].name;
  const outputName = engine.outputs[0].name;
  const sparq: Runner = {
    label: `sparq fp32 (${caps.selected})`,
    async run(data, n) {
      const out = await engine.run({ [inputName]: new Tensor('float32', data, [n, 1, 28, 28]) });
      return out[outputName].data as Float32Array;
    },
  };
  const ort = await ortRunner(modelPath, threads);
  const runners = typeof ort === 'string' ? [sparq] : [sparq, ort];

  console.log(`sparq demo: Fashion-MNIST, ${path.relative(process.cwd(), modelPath) || modelPath}, ${count} test images`);
  console.log(`CPU: ${caps.cpu}; ISA levels ${caps.levels.join(' ')}; ${threads} thread per engine`);
  if (typeof ort === 'string') console.log(ort);

  // Accuracy over the whole subset in batches of BATCH.
  const predictions: number[][] = [];
  const throughput: number[] = [];
  for (const r of runners) {
    const preds: number[] = [];
    const t0 = now();
    for (let i = 0; i < count; i += BATCH) {
      const n = Math.min(BATCH, count - i);
      preds.push(...argmaxRows(await r.run(pixels.subarray(i * per, (i + n) * per), n), n));
    }
    throughput.push((count / (now() - t0)) * 1000);
    predictions.push(preds);
  }

  // Batch-1 latency: warm up, then alternate the engines image by image so machine load hits both alike.
  const times: number[][] = runners.map(() => []);
  for (const r of runners) for (let i = 0; i < 20; i++) await r.run(pixels.subarray(i * per, (i + 1) * per), 1);
  for (let i = 0; i < LATENCY_RUNS; i++) {
    const image = pixels.subarray((i % count) * per, ((i % count) + 1) * per);
    for (let k = 0; k < runners.length; k++) {
      const t0 = now();
      await runners[k].run(image, 1);
      times[k].push(now() - t0);
    }
  }

  const rows = runners.map((r, k) => {
    const correct = predictions[k].filter((p, i) => p === labels[i]).length;
    return [r.label, `${((100 * correct) / count).toFixed(2)}%`, `${median(times[k]).toFixed(3)} ms`, `${Math.round(throughput[k])} img/s`];
  });
  const header = ['engine', 'accuracy', `p50 latency, batch 1`, `throughput, batch ${BATCH}`];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('   ');
  console.log('');
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(r));
  if (runners.length === 2) {
    const agree = predictions[0].filter((p, i) => p === predictions[1][i]).length;
    console.log(`\npredictions agree on ${agree}/${count} images; latency ratio onnxruntime/sparq ${(median(times[1]) / median(times[0])).toFixed(2)}x (> 1: sparq faster)`);
  }
  engine.dispose();
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
