/** The quantization parameters of a QDQ graph (scale, zero point, axis of every QuantizeLinear / DequantizeLinear), for .sparq metadata and `sparq info`. */
import type { Graph, TensorValue } from '../ir/graph';

export interface QuantParam {
  node: string;
  opType: 'QuantizeLinear' | 'DequantizeLinear';
  /** The value quantized or dequantized. */
  tensor: string;
  /** One scale (per tensor) or one per channel along `axis`. */
  scale: number[];
  zeroPoint: number[];
  /** int8 or uint8 (the zero point's type). */
  type: string;
  axis?: number;
}

/** Initializers plus Constant nodes' values: where QDQ scales live in exported models. */
function constantsOf(g: Graph): Map<string, TensorValue> {
  const out = new Map(g.initializers);
  for (const n of g.nodes) {
    const value = n.attrs.value;
    if (n.opType === 'Constant' && n.domain === '' && value && value.kind === 'tensor') out.set(n.outputs[0], value.value);
  }
  return out;
}

function numbers(t: TensorValue | undefined): number[] {
  if (!t || Array.isArray(t.data)) return [];
  return Array.from(t.data as ArrayLike<number | bigint>, Number);
}

export function quantParamsOf(g: Graph): QuantParam[] {
  const constants = constantsOf(g);
  const out: QuantParam[] = [];
  for (const n of g.nodes) {
    if (n.domain !== '' || (n.opType !== 'QuantizeLinear' && n.opType !== 'DequantizeLinear')) continue;
    const scale = constants.get(n.inputs[1]);
    const zero = n.inputs[2] ? constants.get(n.inputs[2]) : undefined;
    const p: QuantParam = {
      node: n.name,
      opType: n.opType,
      tensor: n.inputs[0],
      scale: numbers(scale),
      zeroPoint: zero ? numbers(zero) : [0],
      type: zero ? zero.type : 'uint8',
    };
    const axis = n.attrs.axis;
    if (p.scale.length > 1) p.axis = axis && axis.kind === 'int' ? axis.value : 1; // ONNX's default axis is 1
    out.push(p);
  }
  return out;
}
