/**
 * Which Conv/Gemm/MatMul layers run faster in fp32 than in int8 on this CPU, from engine.profile() of both engines
 * run interleaved (e.g. a 1-input-channel stem conv, whose int8 im2col costs more than the fp32 direct kernel).
 */
import type { Engine } from '../engine';
import type { Feeds } from '../calibration/calibration-data';
import { median } from '../stats/percentiles';

const LAYER_OPS = new Set(['Conv', 'Gemm', 'MatMul']);

/** An int8 layer stays only if it beats fp32 by this share and this many ms (it also pays a Q/DQ boundary when fp32). */
const MARGIN_SHARE = 0.1;
const MARGIN_MS = 0.001;
const REWARM = 2;
const BURST = 4;

/**
 * Median ms per layer over profiled runs: each native op's time goes to the first layer name among the ONNX node
 * names it carries (fused ops are named "conv+relu+..."; int8 ops by their layer).
 */
function addProfile(engine: Engine, layers: ReadonlySet<string>, into: Map<string, number[]>, run: number): void {
  const sums = new Map<string, number>();
  for (const op of engine.profile()) {
    const layer = op.name.split('+').find((n) => layers.has(n));
    if (layer !== undefined) sums.set(layer, (sums.get(layer) ?? 0) + op.ms);
  }
  for (const [layer, ms] of sums) {
    let list = into.get(layer);
    if (!list) into.set(layer, (list = []));
    list[run] = ms;
  }
}

/**
 * Layer names of `float`'s source graph that ran slower in `int8` (the same model quantized) than in `float`, by
 * median per-layer time over `runs` interleaved batch-1 runs on `inputs`.
 */
export function floatFasterLayers(float: Engine, int8: Engine, inputs: readonly Feeds[], runs: number): string[] {
  const layers = new Set(float.sourceGraph().nodes.filter((n) => LAYER_OPS.has(n.opType)).map((n) => n.name));
  const times = [new Map<string, number[]>(), new Map<string, number[]>()];
  const engines = [float, int8];
  // Bursts as in timeEngines: each engine warm (its weights in cache) when profiled.
  for (let r = 0; r < runs; r += BURST) {
    engines.forEach((e, k) => {
      for (let w = 0; w < REWARM; w++) e.runSync(inputs[(r + w) % inputs.length]);
      for (let b = r; b < Math.min(runs, r + BURST); b++) {
        e.runSync(inputs[b % inputs.length]);
        addProfile(e, layers, times[k], b);
      }
    });
  }
  const slower: string[] = [];
  for (const [layer, q] of times[1]) {
    const f = times[0].get(layer);
    if (!f) continue;
    const mf = median(f.filter((x) => x !== undefined));
    const mq = median(q.filter((x) => x !== undefined));
    if (mq > mf * (1 + MARGIN_SHARE) + MARGIN_MS) slower.push(layer);
  }
  return slower;
}
