/** The addon in several worker_threads at once: each loads it, runs plans concurrently, and a terminated worker leaves the main thread healthy. */
import * as path from 'path';
import { Worker } from 'worker_threads';
import { native } from '../lib/native';

const fixture = path.join(__dirname, 'support', 'native-worker.js');

interface WorkerReply {
  ok?: boolean;
  started?: boolean;
  result?: { seed: number; checked: number; caps: string };
  error?: string;
}

function runWorker(workerData: object): Promise<WorkerReply> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(fixture, { workerData });
    worker.on('message', (msg: WorkerReply) => {
      if (msg.ok !== undefined) resolve(msg);
    });
    worker.on('error', reject);
    worker.on('exit', (code) => code !== 0 && reject(new Error(`worker exited with ${code}`)));
  });
}

describe('native addon in worker_threads', () => {
  test('4 workers run plans concurrently with correct results', async () => {
    const replies = await Promise.all([1, 2, 3, 4].map((seed) => runWorker({ mode: 'verify', seed, iterations: 40 })));
    for (const [i, reply] of replies.entries()) {
      expect(reply.error).toBeUndefined();
      expect(reply.ok).toBe(true);
      expect(reply.result).toEqual({ seed: i + 1, checked: 280, caps: native().capabilities().selected });
    }
  });

  test('terminating a worker mid-run leaves the main thread healthy', async () => {
    const binding = native();
    for (let round = 0; round < 3; round++) {
      const worker = new Worker(fixture, { workerData: { mode: 'busy', floats: 1 << 20 } });
      await new Promise<void>((resolve, reject) => {
        worker.on('message', (msg: WorkerReply) => msg.started && resolve());
        worker.on('error', reject);
      });
      // Let several 4 MiB runs get in flight on the libuv pool, then pull the worker down under them.
      await new Promise((r) => setTimeout(r, 30 + round * 20));
      const code = await worker.terminate();
      expect(code).toBe(1);
    }

    const constant = new Float32Array([7]);
    const plan = new binding.Plan({
      threads: 1,
      isa: '',
      arenaBytes: 64,
      tensors: [
        { dtype: 1, shape: [3], kind: 2, offset: 0 },
        { dtype: 1, shape: [1], kind: 1, offset: 0, data: new Uint8Array(constant.buffer) },
      ],
      ops: [],
      inputs: [0],
      outputs: [0, 1],
    });
    const out = await new Promise<ArrayBuffer[]>((resolve, reject) =>
      plan.run([new Float32Array([1, 2, 3])], (err, o) => (err ? reject(err) : resolve(o as ArrayBuffer[]))),
    );
    expect(Array.from(new Float32Array(out[0]))).toEqual([1, 2, 3]);
    expect(Array.from(new Float32Array(out[1]))).toEqual([7]);
    plan.dispose();
    // A fresh worker still loads the addon and computes correctly after the terminations.
    const reply = await runWorker({ mode: 'verify', seed: 9, iterations: 5 });
    expect(reply.ok).toBe(true);
  });
});
