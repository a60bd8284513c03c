/**
 * engine.distill on the Fashion-MNIST ResNet: the KD loss on the training data falls (its starting value checked
 * against one computed from the engines' logits), the better model is kept when distillation cannot help, bad options.
 */
import { join } from 'path';
import { Engine, Tensor } from '../lib';
import { loadNpy } from '../lib/format/npy';

const DIR = join(__dirname, 'fixtures', 'fashion-mnist');

/** The first `count` images of the training subset (uint8 → preprocessed float32), batches of 10, and their labels. */
function training(count: number): { data: Record<string, Tensor>[]; labels: number[] } {
  const images = loadNpy(join(DIR, 'train-images.npy')).data as Uint8Array;
  const labels = loadNpy(join(DIR, 'train-labels.npy')).data as Uint8Array;
  const data: Record<string, Tensor>[] = [];
  for (let start = 0; start < count; start += 10) {
    const x = new Float32Array(10 * 784);
    for (let i = 0; i < x.length; i++) x[i] = (images[start * 784 + i] / 255 - 0.286) / 0.353;
    data.push({ input: new Tensor('float32', x, [10, 1, 28, 28]) });
  }
  return { data, labels: Array.from(labels.subarray(0, count)) };
}

/** Mean over rows of T²·KL(softmax(t/T) ‖ softmax(s/T)), computed here from the two engines' logits. */
function kdLoss(student: Engine, teacher: Engine, data: Record<string, Tensor>[], temperature: number): number {
  const soft = (z: Float32Array, from: number): number[] => {
    const row = Array.from(z.subarray(from, from + 10), (v) => v / temperature);
    const max = Math.max(...row);
    const e = row.map((v) => Math.exp(v - max));
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / sum);
  };
  let total = 0;
  let rows = 0;
  for (const feeds of data) {
    const s = student.runSync(feeds).logits.data as Float32Array;
    const t = teacher.runSync(feeds).logits.data as Float32Array;
    for (let r = 0; r < 10; r++) {
      const ps = soft(s, r * 10);
      const pt = soft(t, r * 10);
      total += temperature * temperature * pt.reduce((acc, p, i) => acc + p * Math.log(p / ps[i]), 0);
      rows++;
    }
  }
  return total / rows;
}

describe('engine.distill', () => {
  let teacher: Engine;
  let pruned: Engine;
  const { data, labels } = training(200);

  beforeAll(async () => {
    teacher = await Engine.load(join(DIR, 'resnet-fmnist.onnx'), { threads: 1 });
    pruned = await teacher.prune({ pattern: { channels: 0.5 }, method: 'magnitude' });
  });
  afterAll(() => {
    teacher.dispose();
    pruned.dispose();
  });

  it('reduces the KD loss on the training data and leaves the student untouched', async () => {
    const studentBefore = pruned.runSync(data[0]).logits.data.slice();
    const events: string[] = [];
    const result = await pruned.distill({ teacher, data, temperature: 4, epochs: 3, layers: 1, learningRate: 0.01, onProgress: (e) => events.push(e.phase) });
    expect(result.kept).toBe('distilled');
    expect(result.layers).toEqual(['/fc/Gemm']);
    expect(result.samples).toBe(200);
    expect(result.lossCurve).toHaveLength(3);
    expect(result.trainingLoss.before).toBeCloseTo(kdLoss(pruned, teacher, data, 4), 3);
    expect(result.trainingLoss.after).toBeCloseTo(kdLoss(result.engine, teacher, data, 4), 3);
    expect(result.trainingLoss.after).toBeLessThan(0.7 * result.trainingLoss.before);
    expect(result.lossCurve[2]).toBeLessThan(result.lossCurve[0]);
    expect(events).toContain('features');
    expect(events.filter((p) => p === 'distill')).toHaveLength(3);
    expect(pruned.runSync(data[0]).logits.data).toEqual(studentBefore);
    result.engine.dispose();
  });

  it('keeps the student when it is the teacher itself (validation share, agreement with the teacher)', async () => {
    const result = await teacher.distill({ teacher, data, epochs: 1, validation: 0.25 });
    expect(result.kept).toBe('student');
    expect(result.metric).toEqual({ student: 100, distilled: expect.any(Number) });
    expect(result.samples).toBe(150);
    expect(result.engine.runSync(data[0]).logits.data).toEqual(teacher.runSync(data[0]).logits.data);
    result.engine.dispose();
  });

  it('keeps the student when a tiny step cannot change the validation top-1, and the distilled one when it helps', async () => {
    const validation = { data: data.slice(0, 5), labels: labels.slice(0, 50) };
    const tiny = await pruned.distill({ teacher, data: data.slice(5), labels: labels.slice(50), epochs: 1, learningRate: 1e-12, validation });
    expect(tiny.kept).toBe('student');
    expect(tiny.metric!.distilled).toBe(tiny.metric!.student);
    expect(tiny.engine.runSync(data[0]).logits.data).toEqual(pruned.runSync(data[0]).logits.data);
    tiny.engine.dispose();
    const real = await pruned.distill({ teacher, data: data.slice(5), labels: labels.slice(50), epochs: 3, learningRate: 0.01, validation });
    expect(real.kept).toBe('distilled');
    expect(real.metric!.distilled).toBeGreaterThan(real.metric!.student);
    real.engine.dispose();
  });

  it('uses evaluate to choose', async () => {
    const calls: Engine[] = [];
    const result = await pruned.distill({ teacher, data: data.slice(0, 3), epochs: 1, evaluate: (e) => (calls.push(e), calls.length === 1 ? 2 : 1) });
    expect(calls[0]).toBe(pruned);
    expect(result.kept).toBe('student');
    expect(result.metric).toEqual({ student: 2, distilled: 1 });
    result.engine.dispose();
  });

  it('rejects bad options with the option named', async () => {
    const ok = { teacher, data };
    const cases: [unknown, RegExp, typeof TypeError | typeof RangeError][] = [
      [undefined, /Expected an options object with teacher and data for options but received undefined/, TypeError],
      [{ data }, /Expected an Engine for options.teacher but received undefined/, TypeError],
      [{ teacher }, /Expected an Iterable or AsyncIterable of feeds .* for options.data but received undefined/, TypeError],
      [{ ...ok, temperature: 0 }, /Expected a finite number > 0 for options.temperature but received 0/, RangeError],
      [{ ...ok, alpha: 1.5 }, /Expected a number in \[0, 1\] for options.alpha but received 1.5/, RangeError],
      [{ ...ok, epochs: 2.5 }, /Expected a positive integer for options.epochs but received 2.5/, RangeError],
      [{ ...ok, layers: 'fc' }, /Expected a positive integer or an array of node names for options.layers but received "fc"/, TypeError],
      [{ ...ok, layers: 99 }, /Expected at most 17 \(the Conv\/Gemm\/MatMul layers of the model\) for options.layers but received 99/, RangeError],
      [{ ...ok, layers: ['nope'] }, /Expected node names of the student for options.layers but received "nope"/, RangeError],
      [{ ...ok, layers: ['/pool/GlobalAveragePool'] }, /Expected Conv, Gemm, MatMul or BatchNormalization nodes for options.layers but received "\/pool\/GlobalAveragePool" \(GlobalAveragePool\)/, RangeError],
      [{ ...ok, validation: 1 }, /Expected a share in \(0, 1\) or \{ data, labels\? \} for options.validation but received 1/, RangeError],
      [{ ...ok, labels: [1, -2] }, /Expected class indices \(integers >= 0\) for options.labels but received -2 at index 1/, RangeError],
      [{ ...ok, labels: [1, 2, 3] }, /Expected one label per sample row of options.data for its labels but received 3 labels for more rows/, RangeError],
      [{ ...ok, optimizer: 'rmsprop' }, /Expected one of 'adam', 'sgd' for options.optimizer but received "rmsprop"/, RangeError],
      [{ ...ok, batchSize: 0 }, /Expected a positive integer for options.batchSize but received 0/, RangeError],
      [{ ...ok, onProgress: 3 }, /Expected a function for options.onProgress but received 3/, TypeError],
      [{ ...ok, evaluate: 'top1' }, /Expected a function \(engine\) => metric for options.evaluate but received "top1"/, TypeError],
      [{ ...ok, data: [] }, /Expected at least one sample for options.data but received an empty iterable/, RangeError],
    ];
    for (const [options, message, type] of cases) {
      const promise = pruned.distill(options as never);
      await expect(promise).rejects.toThrow(message);
      await expect(promise).rejects.toBeInstanceOf(type);
    }
  });
});
