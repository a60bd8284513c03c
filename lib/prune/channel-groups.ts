/**
 * Which channels of a graph are tied together: a removable output channel of a conv/gemm takes its bias, the
 * per-channel ops after it (activations, BN, depthwise convs, per-channel constants), the matching inputs of every
 * consumer (through Concat offsets and Flatten columns) and every tensor summed or multiplied with it (residual Adds,
 * squeeze-excite Muls) along. Each such set is a channel group (one shared keep-mask).
 */
import type { Graph, Node, TensorValue } from '../ir/graph';
import { specialize } from '../passes/shape-inference';

/** `channels` consecutive channels of one group along axis 1; each spans `inner` consecutive positions (Flatten). */
export interface ChannelSegment {
  group: number;
  channels: number;
  inner: number;
}

/** Axis 1 of a tensor as a concatenation of group segments. */
export type ChannelLayout = ChannelSegment[];

/** A node whose output channels define a group: Conv (W axis 0), Gemm (B's N axis), MatMul (B axis 1). */
export interface ChannelProducer {
  node: Node;
  kind: 'conv' | 'gemm' | 'matmul';
}

/** A node reducing over its input channels: its weights' input axis follows `layout`. */
export interface ChannelConsumer {
  node: Node;
  kind: 'conv' | 'gemm' | 'matmul';
  layout: ChannelLayout;
}

/** A constant input of a node with one value per channel along `axis` (depthwise weights and bias, BN, PRelu, Mul by a constant ...). */
export interface ChannelParameter {
  node: Node;
  inputIndex: number;
  axis: number;
  layout: ChannelLayout;
}

/** A node attribute or constant that states a channel count (depthwise `group`, a Reshape target's axis 1 over `layout`). */
export interface ChannelCount {
  node: Node;
  kind: 'group' | 'reshape';
  layout: ChannelLayout;
}

export interface ChannelGroup {
  id: number;
  size: number;
  producers: ChannelProducer[];
  /** Why the group must keep every channel (model input/output, excluded layer, an op that mixes channels ...). */
  fixed?: string;
  /** A residual stream: computed values with these channels are summed (Add/Sub), e.g. a ResNet stage. */
  residual?: boolean;
}

export interface ChannelAnalysis {
  /** Groups by id (only the final, merged ones). */
  groups: Map<number, ChannelGroup>;
  consumers: ChannelConsumer[];
  parameters: ChannelParameter[];
  counts: ChannelCount[];
  /** Layout of every value that has one (NCHW axis 1 or the columns of a rank-2 value). */
  layouts: Map<string, ChannelLayout>;
  /** Concrete shapes for batch 1. */
  shapes: Map<string, number[]>;
}

/** Ops that keep axis 1 as it is and treat every channel alike (elementwise, pooling, resizing). */
const CHANNEL_PRESERVING = new Set([
  'Relu', 'LeakyRelu', 'PRelu', 'Clip', 'HardSwish', 'HardSigmoid', 'Sigmoid', 'Tanh', 'Elu', 'Selu', 'Celu', 'Gelu', 'Mish',
  'Softplus', 'Softsign', 'ThresholdedRelu', 'Exp', 'Log', 'Abs', 'Neg', 'Sqrt', 'Reciprocal', 'Erf', 'Floor', 'Ceil',
  'Round', 'Sign', 'Identity', 'Dropout', 'Cast', 'MaxPool', 'AveragePool', 'LpPool', 'GlobalAveragePool', 'GlobalMaxPool',
  'GlobalLpPool', 'Resize', 'Upsample', 'Pad', 'ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceSum', 'Squeeze', 'Unsqueeze',
]);
const ELEMENTWISE_BINARY = new Set(['Add', 'Sub', 'Mul', 'Div', 'Max', 'Min', 'PRelu']);
/** Per-channel normalizations: inputs 1.. are per-channel constants. */
const PER_CHANNEL_NORM = new Set(['BatchNormalization', 'InstanceNormalization']);

function attr(node: Node, name: string): number | number[] | string | undefined {
  const a = node.attrs[name];
  if (!a) return undefined;
  if (a.kind === 'int' || a.kind === 'float' || a.kind === 'string' || a.kind === 'ints' || a.kind === 'floats') return a.value;
  return undefined;
}

function attrNum(node: Node, name: string, fallback: number): number {
  const v = attr(node, name);
  return typeof v === 'number' ? v : fallback;
}

/** Union-find over group ids with a size and a fixed reason per root. */
class Groups {
  private parent: number[] = [];
  readonly size: number[] = [];
  readonly fixed: (string | undefined)[] = [];
  readonly producers: ChannelProducer[][] = [];
  readonly residual: boolean[] = [];

  create(size: number, fixed?: string): number {
    const id = this.parent.length;
    this.parent.push(id);
    this.size.push(size);
    this.fixed.push(fixed);
    this.producers.push([]);
    this.residual.push(false);
    return id;
  }

  find(id: number): number {
    while (this.parent[id] !== id) {
      this.parent[id] = this.parent[this.parent[id]];
      id = this.parent[id];
    }
    return id;
  }

  fix(id: number, reason: string): void {
    const r = this.find(id);
    if (this.fixed[r] === undefined) this.fixed[r] = reason;
  }

  union(a: number, b: number, why: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return;
    this.parent[rb] = ra;
    this.producers[ra].push(...this.producers[rb]);
    this.residual[ra] = this.residual[ra] || this.residual[rb];
    this.fixed[ra] = this.fixed[ra] ?? this.fixed[rb];
    if (this.size[ra] !== this.size[rb]) this.fixed[ra] = this.fixed[ra] ?? `${why}: channel counts ${this.size[ra]} and ${this.size[rb]} differ`;
  }
}

function sameSegmentation(a: ChannelLayout, b: ChannelLayout): boolean {
  return a.length === b.length && a.every((s, i) => s.channels === b[i].channels && s.inner === b[i].inner);
}

/** Total length of axis 1 described by a layout. */
export function layoutLength(layout: ChannelLayout): number {
  return layout.reduce((n, s) => n + s.channels * s.inner, 0);
}

/** Shapes of every value for batch 1 (symbolic dims other than the first are refused by shape inference). */
function inferShapes(g: Graph): Map<string, number[]> {
  const inputShapes = new Map(g.inputs.map((v) => [v.name, v.shape.map((d, i) => (typeof d === 'number' ? d : i === 0 ? 1 : NaN))]));
  for (const [name, dims] of inputShapes) {
    if (dims.some((d) => Number.isNaN(d))) throw new RangeError(`Expected static dims after the batch dim for input "${name}" but received [${dims.join(', ')}]`);
  }
  const s = specialize(g, inputShapes);
  const shapes = new Map<string, number[]>();
  for (const [name, v] of s.valueInfo) shapes.set(name, v.shape as number[]);
  for (const [name, t] of g.initializers) shapes.set(name, t.dims.slice());
  return shapes;
}

/**
 * Finds the channel groups of a graph of standard ONNX ops (BN may be folded or not).
 * @param exclude node names whose output channels must all stay.
 */
export function analyzeChannels(g: Graph, exclude: ReadonlySet<string> = new Set()): ChannelAnalysis {
  const shapes = inferShapes(g);
  const groups = new Groups();
  const layouts = new Map<string, ChannelLayout>();
  const consumers: ChannelConsumer[] = [];
  const parameters: ChannelParameter[] = [];
  const counts: ChannelCount[] = [];
  const constant = (name: string): TensorValue | undefined => (name ? g.initializers.get(name) : undefined);

  const fixLayout = (layout: ChannelLayout | undefined, reason: string) => {
    for (const s of layout ?? []) groups.fix(s.group, reason);
  };
  /** A fresh single-group layout for a value (fixed when `fixed` is given). */
  const fresh = (name: string, fixed?: string): ChannelLayout | undefined => {
    const dims = shapes.get(name);
    if (!dims || dims.length < 2) return undefined;
    const layout = [{ group: groups.create(dims[1], fixed), channels: dims[1], inner: 1 }];
    layouts.set(name, layout);
    return layout;
  };
  const opaque = (node: Node, why: string) => {
    for (const i of node.inputs) if (i && !g.initializers.has(i)) fixLayout(layouts.get(i), why);
    for (const o of node.outputs) if (o) fresh(o, why);
  };

  for (const v of g.inputs) fresh(v.name, `model input "${v.name}"`);

  for (const node of g.nodes) {
    const why = `${node.opType} node '${node.name}'`;
    const x = node.inputs[0] ? layouts.get(node.inputs[0]) : undefined;
    const y = node.outputs[0];
    if (node.domain !== '') {
      opaque(node, why);
      continue;
    }
    const xDims = shapes.get(node.inputs[0] ?? '');
    const yDims = shapes.get(y);
    switch (node.opType) {
      case 'Conv': {
        const w = constant(node.inputs[1]);
        const biasName = node.inputs[2] ?? '';
        const group = attrNum(node, 'group', 1);
        if (!x || !w || !xDims || (biasName && !constant(biasName)) || w.type !== 'float32') {
          opaque(node, `${why} with computed weights`);
          break;
        }
        const cIn = xDims[1];
        if (group === 1) {
          consumers.push({ node, kind: 'conv', layout: x });
          const out = fresh(y, exclude.has(node.name) ? `excluded layer '${node.name}'` : undefined)!;
          groups.producers[out[0].group].push({ node, kind: 'conv' });
        } else if (group === cIn && w.dims[0] === cIn && w.dims[1] === 1 && x.every((s) => s.inner === 1)) {
          // Depthwise: channel c in is channel c out.
          layouts.set(y, x);
          parameters.push({ node, inputIndex: 1, axis: 0, layout: x });
          if (biasName) parameters.push({ node, inputIndex: 2, axis: 0, layout: x });
          counts.push({ node, kind: 'group', layout: x });
          if (exclude.has(node.name)) fixLayout(x, `excluded layer '${node.name}'`);
        } else {
          opaque(node, `grouped ${why}`);
        }
        break;
      }
      case 'Gemm':
      case 'MatMul': {
        const b = constant(node.inputs[1]);
        const cName = node.opType === 'Gemm' ? node.inputs[2] ?? '' : '';
        const transA = node.opType === 'Gemm' ? attrNum(node, 'transA', 0) : 0;
        if (!x || !b || b.dims.length !== 2 || !xDims || xDims.length !== 2 || transA !== 0 || (cName && !constant(cName)) || b.type !== 'float32') {
          opaque(node, why);
          break;
        }
        const kind = node.opType === 'Gemm' ? 'gemm' : 'matmul';
        consumers.push({ node, kind, layout: x });
        const out = fresh(y, exclude.has(node.name) ? `excluded layer '${node.name}'` : undefined)!;
        groups.producers[out[0].group].push({ node, kind });
        break;
      }
      case 'Concat': {
        const rank = yDims?.length ?? 0;
        let axis = attrNum(node, 'axis', 0);
        if (axis < 0) axis += rank;
        const parts = node.inputs.map((i) => layouts.get(i));
        if (axis !== 1 || parts.some((p) => !p) || node.inputs.some((i) => g.initializers.has(i))) {
          opaque(node, why);
          break;
        }
        layouts.set(y, parts.flatMap((p) => p!));
        break;
      }
      case 'Flatten':
      case 'Reshape': {
        if (!x || !xDims || !yDims) {
          opaque(node, why);
          break;
        }
        const inner = xDims.slice(2).reduce((a, b) => a * b, 1);
        const flat = yDims.length === 2 && yDims[0] === xDims[0] && yDims[1] === xDims.slice(1).reduce((a, b) => a * b, 1);
        const axisOk = node.opType === 'Flatten' ? attrNum(node, 'axis', 1) === 1 : true;
        if (flat && axisOk) {
          const flattened = x.map((s) => ({ ...s, inner: s.inner * inner }));
          layouts.set(y, flattened);
          if (node.opType === 'Reshape') counts.push({ node, kind: 'reshape', layout: flattened });
        } else if (node.opType === 'Reshape' && yDims.length === xDims.length && yDims.every((d, i) => d === xDims[i])) {
          layouts.set(y, x);
        } else {
          opaque(node, why);
        }
        break;
      }
      default: {
        if (PER_CHANNEL_NORM.has(node.opType)) {
          const params = node.inputs.slice(1).filter((i) => i);
          if (!x || !x.every((s) => s.inner === 1) || params.some((p) => !constant(p)) || node.outputs.filter((o) => o).length !== 1) {
            opaque(node, why);
            break;
          }
          layouts.set(y, x);
          node.inputs.forEach((name, i) => {
            if (i > 0 && name) parameters.push({ node, inputIndex: i, axis: 0, layout: x });
          });
          break;
        }
        if (ELEMENTWISE_BINARY.has(node.opType)) {
          if (!elementwise(node)) opaque(node, why);
          break;
        }
        if (CHANNEL_PRESERVING.has(node.opType)) {
          const extraComputed = node.inputs.slice(1).some((i) => i && !g.initializers.has(i));
          const keepsAxis = xDims && yDims && yDims.length >= 2 && xDims.length >= 2 && yDims[0] === xDims[0] && yDims[1] === xDims[1];
          const onlyFirstOutput = node.outputs.slice(1).every((o) => !o || (node.opType === 'Dropout' && !g.outputs.some((v) => v.name === o)));
          const padOk = node.opType !== 'Pad' || padsKeepChannels(node);
          const squeezeOk = !['Squeeze', 'Unsqueeze', 'ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceSum'].includes(node.opType) || axesKeepChannels(node, xDims?.length ?? 0, yDims?.length ?? 0);
          if (!x || extraComputed || !keepsAxis || !onlyFirstOutput || !padOk || !squeezeOk || (x.some((s) => s.inner !== 1) && xDims!.length !== yDims!.length)) {
            opaque(node, why);
            break;
          }
          layouts.set(y, x);
          break;
        }
        opaque(node, why);
      }
    }
  }
  for (const v of g.outputs) fixLayout(layouts.get(v.name), `model output "${v.name}"`);

  /** Binary elementwise op: ties computed operands with channels, records per-channel constants. */
  function elementwise(node: Node): boolean {
    const yDims = shapes.get(node.outputs[0]);
    if (!yDims || yDims.length < 2) return false;
    const rank = yDims.length;
    const c = yDims[1];
    let out: ChannelLayout | undefined;
    const constants: { index: number; axis: number }[] = [];
    for (let i = 0; i < node.inputs.length; i++) {
      const name = node.inputs[i];
      const dims = shapes.get(name);
      if (!dims) return false;
      const axis = 1 - (rank - dims.length);
      const hasChannels = axis >= 0 && dims[axis] === c && c !== 1;
      if (g.initializers.has(name)) {
        if (hasChannels) constants.push({ index: i, axis });
        else if (axis >= 0 && dims[axis] !== 1) return false;
        continue;
      }
      if (!hasChannels) {
        if (axis >= 0 && dims[axis] !== 1) return false;
        continue;
      }
      const layout = layouts.get(name);
      if (!layout || dims.length !== rank) return false;
      if (!out) out = layout;
      else if (!sameSegmentation(out, layout)) return false;
      else {
        out.forEach((s, k) => {
          groups.union(s.group, layout[k].group, `${node.opType} node '${node.name}'`);
          if (node.opType === 'Add' || node.opType === 'Sub') groups.residual[groups.find(s.group)] = true;
        });
      }
    }
    if (!out) return false;
    layouts.set(node.outputs[0], out);
    for (const { index, axis } of constants) parameters.push({ node, inputIndex: index, axis, layout: out });
    return true;
  }

  function padsKeepChannels(node: Node): boolean {
    const pads = constant(node.inputs[1] ?? '');
    const values = pads ? Array.from(pads.data as ArrayLike<number | bigint>, Number) : (attr(node, 'pads') as number[] | undefined);
    if (!values || node.inputs[3]) return false;
    const rank = values.length / 2;
    return values[0] === 0 && values[1] === 0 && values[rank] === 0 && values[rank + 1] === 0;
  }

  function axesKeepChannels(node: Node, inRank: number, outRank: number): boolean {
    const fromInput = constant(node.inputs[1] ?? '');
    const axes = fromInput ? Array.from(fromInput.data as ArrayLike<number | bigint>, Number) : (attr(node, 'axes') as number[] | undefined);
    if (!axes) return false;
    const rank = node.opType === 'Unsqueeze' ? outRank : inRank;
    return axes.every((a) => (a < 0 ? a + rank : a) >= 2);
  }

  // Resolve every segment to its final group id.
  const resolve = (layout: ChannelLayout): void => {
    for (const s of layout) s.group = groups.find(s.group);
  };
  const seen = new Set<ChannelLayout>();
  for (const layout of [...layouts.values(), ...consumers.map((c) => c.layout), ...parameters.map((p) => p.layout), ...counts.map((c) => c.layout)]) {
    if (seen.has(layout)) continue;
    seen.add(layout);
    resolve(layout);
  }
  const result = new Map<number, ChannelGroup>();
  for (const layout of seen) {
    for (const s of layout) {
      if (result.has(s.group)) continue;
      const group: ChannelGroup = { id: s.group, size: groups.size[s.group], producers: groups.producers[s.group] };
      const fixed = groups.fixed[s.group] ?? (group.producers.length === 0 ? 'no conv or gemm produces these channels' : undefined);
      if (fixed) group.fixed = fixed;
      if (groups.residual[s.group]) group.residual = true;
      result.set(s.group, group);
    }
  }
  return { groups: result, consumers, parameters, counts, layouts, shapes };
}

/** The positions along axis 1 that survive when each group keeps `keep.get(group)` (sorted channel indices). */
export function keptPositions(layout: ChannelLayout, keep: ReadonlyMap<number, readonly number[]>): number[] {
  const out: number[] = [];
  let offset = 0;
  for (const s of layout) {
    const kept = keep.has(s.group) ? new Set(keep.get(s.group)) : undefined;
    for (let c = 0; c < s.channels; c++) {
      if (kept && !kept.has(c)) continue;
      for (let k = 0; k < s.inner; k++) out.push(offset + c * s.inner + k);
    }
    offset += s.channels * s.inner;
  }
  return out;
}
