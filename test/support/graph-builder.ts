/** Fluent builder for small IR graphs in engine tests (encoded with encodeModel to run in both sparq and onnxruntime). */
import type { AttrValue, DataType, Dim, Graph, Node, TensorValue } from '../../lib/ir/graph';
import { makeTensor } from '../../lib/ir/tensor-values';

type AttrInput = number | string | number[] | TensorValue | AttrValue;

/** Integers become int attrs, other numbers float; use `float()` to force a float attr. */
export function float(value: number): AttrValue {
  return { kind: 'float', value };
}

function toAttrs(values: Record<string, AttrInput>): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const [k, v] of Object.entries(values)) {
    if (typeof v === 'number') out[k] = Number.isInteger(v) ? { kind: 'int', value: v } : { kind: 'float', value: v };
    else if (typeof v === 'string') out[k] = { kind: 'string', value: v };
    else if (Array.isArray(v)) out[k] = v.every((x) => Number.isInteger(x)) ? { kind: 'ints', value: v } : { kind: 'floats', value: v };
    else if ('kind' in v) out[k] = v;
    else out[k] = { kind: 'tensor', value: v };
  }
  return out;
}

/** Deterministic xorshift floats in [lo, hi). */
export function randomFloats(n: number, seed = 1, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = lo + ((s >>> 0) / 4294967296) * (hi - lo);
  }
  return out;
}

export class GraphBuilder {
  readonly g: Graph;
  private seed = 1;
  private count = 0;

  constructor(opset = 17) {
    this.g = {
      name: 'engine-test',
      nodes: [],
      inputs: [],
      outputs: [],
      initializers: new Map(),
      valueInfo: new Map(),
      opset,
      otherOpsets: {},
      producer: 'sparq-engine-test',
      irVersion: 8,
    };
  }

  input(name: string, shape: Dim[], type: DataType = 'float32'): string {
    this.g.inputs.push({ name, type, shape });
    return name;
  }

  output(name: string, shape: Dim[] = [], type: DataType = 'float32'): this {
    this.g.outputs.push({ name, type, shape });
    return this;
  }

  /** A constant initializer; `values` defaults to random floats in [-1, 1). */
  init(name: string, dims: number[], values?: ArrayLike<number | bigint>, type: DataType = 'float32'): string {
    const n = dims.reduce((a, b) => a * b, 1);
    this.g.initializers.set(name, makeTensor(type, dims, values ?? randomFloats(n, this.seed++)));
    return name;
  }

  /** A scalar float constant. */
  scalar(value: number, dims: number[] = []): string {
    return this.init(`c${this.count++}_${value}`, dims, [value]);
  }

  /** Adds a node; returns its first output name (outputs default to one fresh name). */
  node(opType: string, inputs: string[], attrs: Record<string, AttrInput> = {}, outputs?: string[], domain = ''): string {
    const name = `${opType}_${this.g.nodes.length}`;
    const outs = outputs ?? [`${name}_out`];
    const n: Node = { name, opType, domain, inputs, outputs: outs, attrs: toAttrs(attrs) };
    this.g.nodes.push(n);
    return outs[0];
  }

  /** Conv with random weights [m, c/group, k, k] and bias. */
  conv(x: string, c: number, m: number, k: number, attrs: Record<string, AttrInput> = {}, bias = true): string {
    const group = typeof attrs.group === 'number' ? attrs.group : 1;
    const w = this.init(`w${this.count++}`, [m, c / group, k, k], randomFloats(m * (c / group) * k * k, this.seed++, -0.5, 0.5));
    const inputs = [x, w];
    if (bias) inputs.push(this.init(`b${this.count++}`, [m]));
    return this.node('Conv', inputs, { kernel_shape: [k, k], ...attrs });
  }

  /** BatchNormalization with random positive variance. */
  batchNorm(x: string, c: number): string {
    const scale = this.init(`bn_scale${this.count++}`, [c], randomFloats(c, this.seed++, 0.5, 1.5));
    const bias = this.init(`bn_bias${this.count++}`, [c]);
    const mean = this.init(`bn_mean${this.count++}`, [c]);
    const variance = this.init(`bn_var${this.count++}`, [c], randomFloats(c, this.seed++, 0.2, 2));
    return this.node('BatchNormalization', [x, scale, bias, mean, variance], { epsilon: float(1e-5) });
  }

  build(): Graph {
    return this.g;
  }
}

export function opTypes(g: Graph): string[] {
  return g.nodes.map((n) => (n.domain ? `${n.domain}.${n.opType}` : n.opType));
}
