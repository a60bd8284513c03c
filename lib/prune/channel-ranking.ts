/** Which channels of a group to keep: by the L1 norm of their weights, or by ThiNet's greedy choice on calibration data. */
import type { Feeds } from '../calibration/calibration-data';
import { TensorProbe } from '../calibration/tensor-probe';
import type { EngineOptions } from '../engine';
import type { Graph } from '../ir/graph';
import type { ChannelAnalysis, ChannelConsumer, ChannelGroup } from './channel-groups';
import { SampleRandom, convGeometry, gatherPatch, weightRows } from './conv-patches';

/**
 * How many of `size` channels stay when removing `ratio` of them: a multiple of `align` nearest to
 * size x (1 − ratio), at least `align`, in groups of at least 2 x align channels (kernels compute output channels in
 * 4/8/16-wide vectors, so a partial vector costs a whole one); narrower groups round to a multiple of 4 (at least 4),
 * and groups under 8 channels to the nearest count, at least 1.
 */
export function keptChannelCount(size: number, ratio: number, align = 4): number {
  const target = size * (1 - ratio);
  if (size < 8) return Math.min(size, Math.max(1, Math.round(target)));
  const step = size >= 2 * align ? align : 4;
  return Math.min(size, Math.max(step, Math.round(target / step) * step));
}

/** Sum over the group's producers of the L1 norm of each output channel's weights. */
export function l1Scores(g: Graph, group: ChannelGroup): Float64Array {
  const scores = new Float64Array(group.size);
  for (const p of group.producers) {
    const w = g.initializers.get(p.node.inputs[1])!;
    const { rows, cols, data } = weightRows(p.node, w);
    for (let o = 0; o < rows; o++) {
      let s = 0;
      for (let i = 0; i < cols; i++) s += Math.abs(data[o * cols + i]);
      scores[o] += s;
    }
  }
  return scores;
}

/** The `count` channels with the largest scores, ascending. */
export function topChannels(scores: ArrayLike<number>, count: number): number[] {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  return order.slice(0, count).sort((a, b) => a - b);
}

/**
 * ThiNet: sampled outputs of every consumer of the group are written as sums of per-channel contributions;
 * channels are removed greedily, each time the one whose contribution added to those already removed changes the
 * sampled outputs least (squared error). Returns the kept channels per group, ascending.
 */
export async function thinetKeep(
  g: Graph,
  analysis: ChannelAnalysis,
  targets: ReadonlyMap<number, number>,
  samples: readonly Feeds[],
  engineOptions: EngineOptions,
  rowsPerGroup = 8192,
): Promise<Map<number, number[]>> {
  if (samples.length === 0) throw new RangeError('Expected calibration samples for ranking "thinet" but received none');
  const consumersOf = new Map<number, ChannelConsumer[]>();
  for (const c of analysis.consumers) {
    for (const s of c.layout) if (targets.has(s.group)) consumersOf.set(s.group, [...(consumersOf.get(s.group) ?? []), c]);
  }
  const involved = [...new Set([...consumersOf.values()].flat())];
  const items = samples.reduce((n, s) => n + (Object.values(s)[0]?.dims[0] ?? 1), 0);
  // rows[group] = list of contribution vectors (one value per channel of the group).
  const rows = new Map<number, Float64Array[]>([...targets.keys()].map((id) => [id, []]));
  const probe = new TensorProbe(g, [...new Set(involved.map((c) => c.node.inputs[0]))], engineOptions);
  const random = new SampleRandom(0x7417e7);
  try {
    for (const feeds of samples) {
      const r = await probe.run(feeds);
      for (const c of involved) {
        const x = r[c.node.inputs[0]];
        const w = g.initializers.get(c.node.inputs[1])!;
        const weights = weightRows(c.node, w);
        const groupsHere = c.layout.filter((s) => targets.has(s.group));
        const perItem = Math.max(1, Math.ceil(rowsPerGroup / (items * consumersOf.get(groupsHere[0].group)!.length)));
        const yDims = analysisShape(analysis, c.node.outputs[0]);
        const geo = c.kind === 'conv' ? convGeometry(c.node, x.dims, [x.dims[0], ...yDims.slice(1)], w.dims) : undefined;
        if (c.kind === 'conv' && !geo) continue;
        const pixels = geo ? geo.outHeight * geo.outWidth : 1;
        const patch = new Float64Array(weights.cols);
        const xData = x.data as Float32Array;
        for (let b = 0; b < x.dims[0]; b++) {
          for (let t = 0; t < perItem; t++) {
            const p = random.below(pixels);
            const o = random.below(weights.rows);
            if (geo) gatherPatch(xData, geo, b, Math.floor(p / geo.outWidth), p % geo.outWidth, patch);
            else for (let i = 0; i < weights.cols; i++) patch[i] = xData[b * weights.cols + i];
            // Position along the consumer's input axis → (segment, channel): the conv's kernel taps follow each channel.
            const taps = weights.cols / c.layout.reduce((n, s) => n + s.channels * s.inner, 0);
            let offset = 0;
            for (const s of c.layout) {
              const span = s.inner * taps;
              if (targets.has(s.group)) {
                const z = new Float64Array(s.channels);
                for (let ch = 0; ch < s.channels; ch++) {
                  let sum = 0;
                  const start = offset + ch * span;
                  for (let i = start; i < start + span; i++) sum += weights.data[o * weights.cols + i] * patch[i];
                  z[ch] = sum;
                }
                rows.get(s.group)!.push(z);
              }
              offset += s.channels * span;
            }
          }
        }
      }
    }
  } finally {
    probe.dispose();
  }
  const keep = new Map<number, number[]>();
  for (const [id, count] of targets) keep.set(id, greedyKeep(rows.get(id)!, analysis.groups.get(id)!.size, count));
  return keep;
}

function analysisShape(analysis: ChannelAnalysis, name: string): number[] {
  const dims = analysis.shapes.get(name);
  if (!dims) throw new Error(`no shape known for '${name}'`);
  return dims;
}

/** ThiNet's greedy removal on contribution rows; returns the `count` channels kept, ascending. */
export function greedyKeep(rows: readonly Float64Array[], size: number, count: number): number[] {
  const removed = new Set<number>();
  const acc = new Float64Array(rows.length);
  while (size - removed.size > count) {
    let best = -1;
    let bestError = Infinity;
    for (let c = 0; c < size; c++) {
      if (removed.has(c)) continue;
      let e = 0;
      for (let r = 0; r < rows.length; r++) {
        const v = acc[r] + rows[r][c];
        e += v * v;
      }
      if (e < bestError) {
        bestError = e;
        best = c;
      }
    }
    removed.add(best);
    for (let r = 0; r < rows.length; r++) acc[r] += rows[r][best];
  }
  return Array.from({ length: size }, (_, i) => i).filter((c) => !removed.has(c));
}
