/**
 * Calibration data checks (lib/calibration/calibration-data.ts) and the tensor probe (lib/calibration/tensor-probe.ts)
 * against onnxruntime-node running the same model with the same intermediates as outputs.
 * @jest-environment ./test/support/ort-environment.js
 */
import { join } from 'path';
import { Engine, Tensor } from '../lib';
import { collectCalibration, readCalibration } from '../lib/calibration/calibration-data';
import { TensorProbe } from '../lib/calibration/tensor-probe';
import { loadNpy } from '../lib/format/npy';
import { encodeModel } from '../lib/onnx/encode';
import { expectClose, ortEval } from './support/ort';

const MODEL = join(__dirname, 'fixtures', 'fashion-mnist', 'resnet-fmnist.onnx');
const images = loadNpy(join(__dirname, 'fixtures', 'fashion-mnist', 'calibration.npy'));

function sample(i: number): Record<string, Tensor> {
  const size = 28 * 28;
  return { input: new Tensor('float32', (images.data as Float32Array).slice(i * size, (i + 1) * size), [1, 1, 28, 28]) };
}

describe('calibration data', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await Engine.load(MODEL, { threads: 1 });
  });
  afterAll(() => engine.dispose());

  test('the fixture input is called "input"', () => {
    expect(engine.inputs.map((i) => i.name)).toEqual(['input']);
  });

  test('accepts arrays, generators and async generators', async () => {
    expect(await collectCalibration([sample(0), sample(1)], engine.inputs)).toHaveLength(2);
    function* gen() {
      for (let i = 0; i < 3; i++) yield sample(i);
    }
    expect(await collectCalibration(gen(), engine.inputs)).toHaveLength(3);
    async function* agen() {
      for (let i = 0; i < 4; i++) yield sample(i);
    }
    expect(await collectCalibration(agen(), engine.inputs)).toHaveLength(4);
  });

  test('an empty iterable is refused', async () => {
    await expect(collectCalibration([], engine.inputs)).rejects.toThrow('Expected at least one sample for options.calibration but received an empty iterable');
  });

  test('a wrong shape names the sample', async () => {
    const bad = { input: new Tensor('float32', new Float32Array(27 * 28), [1, 1, 27, 28]) };
    await expect(collectCalibration([sample(0), bad], engine.inputs)).rejects.toThrow(/^options\.calibration sample 1: Expected dims \[batch, 1, 28, 28\] for input "input"/);
  });

  test('NaN and Infinity name the sample, input and element', async () => {
    const s = sample(2);
    (s.input.data as Float32Array)[17] = NaN;
    await expect(collectCalibration([s], engine.inputs)).rejects.toThrow('options.calibration sample 0: Expected finite values for input "input" but received NaN at element 17');
    const t = sample(3);
    (t.input.data as Float32Array)[5] = -Infinity;
    await expect(collectCalibration([sample(0), t], engine.inputs)).rejects.toThrow(/sample 1: .* but received -Infinity at element 5/);
  });

  test('a missing input is refused', async () => {
    const gen = readCalibration([{} as Record<string, Tensor>], engine.inputs);
    await expect(gen.next()).rejects.toThrow(/^options\.calibration sample 0: Expected a Tensor for input "input"/);
  });
});

describe('TensorProbe', () => {
  test('returns intermediates equal to onnxruntime-node computing the same values', async () => {
    const engine = await Engine.load(MODEL, { threads: 1 });
    const source = engine.sourceGraph();
    engine.dispose();
    // Every Conv and Relu output: with BN folding and activation fusion, the Conv outputs survive only because they
    // are now graph outputs, so this also checks the passes keep probed values.
    const names = source.nodes.filter((n) => n.opType === 'Relu' || n.opType === 'Conv').map((n) => n.outputs[0]);
    expect(names.length).toBeGreaterThan(6);
    const probe = new TensorProbe(source, names, { threads: 1 });
    const feeds = sample(7);
    const ours = await probe.run(feeds);
    const sync = probe.runSync(feeds);
    probe.dispose();

    for (const name of names) source.outputs.push({ name, type: 'float32', shape: [], shapeUnknown: true });
    const ort = await ortEval(encodeModel(source), { input: { type: 'float32', dims: [1, 1, 28, 28], data: feeds.input.data as Float32Array } });
    for (const name of [...names, source.outputs[0].name]) {
      expect(ours[name]).toBeDefined();
      expectClose(name, ours[name], ort[name]);
      expect(Array.from(sync[name].data as Float32Array)).toEqual(Array.from(ours[name].data as Float32Array));
    }
  });

  test('probing a graph input returns the feed; an unknown name is refused', async () => {
    const engine = await Engine.load(MODEL, { threads: 1 });
    const source = engine.sourceGraph();
    engine.dispose();
    const probe = new TensorProbe(source, ['input']);
    const feeds = sample(1);
    expect((await probe.run(feeds)).input).toBe(feeds.input);
    probe.dispose();
    const bad = new TensorProbe(source, ['no_such_value']);
    await expect(bad.run(feeds)).rejects.toThrow('Expected the name of a value computed by the model for a probed tensor but received "no_such_value"');
  });
});
