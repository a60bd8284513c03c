/** engine.sensitivity ranking and the mixed-precision budget of engine.quantize, on the MobileNet fixture with little data (runs the int8 engine). */
import { join } from 'path';
import { Engine, Tensor } from '../lib';
import { FASHION_DIR, IMAGE_SIZE, calibrationFeeds, quantizedConvs, testImages, testLabels as labels } from './support/fashion-mnist-quant';

/** Top-1 in % over the first `count` test images, one batch. */
async function top1(engine: Engine, count: number): Promise<number> {
  const { logits } = await engine.run({ input: new Tensor('float32', testImages.slice(0, count * IMAGE_SIZE), [count, 1, 28, 28]) });
  const l = logits.data as Float32Array;
  let ok = 0;
  for (let r = 0; r < count; r++) {
    let best = 0;
    for (let k = 1; k < 10; k++) if (l[r * 10 + k] > l[r * 10 + best]) best = k;
    if (best === Number(labels[r])) ok++;
  }
  return (100 * ok) / count;
}

describe('sensitivity and mixed precision', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await Engine.load(join(FASHION_DIR, 'mobilenet-fmnist.onnx'), { threads: 1 });
  });
  afterAll(() => engine.dispose());

  test('sensitivity: one entry per quantizable layer of the model, most sensitive first, every SQNR above 10 dB', async () => {
    const events: string[] = [];
    const layers = await engine.sensitivity(calibrationFeeds(8), { onProgress: (e) => events.push(e.phase) });
    const names = new Set(engine.sourceGraph().nodes.map((n) => n.name));
    expect(layers.length).toBeGreaterThan(20);
    for (const l of layers) {
      expect(names.has(l.node)).toBe(true);
      expect(l.sqnr).toBeGreaterThan(10);
    }
    for (let i = 1; i < layers.length; i++) expect(layers[i].sqnr).toBeGreaterThanOrEqual(layers[i - 1].sqnr);
    expect(events.filter((p) => p === 'calibrate').length).toBe(8);
    expect(events.filter((p) => p === 'sensitivity').length).toBe(layers.length);
  });

  test('maxDrop: layers go back to fp32 until the metric drop fits', async () => {
    const evaluate = (e: Engine) => top1(e, 200);
    const baseline = await evaluate(engine);
    const full = await engine.quantize({ calibration: calibrationFeeds(8), method: 'minmax', perChannel: false, biasCorrection: false });
    const fullDrop = baseline - (await evaluate(full));
    full.dispose();
    const mixed = await engine.quantize({ calibration: calibrationFeeds(8), method: 'minmax', perChannel: false, biasCorrection: false, maxDrop: 0, evaluate });
    expect(baseline - (await evaluate(mixed))).toBeLessThanOrEqual(0);
    if (fullDrop > 0) {
      // Something had to go back to fp32.
      expect(quantizedConvs(mixed.sourceGraph()).length).toBeLessThan(20);
    }
    mixed.dispose();
  });
});
