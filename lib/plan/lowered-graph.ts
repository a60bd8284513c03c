/** The compiler's middle form: native ops over named tensors with concrete shapes, before layout and memory planning. */
import type { TensorValue } from '../ir/graph';
import type { NativeAttr, NativeDType } from './plan-desc';

export interface LoweredTensor {
  name: string;
  dtype: NativeDType;
  /** Physical shape (NHWC for channels-last tensors after layout). */
  shape: number[];
  /** Constants only: the value (already in the physical layout). */
  value?: TensorValue;
}

export interface LoweredOp {
  /** Native op type, see native/ops/README.md. */
  type: string;
  /** ONNX node name(s) it came from. */
  name: string;
  /** Tensor names; '' = absent optional input. */
  inputs: string[];
  outputs: string[];
  attrs: Record<string, NativeAttr>;
}

export interface LoweredGraph {
  tensors: Map<string, LoweredTensor>;
  ops: LoweredOp[];
  /** Graph inputs in feed order. */
  inputs: string[];
  /** Graph outputs in result order. */
  outputs: string[];
}
