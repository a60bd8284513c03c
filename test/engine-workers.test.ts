/**
 * Four worker_threads, each with its own Engine (the addon loaded once per thread), run a fixture model
 * concurrently and get exactly the outputs the main thread gets.
 */
import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { Worker } from 'worker_threads';
import { Engine, Tensor } from '../lib';
import { loadNpy } from '../lib/format/npy';

const MODEL = join(__dirname, 'fixtures', 'models', 'resnet-style.onnx');
const INPUT = join(__dirname, 'fixtures', 'models', 'resnet-style.input.npy');
const WORKER = join(__dirname, 'support', 'engine-worker.js');
const DIST = join(__dirname, '..', 'dist', 'index.js');

function runWorker(runs: number): Promise<number[][]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { workerData: { modelPath: MODEL, inputPath: INPUT, runs } });
    worker.once('message', (msg: { outputs?: number[][]; error?: string }) => {
      if (msg.error) reject(new Error(msg.error));
      else resolve(msg.outputs as number[][]);
    });
    worker.once('error', reject);
  });
}

describe('Engine in worker_threads', () => {
  test('the compiled package exists for the workers (npm install / npm run build makes dist/)', () => {
    expect(existsSync(DIST)).toBe(true);
  });

  test('4 workers with their own engines run concurrently and match the main thread exactly', async () => {
    const engine = await Engine.load(readFileSync(MODEL), { threads: 1 });
    const input = loadNpy(INPUT);
    const feeds = { [engine.inputs[0].name]: new Tensor('float32', input.data as Float32Array, input.dims) };
    const expected = Array.from(engine.runSync(feeds)[engine.outputs[0].name].data as Float32Array);
    engine.dispose();
    expect(expected.length).toBeGreaterThan(0);

    const results = await Promise.all([0, 1, 2, 3].map(() => runWorker(6)));
    for (const outputs of results) {
      expect(outputs).toHaveLength(6);
      for (const out of outputs) expect(out).toEqual(expected);
    }
  });
});
