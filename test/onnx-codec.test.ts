/**
 * @jest-environment ./test/onnx-ort-environment.js
 */
/** Round trips graphs through encodeModel/decodeModel and runs the encoded bytes in onnxruntime-node. */
import * as ort from 'onnxruntime-node';
import { decodeModel } from '../lib/onnx/decode';
import { encodeModel } from '../lib/onnx/encode';
import type { Graph } from '../lib/ir/graph';
import { addNode, emptyGraph, f, init, input, node, output, randomFloats } from './onnx-graph-builder';

function convGraph(): Graph {
  const g = emptyGraph(13);
  input(g, 'x', 'float32', ['batch', 2, 5, 5]);
  init(g, 'w', 'float32', [3, 2, 3, 3], randomFloats(54, 7));
  init(g, 'b', 'float32', [3], [0.5, -0.25, 1]);
  addNode(g, node('Conv', ['x', 'w', 'b'], ['y'], { pads: [1, 1, 1, 1], strides: [2, 2], kernel_shape: [3, 3] }));
  addNode(g, node('LeakyRelu', ['y'], ['z'], { alpha: f(0.125) }));
  output(g, 'z', 'float32', ['batch', 3, 3, 3]);
  return g;
}

/** Direct NCHW convolution, the independent reference for the ORT run. */
function referenceConv(x: Float32Array, n: number, w: Float32Array, b: number[]): Float32Array {
  const [C, H, W, M, K, S, P] = [2, 5, 5, 3, 3, 2, 1];
  const OH = 3;
  const OW = 3;
  const y = new Float32Array(n * M * OH * OW);
  for (let bi = 0; bi < n; bi++)
    for (let m = 0; m < M; m++)
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          let acc = b[m];
          for (let c = 0; c < C; c++)
            for (let kh = 0; kh < K; kh++)
              for (let kw = 0; kw < K; kw++) {
                const ih = oh * S - P + kh;
                const iw = ow * S - P + kw;
                if (ih < 0 || iw < 0 || ih >= H || iw >= W) continue;
                acc += x[((bi * C + c) * H + ih) * W + iw] * w[((m * C + c) * K + kh) * K + kw];
              }
          y[((bi * M + m) * OH + oh) * OW + ow] = acc >= 0 ? acc : acc * 0.125;
        }
  return y;
}

describe('encodeModel / decodeModel', () => {
  test('round trip keeps nodes, attributes, initializers, inputs and outputs', () => {
    const g = convGraph();
    const back = decodeModel(encodeModel(g));
    expect(back.opset).toBe(13);
    expect(back.inputs).toEqual(g.inputs);
    expect(back.outputs).toEqual(g.outputs);
    expect(back.nodes).toEqual(g.nodes);
    expect([...back.initializers.keys()]).toEqual(['w', 'b']);
    expect(back.initializers.get('w')).toEqual(g.initializers.get('w'));
    expect(back.initializers.get('b')).toEqual(g.initializers.get('b'));
    expect(back.producer).toBe('sparq-test');
    // Encoding the decoded graph gives the same bytes.
    expect(encodeModel(back)).toEqual(encodeModel(g));
  });

  test('onnxruntime runs an encoded Conv + LeakyRelu and matches a direct convolution', async () => {
    const g = convGraph();
    const session = await ort.InferenceSession.create(encodeModel(g));
    const x = randomFloats(2 * 2 * 5 * 5, 3);
    const out = await session.run({ x: new ort.Tensor('float32', x, [2, 2, 5, 5]) });
    expect(out.z.dims).toEqual([2, 3, 3, 3]);
    const want = referenceConv(x, 2, g.initializers.get('w')!.data as Float32Array, [0.5, -0.25, 1]);
    const got = out.z.data as Float32Array;
    for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 5);
  });

  test('onnxruntime runs an encoded int64 Add with broadcasting', async () => {
    const g = emptyGraph(17);
    input(g, 'a', 'int64', [2, 3]);
    init(g, 'c', 'int64', [3], [10n, -20n, 9007199254740993n]);
    addNode(g, node('Add', ['a', 'c'], ['y']));
    output(g, 'y', 'int64', [2, 3]);
    const session = await ort.InferenceSession.create(encodeModel(g));
    const a = new BigInt64Array([1n, 2n, 3n, 4n, 5n, 6n]);
    const out = await session.run({ a: new ort.Tensor('int64', a, [2, 3]) });
    expect(Array.from(out.y.data as BigInt64Array)).toEqual([11n, -18n, 9007199254740996n, 14n, -15n, 9007199254740999n]);
    const back = decodeModel(encodeModel(g));
    expect(back.initializers.get('c')!.data).toEqual(new BigInt64Array([10n, -20n, 9007199254740993n]));
  });

  test('an If whose branches read values produced by earlier nodes round trips and runs in onnxruntime', async () => {
    const branch = (op: string, out: string) => {
      const b = emptyGraph(13);
      b.nodes.push({ name: `${op}_in_branch`, opType: op, domain: '', inputs: ['a'], outputs: [out], attrs: {} });
      b.outputs.push({ name: out, type: 'float32', shape: [2] });
      return b;
    };
    const g = emptyGraph(13);
    input(g, 'x', 'float32', [2]);
    input(g, 'cond', 'bool', []);
    addNode(g, node('Relu', ['x'], ['a']));
    addNode(g, { name: 'if', opType: 'If', domain: '', inputs: ['cond'], outputs: ['y'], attrs: { then_branch: { kind: 'graph', value: branch('Neg', 't') }, else_branch: { kind: 'graph', value: branch('Identity', 'e') } } });
    output(g, 'y', 'float32', [2]);
    const back = decodeModel(encodeModel(g));
    const thenBranch = back.nodes[1].attrs.then_branch;
    expect(thenBranch.kind === 'graph' && thenBranch.value.nodes[0].inputs).toEqual(['a']);
    const session = await ort.InferenceSession.create(encodeModel(back));
    const out = await session.run({ x: new ort.Tensor('float32', new Float32Array([1, -2]), [2]), cond: new ort.Tensor('bool', new Uint8Array([1]), []) });
    expect(Array.from(out.y.data as Float32Array)).toEqual([-1, -0]);
  });
});
