/**
 * @jest-environment ./test/onnx-ort-environment.js
 */
/** Random small CNN-like graphs mixing spatial ops with layout-sensitive ones, sparq vs onnxruntime-node: the NHWC layout pass must be invisible. */
import { Engine, Tensor } from '../lib/index';
import { encodeModel } from '../lib/onnx/encode';
import { GraphBuilder, randomFloats } from './support/graph-builder';
import { maxAbsError, ortEval } from './support/ort';

type Shape = [number, number, number, number];

function rng(seed: number): () => number {
  let s = (seed * 2654435761) >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/** Builds a random graph; returns it with its input shape and a description of the steps (for failure messages). */
function randomModel(seed: number): { b: GraphBuilder; input: Shape; steps: string[] } {
  const r = rng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
  const b = new GraphBuilder(13);
  const input: Shape = [pick([1, 2]), pick([2, 3, 4]), pick([5, 6, 8]), pick([4, 7, 8])];
  const pool: { name: string; shape: Shape }[] = [{ name: b.input('x', input), shape: input }];
  const steps: string[] = [];
  let cur = pool[0];
  const nSteps = 4 + Math.floor(r() * 7);
  for (let i = 0; i < nSteps; i++) {
    const [n, c, h, w] = cur.shape;
    const kind = pick(['conv', 'conv', 'dwconv', 'unary', 'binary', 'binary', 'pool', 'concat', 'softmax', 'reduce', 'slice', 'pad', 'transpose', 'reshape', 'gap']);
    let next: { name: string; shape: Shape } | undefined;
    switch (kind) {
      case 'conv': {
        const m = pick([2, 4, 5, 8]);
        const k = pick([1, 3]);
        const s = h >= 4 && w >= 4 ? pick([1, 2]) : 1;
        const p = (k - 1) / 2;
        const out = b.conv(cur.name, c, m, k, { pads: [p, p, p, p], strides: [s, s] });
        next = { name: out, shape: [n, m, Math.floor((h + 2 * p - k) / s) + 1, Math.floor((w + 2 * p - k) / s) + 1] };
        break;
      }
      case 'dwconv':
        next = { name: b.conv(cur.name, c, c, 3, { pads: [1, 1, 1, 1], group: c }), shape: [n, c, h, w] };
        break;
      case 'unary':
        next = { name: b.node(pick(['Relu', 'Sigmoid', 'Tanh', 'Abs']), [cur.name]), shape: cur.shape };
        break;
      case 'binary': {
        const op = pick(['Add', 'Mul', 'Sub']);
        const same = pool.filter((t) => t !== cur && t.shape.join() === cur.shape.join());
        const options: string[] = [
          b.init(`pc${i}`, [c, 1, 1]),
          b.init(`row${i}`, [w]),
          b.init(`hw${i}`, [h, w]),
          b.init(`full${i}`, [1, c, h, w]),
          b.scalar(0.5 + i),
        ];
        if (same.length) options.push(pick(same).name);
        const other = pick(options);
        next = { name: b.node(op, r() < 0.5 ? [cur.name, other] : [other, cur.name]), shape: cur.shape };
        break;
      }
      case 'pool':
        if (h < 2 || w < 2) continue;
        next = { name: b.node(pick(['MaxPool', 'AveragePool']), [cur.name], { kernel_shape: [2, 2], strides: [2, 2] }), shape: [n, c, Math.floor(h / 2), Math.floor(w / 2)] };
        break;
      case 'gap': {
        const g = b.node('GlobalAveragePool', [cur.name]);
        // squeeze-excitation style: scale the tensor by its pooled channels
        next = { name: b.node('Mul', [cur.name, b.node('Sigmoid', [g])]), shape: cur.shape };
        break;
      }
      case 'concat': {
        const partners = pool.filter((t) => t.shape[0] === n && t.shape[2] === h && t.shape[3] === w);
        const other = pick(partners);
        next = { name: b.node('Concat', [cur.name, other.name], { axis: 1 }), shape: [n, c + other.shape[1], h, w] };
        break;
      }
      case 'softmax':
        next = { name: b.node('Softmax', [cur.name], { axis: pick([1, 2, 3, -1]) }), shape: cur.shape };
        break;
      case 'reduce': {
        const axes = pick([[1], [2, 3], [3], [1, 2]]);
        const shape = cur.shape.map((d, a) => (axes.includes(a) ? 1 : d)) as Shape;
        next = { name: b.node(pick(['ReduceMean', 'ReduceMax']), [cur.name], { axes, keepdims: 1 }), shape };
        break;
      }
      case 'slice': {
        const axis = pick([1, 2, 3]);
        const dim = cur.shape[axis];
        if (dim < 2) continue;
        const shape = cur.shape.slice() as Shape;
        shape[axis] = dim - 1;
        const st = b.init(`st${i}`, [1], [1], 'int64');
        const en = b.init(`en${i}`, [1], [dim], 'int64');
        const ax = b.init(`ax${i}`, [1], [axis], 'int64');
        next = { name: b.node('Slice', [cur.name, st, en, ax]), shape };
        break;
      }
      case 'pad': {
        const pads = b.init(`pads${i}`, [8], [0, 0, 1, 0, 0, 1, 0, 2], 'int64');
        next = { name: b.node('Pad', [cur.name, pads], { mode: pick(['constant', 'edge']) }), shape: [n, c + 1, h + 1, w + 2] };
        break;
      }
      case 'transpose':
        // swap H and W: keeps rank 4 so spatial ops can follow
        next = { name: b.node('Transpose', [cur.name], { perm: [0, 1, 3, 2] }), shape: [n, c, w, h] };
        break;
      case 'reshape': {
        const shape: Shape = [n, c, h * w, 1];
        next = { name: b.node('Reshape', [cur.name, b.init(`shape${i}`, [4], shape, 'int64')]), shape };
        break;
      }
    }
    if (!next) continue;
    steps.push(`${kind} → [${next.shape}]`);
    pool.push(next);
    cur = next;
  }
  b.node('Identity', [cur.name], {}, ['y']);
  b.output('y', cur.shape);
  return { b, input, steps };
}

describe('random graphs: sparq (NHWC inside) matches onnxruntime-node', () => {
  test.each(Array.from({ length: Number(process.env.SEEDS ?? 40) }, (_, i) => i + 1))('seed %i', async (seed) => {
    const { b, input, steps } = randomModel(seed);
    const bytes = encodeModel(b.build());
    const data = randomFloats(input.reduce((a, d) => a * d, 1), seed, -2, 2);
    const ref = await ortEval(bytes, { x: { type: 'float32', dims: input, data } });
    const engine = await Engine.load(bytes, { threads: 1 });
    try {
      const got = await engine.run({ x: new Tensor('float32', data, input) });
      expect(got.y.dims).toEqual(ref.y.dims);
      const { err, refMax } = maxAbsError(got.y.data as Float32Array, ref.y.data);
      if (!(err <= 1e-4 * Math.max(1, refMax))) throw new Error(`seed ${seed}: max error ${err} (ref max ${refMax}) after ${steps.join(', ')}`);
    } finally {
      engine.dispose();
    }
  });
});
