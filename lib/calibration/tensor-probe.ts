/**
 * Reads intermediate tensors of a model: an engine for the same graph with the requested values as extra outputs,
 * so one native call per sample returns them (calibration, pruning reconstruction, sensitivity).
 */
import { Engine, EngineOptions } from '../engine';
import type { Graph, ValueInfo } from '../ir/graph';
import { cloneGraph } from '../ir/graph-utils';
import { specialize } from '../passes/shape-inference';
import type { Tensor } from '../tensor';
import type { Feeds } from './calibration-data';

/** Types and ranks of every value of `g` for these input shapes (shape inference on a copy). */
function inferValues(g: Graph, feeds: Feeds): Map<string, ValueInfo> {
  const shapes = new Map(g.inputs.map((i) => [i.name, (feeds[i.name]?.dims ?? []).slice()]));
  const specialized = specialize(cloneGraph(g), shapes);
  const known = new Map<string, ValueInfo>(specialized.valueInfo);
  for (const v of [...specialized.inputs, ...specialized.outputs]) known.set(v.name, v);
  for (const [name, t] of specialized.initializers) known.set(name, { name, type: t.type, shape: t.dims.slice() });
  return known;
}

export class TensorProbe {
  private engine: Engine | undefined;

  /**
   * @param source a graph of standard ONNX ops (e.g. `engine.sourceGraph()`), not modified.
   * @param names values to return besides the model outputs; each must be produced by a node or be a graph input.
   */
  constructor(
    private readonly source: Graph,
    readonly names: readonly string[],
    private readonly options: EngineOptions = {},
  ) {}

  /** The model outputs plus every probed value for one sample. The engine is built on the first call. */
  async run(feeds: Feeds): Promise<Record<string, Tensor>> {
    const engine = this.engine ?? (this.engine = this.build(feeds));
    return this.withInputs(feeds, await engine.run(feeds));
  }

  /** Same as run, blocking. */
  runSync(feeds: Feeds): Record<string, Tensor> {
    const engine = this.engine ?? (this.engine = this.build(feeds));
    return this.withInputs(feeds, engine.runSync(feeds));
  }

  /** Probed graph inputs are the feeds themselves. */
  private withInputs(feeds: Feeds, result: Record<string, Tensor>): Record<string, Tensor> {
    for (const name of this.names) if (!(name in result) && name in feeds) result[name] = feeds[name];
    return result;
  }

  dispose(): void {
    this.engine?.dispose();
    this.engine = undefined;
  }

  private build(feeds: Feeds): Engine {
    const g = cloneGraph(this.source);
    const info = inferValues(g, feeds);
    const present = new Set([...g.outputs.map((o) => o.name), ...g.inputs.map((i) => i.name)]);
    for (const name of this.names) {
      if (present.has(name)) continue;
      const v = info.get(name);
      if (!v) throw new RangeError(`Expected the name of a value computed by the model for a probed tensor but received "${name}"`);
      if (g.initializers.has(name)) throw new RangeError(`Expected a computed value for a probed tensor but received the constant "${name}"`);
      g.outputs.push({ name, type: v.type, shape: v.shape.map(() => null) });
      present.add(name);
    }
    return Engine.fromGraph(g, this.options);
  }
}
