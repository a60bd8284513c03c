/**
 * Four worker_threads, each with its own Engine (the addon loaded once per thread), run a fixture model
 * concurrently and get exactly the outputs the main thread gets; workers terminated in the middle of runs leave the
 * process healthy.
 */
import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { Worker } from 'worker_threads';
import { Engine, Tensor } from '../lib';
import { loadNpy } from '../lib/format/npy';

const MODEL = join(__dirname, 'fixtures', 'models', 'resnet-style.onnx');
const INPUT = join(__dirname, 'fixtures', 'models', 'resnet-style.input.npy');
const WORKER = join(__dirname, 'support', 'engine-worker.js');
const ENDLESS_WORKER = join(__dirname, 'support', 'engine-worker-endless.js');
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

  test('4 workers terminated while runs are in flight leave the process healthy (3 rounds)', async () => {
    const engine = await Engine.load(readFileSync(MODEL), { threads: 1 });
    const input = loadNpy(INPUT);
    const feeds = { [engine.inputs[0].name]: new Tensor('float32', input.data as Float32Array, input.dims) };
    const expected = Array.from(engine.runSync(feeds)[engine.outputs[0].name].data as Float32Array);

    for (let round = 0; round < 3; round++) {
      const exits = await Promise.all(
        [0, 1, 2, 3].map(
          (i) =>
            new Promise<number>((resolve, reject) => {
              const worker = new Worker(ENDLESS_WORKER, { workerData: { modelPath: MODEL, inputPath: INPUT, threads: 1 + (i % 2) } });
              worker.on('message', (msg: unknown) => {
                if (msg === 'running') void worker.terminate();
                else reject(new Error(String((msg as { error?: string }).error)));
              });
              worker.once('error', reject);
              worker.once('exit', resolve);
            }),
        ),
      );
      expect(exits).toEqual([1, 1, 1, 1]); // terminate() makes exit code 1
      // The main thread's engine still computes the same outputs, sync and async.
      expect(Array.from(engine.runSync(feeds)[engine.outputs[0].name].data as Float32Array)).toEqual(expected);
      expect(Array.from((await engine.run(feeds))[engine.outputs[0].name].data as Float32Array)).toEqual(expected);
    }
    // And a fresh worker still works after all that.
    const outputs = await runWorker(2);
    for (const out of outputs) expect(out).toEqual(expected);
    engine.dispose();
  }, 60000);
});
