/**
 * The input rows X of prunable layers over calibration samples, as the kernels see them (im2col rows in K order for
 * convs, input rows for Gemm / MatMul), read through a TensorProbe one sample at a time so X is never stored whole.
 */
import type { Feeds } from '../calibration/calibration-data';
import { TensorProbe } from '../calibration/tensor-probe';
import type { EngineOptions } from '../engine';
import type { Graph } from '../ir/graph';
import type { Tensor } from '../tensor';
import { ConvWindow, PrunableLayer, layerK } from './prunable-layers';

/** Pads (begins then ends) of a conv window for this input size, auto_pad resolved. */
export function resolvePads(window: ConvWindow, spatial: readonly number[]): number[] {
  const rank = spatial.length;
  if (window.autoPad === 'VALID') return new Array(2 * rank).fill(0);
  if (window.autoPad !== 'SAME_UPPER' && window.autoPad !== 'SAME_LOWER') return window.pads;
  const pads = new Array(2 * rank).fill(0);
  for (let a = 0; a < rank; a++) {
    const out = Math.ceil(spatial[a] / window.strides[a]);
    const total = Math.max(0, (out - 1) * window.strides[a] + window.dilations[a] * (window.kernel[a] - 1) + 1 - spatial[a]);
    const small = Math.floor(total / 2);
    pads[a] = window.autoPad === 'SAME_UPPER' ? small : total - small;
    pads[a + rank] = total - pads[a];
  }
  return pads;
}

/**
 * im2col of one conv group: rows = (batch, output position), K = (tap, channel) with the channel fastest.
 * x is NCHW-style [N, C_total, ...spatial].
 */
export function im2col(x: Float32Array, dims: readonly number[], layer: PrunableLayer, group: number): { rows: Float64Array; count: number } {
  const window = layer.window as ConvWindow;
  const [batch, totalChannels, ...spatial] = dims;
  const rank = spatial.length;
  const pads = resolvePads(window, spatial);
  const outDims = spatial.map((s, a) => Math.floor((s + pads[a] + pads[a + rank] - window.dilations[a] * (window.kernel[a] - 1) - 1) / window.strides[a]) + 1);
  const positions = outDims.reduce((p, d) => p * d, 1);
  const spatialSize = spatial.reduce((p, d) => p * d, 1);
  const inStrides = spatial.map((_, a) => spatial.slice(a + 1).reduce((p, d) => p * d, 1));
  const c = layer.channels;
  const k = layerK(layer);
  const count = batch * positions;
  const rows = new Float64Array(count * k);
  // coord[a][o * kernel + t] = input index along axis a of output o, tap t; -1 in the padding.
  const coord = outDims.map((o, a) => {
    const table = new Int32Array(o * window.kernel[a]);
    for (let i = 0; i < o; i++) {
      for (let t = 0; t < window.kernel[a]; t++) {
        const at = i * window.strides[a] - pads[a] + t * window.dilations[a];
        table[i * window.kernel[a] + t] = at >= 0 && at < spatial[a] ? at : -1;
      }
    }
    return table;
  });
  const out = new Array(rank).fill(0);
  const tap = new Array(rank).fill(0);
  for (let b = 0; b < batch; b++) {
    const channelBase = (b * totalChannels + group * c) * spatialSize;
    out.fill(0);
    for (let p = 0; p < positions; p++) {
      const rowBase = (b * positions + p) * k;
      tap.fill(0);
      for (let t = 0; t < layer.taps; t++) {
        let offset = 0;
        for (let a = 0; a < rank; a++) {
          const at = coord[a][out[a] * window.kernel[a] + tap[a]];
          if (at < 0) {
            offset = -1;
            break;
          }
          offset += at * inStrides[a];
        }
        if (offset >= 0) {
          const dst = rowBase + t * c;
          for (let ch = 0; ch < c; ch++) rows[dst + ch] = x[channelBase + ch * spatialSize + offset];
        }
        for (let a = rank - 1; a >= 0 && ++tap[a] === window.kernel[a]; a--) tap[a] = 0;
      }
      for (let a = rank - 1; a >= 0 && ++out[a] === outDims[a]; a--) out[a] = 0;
    }
  }
  return { rows, count };
}

/** Rows of one group of a layer's input tensor (Gemm / MatMul: the tensor itself, [..., K]). */
export function layerRows(layer: PrunableLayer, value: Tensor, group: number): { rows: ArrayLike<number>; count: number } {
  const data = value.data as Float32Array;
  if (layer.kind === 'conv') return im2col(data, value.dims, layer, group);
  return { rows: data, count: data.length / layer.channels };
}

/** Receives the rows of one group of one layer for one sample, one row set per probed graph (same count each). */
export type LayerRowsVisitor = (layerIndex: number, group: number, rows: ArrayLike<number>[], count: number) => void;

/**
 * Runs each of `graphs` (variants of one model: the dense original, the partly pruned one) on every sample and hands
 * each layer's input rows (per group) to `visit`; one native run per graph and sample returns all the layers' inputs.
 */
export function visitLayerInputs(graphs: readonly Graph[], layers: readonly PrunableLayer[], samples: readonly Feeds[], engineOptions: EngineOptions, visit: LayerRowsVisitor): void {
  const names = [...new Set(layers.map((l) => l.input))];
  const probes = graphs.map((g) => new TensorProbe(g, names, engineOptions));
  try {
    for (const feeds of samples) {
      const values: Record<string, Tensor>[] = [];
      // Synchronous runs: the native work per sample is tiny next to a worker hand-off, and the JS math blocks anyway.
      for (const probe of probes) values.push(probe.runSync(feeds));
      layers.forEach((layer, i) => {
        for (let g = 0; g < layer.groups; g++) {
          const rows = values.map((v) => layerRows(layer, v[layer.input], g));
          visit(i, g, rows.map((r) => r.rows), rows[0].count);
        }
      });
    }
  } finally {
    for (const probe of probes) probe.dispose();
  }
}
