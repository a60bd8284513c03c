/**
 * The trainable tail of distillation: every layer's gradient against central finite differences of the loss, and the
 * engine built from the written-back graph against the TypeScript forward of the updated tail on probed features.
 */
import { Engine, Tensor } from '../lib';
import type { Graph } from '../lib/ir/graph';
import { collectSamples, featuresOf } from '../lib/distill/distill-samples';
import { trainTail } from '../lib/distill/distill-training';
import { distillationLoss, softmax } from '../lib/distill/kd-loss';
import { buildTail } from '../lib/distill/tail-graph';
import type { Activation } from '../lib/distill/tail-op';
import { writeTail } from '../lib/distill/tail-writeback';
import { GraphBuilder, float, randomFloats } from './support/graph-builder';

/**
 * input [N,3,6,6] → Conv → BN → Relu → Conv(stride 1, groups 2) + residual → Clip → GAP → Flatten → MatMul + bias →
 * LeakyRelu → Gemm(transB) → logits [N,5]. Returns the graph and its layer names.
 */
function tailGraph(seed: number): { graph: Graph; layers: Record<string, string> } {
  const b = new GraphBuilder();
  for (let i = 0; i < seed; i++) b.init(`skip${i}`, [1]);
  const x = b.input('input', ['batch', 3, 6, 6]);
  const a = b.conv(x, 3, 4, 3, { pads: [1, 1, 1, 1] });
  const bn = b.batchNorm(a, 4);
  const r = b.node('Relu', [bn]);
  const c = b.conv(r, 4, 4, 3, { pads: [1, 1, 1, 1], group: 2 });
  const add = b.node('Add', [c, r]);
  const clip = b.node('Clip', [add, b.scalar(0), b.scalar(1.5)]);
  const pool = b.node('GlobalAveragePool', [clip]);
  const flat = b.node('Flatten', [pool], { axis: 1 });
  const mm = b.node('MatMul', [flat, b.init('mm_w', [4, 6])]);
  const biased = b.node('Add', [mm, b.init('mm_b', [6])]);
  const leaky = b.node('LeakyRelu', [biased], { alpha: float(0.1) });
  b.node('Gemm', [leaky, b.init('fc_w', [5, 6]), b.init('fc_b', [5])], { transB: 1, alpha: float(0.8) }, ['logits']);
  b.output('logits', ['batch', 5]);
  const graph = b.build();
  const names = graph.nodes.map((n) => n.name);
  const find = (op: string, k = 0): string => names.filter((_, i) => graph.nodes[i].opType === op)[k];
  return { graph, layers: { convA: find('Conv'), bn: find('BatchNormalization'), convB: find('Conv', 1), matmul: find('MatMul'), gemm: find('Gemm') } };
}

describe('distillation tail gradients', () => {
  const { graph, layers } = tailGraph(0);
  const tail = buildTail(graph, Object.values(layers));
  const features = new Map<string, Activation>(
    tail.frontier.map((name, k) => [name, { dims: [1, 4, 6, 6], data: Float64Array.from(randomFloats(144, 50 + k, -1.5, 1.5)) }]),
  );
  const teacherSoft = softmax(Array.from(randomFloats(5, 99, -3, 3)), 3);
  const loss = (): number => distillationLoss(tail.forward(features).data, teacherSoft, 2, 3, 0.7).loss;

  it('probes the first conv output (its affine alone runs in TypeScript) and trains every chosen layer', () => {
    expect(tail.frontier).toEqual([graph.nodes.find((n) => n.name === layers.convA)!.outputs[0]]);
    expect(tail.layers).toEqual(Object.values(layers));
    expect(tail.params.map((p) => p.name)).toEqual([
      `${layers.convA}.scale`, `${layers.convA}.shift`, `${layers.bn}.scale`, `${layers.bn}.bias`, `${layers.convB}.scale`, `${layers.convB}.shift`,
      `${layers.matmul}.weight`, `${layers.gemm}.weight`, `${layers.gemm}.bias`,
    ]);
  });

  it('matches central finite differences for every parameter', () => {
    // Move the affines off identity so scale and shift gradients are generic.
    tail.params.forEach((p, k) => {
      const jitter = randomFloats(p.value.length, 200 + k, -0.2, 0.2);
      for (let i = 0; i < p.value.length; i++) p.value[i] += jitter[i];
    });
    tail.zeroGrad();
    const terms = distillationLoss(tail.forward(features).data, teacherSoft, 2, 3, 0.7);
    tail.backward(terms.grad);
    const h = 1e-6;
    for (const p of tail.params) {
      for (let i = 0; i < p.value.length; i++) {
        const saved = p.value[i];
        p.value[i] = saved + h;
        const up = loss();
        p.value[i] = saved - h;
        const down = loss();
        p.value[i] = saved;
        const numeric = (up - down) / (2 * h);
        expect(Math.abs(p.grad[i] - numeric)).toBeLessThanOrEqual(1e-6 + 1e-5 * Math.abs(numeric));
      }
    }
  });

  it('matches finite differences of the loss in the student logits (KD at T with T², plus cross-entropy)', () => {
    const logits = Float64Array.from(randomFloats(5, 7, -2, 2));
    const terms = distillationLoss(logits, teacherSoft, 4, 3, 0.25);
    for (let i = 0; i < 5; i++) {
      const up = Float64Array.from(logits);
      const down = Float64Array.from(logits);
      up[i] += 1e-6;
      down[i] -= 1e-6;
      const numeric = (distillationLoss(up, teacherSoft, 4, 3, 0.25).loss - distillationLoss(down, teacherSoft, 4, 3, 0.25).loss) / 2e-6;
      expect(terms.grad[i]).toBeCloseTo(numeric, 6);
    }
    // Independent value: 0.25·9·Σ p_t·log(p_t/p_s) + 0.75·(−log softmax(s)[4]).
    const ps = softmax(logits, 3);
    const hard = softmax(logits);
    let kl = 0;
    for (let i = 0; i < 5; i++) kl += teacherSoft[i] * Math.log(teacherSoft[i] / ps[i]);
    expect(terms.loss).toBeCloseTo(0.25 * 9 * kl + 0.75 * -Math.log(hard[4]), 10);
  });
});

describe('distillation tail written back', () => {
  it('the engine of the updated graph computes the TypeScript forward of the trained tail on the probed features', async () => {
    const { graph, layers } = tailGraph(0);
    const student = Engine.fromGraph(graph, { threads: 1 });
    const teacher = Engine.fromGraph(tailGraph(3).graph, { threads: 1 });
    const data = Array.from({ length: 24 }, (_, i) => ({ input: new Tensor('float32', randomFloats(2 * 108, 300 + i), [2, 3, 6, 6]) }));
    const tail = buildTail(student.sourceGraph(), [layers.bn, layers.convB, layers.gemm]);
    const samples = await collectSamples({ student, teacher, frontier: tail.frontier, temperature: 2 }, data, undefined, 'data');
    expect(samples).toHaveLength(48);
    const curve = await trainTail(tail, samples, { temperature: 2, alpha: 1, epochs: 3, optimizer: 'adam', learningRate: 0.05, momentum: 0.9, batchSize: 8, seed: 1 });
    expect(curve).toHaveLength(3);
    const distilled = Engine.fromGraph(writeTail(student.sourceGraph(), tail), { threads: 1 });
    let changed = 0;
    data.forEach((feeds, i) => {
      const out = distilled.runSync(feeds).logits.data as Float32Array;
      const before = student.runSync(feeds).logits.data as Float32Array;
      for (let r = 0; r < 2; r++) {
        const expected = tail.forward(featuresOf(samples[2 * i + r])).data;
        for (let c = 0; c < 5; c++) {
          expect(Math.abs(out[r * 5 + c] - expected[c])).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(expected[c])));
          if (Math.abs(before[r * 5 + c] - out[r * 5 + c]) > 1e-3) changed++;
        }
      }
    });
    expect(changed).toBeGreaterThan(100);
    for (const e of [student, teacher, distilled]) e.dispose();
  });
});
