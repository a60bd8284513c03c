/** A model with a fixed image size made to accept any height and width (for CNNs that end in a global pool). */
import { Engine } from '../engine';
import { expected } from '../errors';

/**
 * A new engine running the same model with its one NCHW input's height and width symbolic; `engine` is untouched.
 * Plans are then compiled per input size. Models whose layers need the trained size (a Flatten straight into a
 * Gemm, say) fail when a plan for another size is compiled.
 * @throws TypeError for something that is not an Engine, RangeError for a model without one rank-4 input.
 */
export function withFreeImageSize(engine: Engine): Engine {
  if (!(engine instanceof Engine)) throw new TypeError(expected('an Engine', 'engine', engine));
  const g = engine.sourceGraph();
  if (g.inputs.length !== 1 || g.inputs[0].shapeUnknown || g.inputs[0].shape.length !== 4) {
    throw new RangeError(expected('a model with one NCHW input', 'engine', g.inputs.map((i) => `${i.name} [${i.shape.join(', ')}]`).join(', ')));
  }
  const x = g.inputs[0];
  x.shape = [x.shape[0], x.shape[1], `${x.name}_height`, `${x.name}_width`];
  // shapes recorded for the trained size would contradict the new ones
  g.valueInfo = new Map();
  return Engine.fromGraph(g, engine.engineOptions());
}
