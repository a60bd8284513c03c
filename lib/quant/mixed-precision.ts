/**
 * Mixed precision under an accuracy budget: when the fully quantized model drops more than `maxDrop`, layers go back
 * to fp32 most sensitive first (lowest output SQNR when quantized alone) until the drop fits.
 */
import { Engine } from '../engine';
import type { Feeds, ProgressCallback } from '../calibration/calibration-data';
import { CalibratedModel, QdqSettings, buildQdqGraph } from './quantize-model';
import type { EvaluateFunction } from './quantize-options';
import { sweepLayers } from './sensitivity';

export interface MixedPrecisionRequest {
  engine: Engine;
  model: CalibratedModel;
  samples: readonly Feeds[];
  settings: QdqSettings;
  maxDrop: number;
  evaluate: EvaluateFunction;
  onProgress?: ProgressCallback;
}

/** The quantized engine with the fewest fp32 layers (greedy, by sensitivity) whose metric drop is within budget. */
export async function chooseFloatLayers(request: MixedPrecisionRequest): Promise<Engine> {
  const { engine, model, settings, evaluate, maxDrop } = request;
  const options = engine.engineOptions();
  const baseline = await evaluate(engine);
  let candidate = Engine.fromGraph(buildQdqGraph(model, settings), options);
  if (baseline - (await evaluate(candidate)) <= maxDrop) return candidate;
  const ranking = await sweepLayers({ engine, model, samples: request.samples, perChannel: settings.perChannel, biasCorrection: settings.biasCorrection, onProgress: request.onProgress });
  const keepFloat = new Set<string>();
  for (const layer of ranking) {
    keepFloat.add(layer.node);
    candidate.dispose();
    candidate = Engine.fromGraph(buildQdqGraph(model, { ...settings, keepFloat }), options);
    const drop = baseline - (await evaluate(candidate));
    request.onProgress?.({ phase: 'mixed-precision', done: keepFloat.size, total: ranking.length });
    if (drop <= maxDrop) break;
  }
  return candidate;
}
