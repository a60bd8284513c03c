/**
 * Adaptive resolution on the multi-scale exits fixture (trained at 16-28 px) over the 2000-image test subset: the
 * README claim that a threshold saves over half the MACs within one point of full-resolution top-1, with MACs per
 * size equal to the fixture's own count from training time (exits-metrics.json, all outputs).
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { Engine } from '../lib';
import { loadNpy } from '../lib/format/npy';
import { AdaptiveResolution } from '../lib/dynamic/adaptive-resolution';
import { chooseThreshold, profileResolutions, sweepThresholds } from '../lib/dynamic/adaptive-sweep';

const F = join(__dirname, 'fixtures', 'fashion-mnist');

test('exits-fmnist at 16/20/28: >= 50% fewer MACs within 1 point of full-resolution top-1', async () => {
  const engine = await Engine.load(join(F, 'exits-fmnist.onnx'), { threads: 1 });
  try {
    const metrics = JSON.parse(readFileSync(join(F, 'exits-metrics.json'), 'utf8')) as { macs: Record<string, { all_outputs: number }> };
    const adaptive = new AdaptiveResolution(engine, { sizes: [16, 20, 28], threshold: 1, output: 'logits' });
    expect(adaptive.macsPerSize).toEqual([16, 20, 28].map((s) => metrics.macs[String(s)].all_outputs));
    const images = loadNpy(join(F, 'test-images.npy')).data as Float32Array;
    const labels = Array.from(loadNpy(join(F, 'test-labels.npy')).data as ArrayLike<number | bigint>, Number);
    const samples = labels.map((_, i) => images.slice(i * 784, (i + 1) * 784));
    const profile = await profileResolutions(adaptive, samples, [1, 28, 28]);
    const rows = sweepThresholds(profile, adaptive.macsPerSize, ['16x16', '20x20', '28x28'], labels, [0.5, 0.6, 0.7, 0.8, 0.9]);
    const full = rows[2];
    expect(full.accuracy).toBeGreaterThan(85);
    const chosen = chooseThreshold(rows, 1);
    expect(chosen).toBeDefined();
    expect(chosen!.accuracy).toBeGreaterThanOrEqual(full.accuracy - 1);
    expect(chosen!.macSaving).toBeGreaterThanOrEqual(0.5);
  } finally {
    engine.dispose();
  }
});
