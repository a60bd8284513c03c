/** engine.quantize / engine.sensitivity options and data errors, exclusion, on the ResNet fixture with little data. */
import { join } from 'path';
import { Engine, Tensor } from '../lib';
import { FASHION_DIR, IMAGE_SIZE, calibrationFeeds, quantizedConvs } from './support/fashion-mnist-quant';

describe('engine.quantize options and data', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await Engine.load(join(FASHION_DIR, 'resnet-fmnist.onnx'), { threads: 1 });
  });
  afterAll(() => engine.dispose());

  const data = calibrationFeeds(2);

  test('bad options are TypeError / RangeError naming the option', async () => {
    await expect(engine.quantize(undefined as never)).rejects.toThrow(new TypeError('Expected an options object with a calibration iterable for options but received undefined'));
    await expect(engine.quantize({ calibration: 5 as never })).rejects.toThrow(TypeError);
    await expect(engine.quantize({ calibration: data, method: 'kl' as never })).rejects.toThrow(new RangeError('Expected one of minmax, percentile, entropy, mse for options.method but received "kl"'));
    await expect(engine.quantize({ calibration: data, perChannel: 'yes' as never })).rejects.toThrow(new TypeError('Expected true, false or "auto" for options.perChannel but received "yes"'));
    await expect(engine.quantize({ calibration: data, equalize: 1 as never })).rejects.toThrow(new TypeError('Expected a boolean for options.equalize but received 1'));
    await expect(engine.quantize({ calibration: data, exclude: ['/no/such/Conv'] })).rejects.toThrow(new RangeError('Expected the name or op type of a node of the model for options.exclude[0] but received "/no/such/Conv"'));
    await expect(engine.quantize({ calibration: data, exclude: 'Conv' as never })).rejects.toThrow(TypeError);
    await expect(engine.quantize({ calibration: data, maxDrop: 1 })).rejects.toThrow(new TypeError('Expected a function (engine) => metric, which options.maxDrop needs for options.evaluate but received undefined'));
    await expect(engine.quantize({ calibration: data, maxDrop: -1, evaluate: () => 1 })).rejects.toThrow(RangeError);
    await expect(engine.quantize({ calibration: data, onProgress: 3 as never })).rejects.toThrow(new TypeError('Expected a function for options.onProgress but received 3'));
    await expect(engine.quantize({ calibration: data, percentile: 20 })).rejects.toThrow(new RangeError('Expected a number in (50, 100] for options.percentile but received 20'));
  });

  test('bad calibration data: empty, wrong shape, NaN', async () => {
    await expect(engine.quantize({ calibration: [] })).rejects.toThrow(new RangeError('Expected at least one sample for options.calibration but received an empty iterable'));
    const wrong = [{ input: new Tensor('float32', new Float32Array(27 * 28), [1, 1, 27, 28]) }];
    await expect(engine.quantize({ calibration: wrong })).rejects.toThrow(/options\.calibration sample 0/);
    const nan = new Float32Array(IMAGE_SIZE);
    nan[5] = NaN;
    await expect(engine.quantize({ calibration: [...data, { input: new Tensor('float32', nan, [1, 1, 28, 28]) }] })).rejects.toThrow(
      new RangeError('options.calibration sample 2: Expected finite values for input "input" but received NaN at element 5'),
    );
  });

  test('an async iterable streams; excluded nodes stay fp32; the original engine is untouched', async () => {
    async function* stream() {
      for (const s of calibrationFeeds(4)) yield s;
    }
    const all = quantizedConvs((await engine.quantize({ calibration: stream(), method: 'minmax' })).sourceGraph());
    expect(all.length).toBe(16);
    const keep = '/blocks/blocks.0/conv1/Conv';
    const q = await engine.quantize({ calibration: calibrationFeeds(4), exclude: [keep, 'Gemm'] });
    const g = q.sourceGraph();
    expect(quantizedConvs(g)).toEqual(all.filter((n) => n !== keep));
    const conv = g.nodes.find((n) => n.name === keep)!;
    expect(g.initializers.get(conv.inputs[1])?.type).toBe('float32');
    const gemm = g.nodes.find((n) => n.opType === 'Gemm')!;
    expect(g.initializers.get(gemm.inputs[1])?.type).toBe('float32');
    expect(engine.sourceGraph().nodes.some((n) => n.opType === 'QuantizeLinear')).toBe(false);
    q.dispose();
  });
});
