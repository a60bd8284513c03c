/** onnxruntime-node as the comparison peer (--vs onnxruntime): a session on the same model; absent package -> clear error. */
import type { Engine } from '../engine';
import { encodeModel } from '../onnx/encode';
import type { Tensor } from '../tensor';

export interface Peer {
  label: string;
  run(feeds: Record<string, Tensor>): Promise<Float32Array>;
  release(): Promise<void>;
}

/** A session on the engine's source graph (what a .sparq file stores too), with the same thread count. */
export async function onnxruntimePeer(engine: Engine, threads: number): Promise<Peer> {
  let ort: typeof import('onnxruntime-node');
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    ort = require('onnxruntime-node');
  } catch {
    throw new Error('Expected the package onnxruntime-node for --vs onnxruntime but it is not installed (npm install onnxruntime-node)');
  }
  const session = await ort.InferenceSession.create(encodeModel(engine.sourceGraph()), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  });
  const output = session.outputNames[0];
  return {
    label: `onnxruntime-node ${ort.env.versions?.node ?? ''}`.trim(),
    async run(feeds) {
      const ortFeeds: Record<string, InstanceType<typeof ort.Tensor>> = {};
      for (const [k, t] of Object.entries(feeds)) ortFeeds[k] = new ort.Tensor(t.type, t.data as Float32Array, t.dims as number[]);
      const result = await session.run(ortFeeds);
      return result[output].data as Float32Array;
    },
    release: () => session.release(),
  };
}
