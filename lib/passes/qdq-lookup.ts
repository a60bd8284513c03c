/** 256-entry QLookup tables: Y = Q_out(act(DQ_in(x))) evaluated in float32 for every u8 input, as the QDQ graph computes it. */
import type { TensorValue } from '../ir/graph';
import { QuantParams, dequantizeValue, quantizeValue } from './qdq-params';

/** An activation by native name with its parameters (see activationOf in activation-fusion.ts). */
export interface ActivationSpec {
  name: string;
  alpha?: number;
  beta?: number;
}

const f = Math.fround;

/** act(x) in float32 steps, following the ONNX definitions. */
export function applyActivation(act: ActivationSpec | undefined, x: number): number {
  if (!act) return x;
  switch (act.name) {
    case 'relu':
      return Math.max(x, 0);
    case 'clip':
      return Math.min(Math.max(x, act.alpha ?? -Infinity), act.beta ?? Infinity);
    case 'leaky_relu':
      return x < 0 ? f(f(act.alpha ?? 0.01) * x) : x;
    case 'sigmoid':
      return f(1 / (1 + Math.exp(-x)));
    case 'tanh':
      return f(Math.tanh(x));
    case 'hard_sigmoid':
      return f(Math.max(0, Math.min(1, f(f(f(act.alpha ?? 0.2) * x) + f(act.beta ?? 0.5)))));
    case 'hard_swish':
      return f(x * f(Math.max(0, Math.min(1, f(f(x / 6) + 0.5)))));
    default:
      throw new Error(`qdq: no lookup rule for activation '${act.name}'`);
  }
}

/** Activations a table can compute. */
export const TABLE_ACTIVATIONS = ['relu', 'clip', 'leaky_relu', 'sigmoid', 'tanh', 'hard_sigmoid', 'hard_swish'];

/** The u8 table for input params `x`, output params `y` and an optional activation in between (none = requantize). */
export function lookupTable(x: QuantParams, y: QuantParams, act?: ActivationSpec): TensorValue {
  const data = new Uint8Array(256);
  for (let q = 0; q < 256; q++) {
    const real = applyActivation(act, dequantizeValue(q, x.scale[0], x.zeroPoint[0]));
    data[q] = quantizeValue(real, y.scale[0], y.zeroPoint[0], 'uint8');
  }
  return { type: 'uint8', dims: [256], data };
}
