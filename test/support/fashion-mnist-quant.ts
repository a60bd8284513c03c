/** Fashion-MNIST fixture data for the quantization tests: calibration feeds, test images and labels, which Convs got int8 weights. */
import { join } from 'path';
import { Tensor } from '../../lib';
import { loadNpy } from '../../lib/format/npy';
import type { Graph } from '../../lib/ir/graph';

export const FASHION_DIR = join(__dirname, '..', 'fixtures', 'fashion-mnist');
export const IMAGE_SIZE = 28 * 28;
const calibrationImages = loadNpy(join(FASHION_DIR, 'calibration.npy')).data as Float32Array;
export const testImages = loadNpy(join(FASHION_DIR, 'test-images.npy')).data as Float32Array;
export const testLabels = loadNpy(join(FASHION_DIR, 'test-labels.npy')).data as BigInt64Array;

/** The first `count` calibration images as batch-1 feeds. */
export function calibrationFeeds(count: number): Record<string, Tensor>[] {
  const out: Record<string, Tensor>[] = [];
  for (let i = 0; i < count; i++) out.push({ input: new Tensor('float32', calibrationImages.slice(i * IMAGE_SIZE, (i + 1) * IMAGE_SIZE), [1, 1, 28, 28]) });
  return out;
}

/** Names of the Convs whose weights come through a DequantizeLinear (int8). */
export function quantizedConvs(g: Graph): string[] {
  return g.nodes.filter((n) => n.opType === 'Conv' && g.nodes.some((p) => p.opType === 'DequantizeLinear' && p.outputs[0] === n.inputs[1])).map((n) => n.name);
}
