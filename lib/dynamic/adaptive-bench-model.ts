/** The Fashion-MNIST model the adaptive-resolution benchmark and README table measure: the multi-scale exits fixture when present. */
import { existsSync } from 'fs';
import * as path from 'path';
import { Engine } from '../engine';
import { withFreeImageSize } from './adaptive-free-size';

export interface AdaptiveBenchModel {
  engine: Engine;
  /** Fixture file name. */
  name: string;
  /** True for a model trained at random scales (exits-fmnist), false for the 28x28-only ResNet made size-free. */
  multiScale: boolean;
  output: string;
}

/**
 * exits-fmnist.onnx (trained at 16-28 px, judged on its final 'logits') when committed, else resnet-fmnist.onnx with
 * free height and width: trained at 28 px only, so small sizes are much less accurate.
 */
export async function loadAdaptiveBenchModel(fixtures: string, threads = 1): Promise<AdaptiveBenchModel> {
  const exits = path.join(fixtures, 'exits-fmnist.onnx');
  if (existsSync(exits)) {
    const engine = await Engine.load(exits, { threads });
    return { engine: engine.inputs[0].shape.every((d) => typeof d === 'number') ? freed(engine) : engine, name: 'exits-fmnist', multiScale: true, output: 'logits' };
  }
  return { engine: freed(await Engine.load(path.join(fixtures, 'resnet-fmnist.onnx'), { threads })), name: 'resnet-fmnist', multiScale: false, output: 'logits' };
}

function freed(engine: Engine): Engine {
  try {
    return withFreeImageSize(engine);
  } finally {
    engine.dispose();
  }
}
