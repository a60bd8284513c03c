/** The wire format of a compiled plan: what TypeScript hands to the native `Plan` constructor (see native/runtime/plan-desc.h). */

/** Element type codes shared with native/runtime/dtype.h (same numbers as ONNX TensorProto.DataType). */
export const DTYPE_CODE = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
} as const;
export type NativeDType = keyof typeof DTYPE_CODE;

/** Where a tensor's bytes live during a run (native/runtime/plan-desc.h TensorKind). */
export const TENSOR_KIND = { arena: 0, constant: 1, input: 2, output: 3 } as const;

export interface NativeTensorDesc {
  dtype: number; // DTYPE_CODE value
  shape: number[]; // concrete
  kind: number; // TENSOR_KIND value
  offset: number; // byte offset in the arena, 64-byte aligned (ignored for constants)
  data?: Uint8Array; // constants only: little-endian element bytes
}

export type NativeAttr = number | number[] | string;

export interface NativeOpDesc {
  /** Native op name; the catalogue with inputs and attributes is native/ops/README.md. */
  type: string;
  /** ONNX node name(s) this op came from, for errors and profiles. */
  name: string;
  inputs: number[]; // tensor ids, -1 = absent optional input
  outputs: number[];
  attrs: Record<string, NativeAttr>;
}

export interface NativePlanDesc {
  threads: number;
  /** '' = process default (highest available or SPARQ_ISA); otherwise a level name from capabilities().levels. */
  isa: string;
  arenaBytes: number;
  tensors: NativeTensorDesc[];
  ops: NativeOpDesc[];
  inputs: number[]; // graph inputs in feed order
  outputs: number[]; // graph outputs in result order
  /** Optional early-exit tensor ids in execution order: the default exits of runs given only a confidence. */
  exits?: number[];
}
