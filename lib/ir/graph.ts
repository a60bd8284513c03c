/** The intermediate representation every pass works on: an ONNX graph decoded into plain objects. */

/** Element types we decode. Names follow onnxruntime-node's Tensor types. */
export type DataType =
  | 'float32'
  | 'float64'
  | 'float16'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'bool'
  | 'string';

export type TensorData =
  | Float32Array
  | Float64Array
  | Uint16Array // float16 bits
  | Int8Array
  | Uint8Array // uint8 and bool
  | Int16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | string[];

/** A constant tensor: an initializer, a Constant node's value, or a folded result. */
export interface TensorValue {
  type: DataType;
  dims: number[];
  data: TensorData;
}

/** A dimension is a number when known, or the symbolic name the model gave it ("batch"), or null. */
export type Dim = number | string | null;

export interface ValueInfo {
  name: string;
  type: DataType;
  shape: Dim[];
  /** Set when the model gives no shape at all (not even the rank); `shape` is then [] and means nothing. */
  shapeUnknown?: boolean;
}

export type AttrValue =
  | { kind: 'float'; value: number }
  | { kind: 'int'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'tensor'; value: TensorValue }
  | { kind: 'graph'; value: Graph }
  | { kind: 'floats'; value: number[] }
  | { kind: 'ints'; value: number[] }
  | { kind: 'strings'; value: string[] };

export interface Node {
  /** Unique within the graph (the decoder invents `<opType>_<index>` for unnamed nodes). */
  name: string;
  opType: string;
  /** '' for the default ONNX domain, 'com.microsoft' etc. otherwise. */
  domain: string;
  /** Value names; '' marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrValue>;
}

export interface Graph {
  name: string;
  /** Topologically sorted after decoding and after every pass. */
  nodes: Node[];
  /** Real graph inputs only (inputs that are also initializers are left out and live in `initializers`). */
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  initializers: Map<string, TensorValue>;
  /** Known types/shapes of intermediate values (from the model's value_info or from shape inference). */
  valueInfo: Map<string, ValueInfo>;
  /** Opset of the default domain. */
  opset: number;
  /** Other domains' opsets, e.g. { 'com.microsoft': 1 }. */
  otherOpsets: Record<string, number>;
  producer: string;
  /** ir_version of the source model; kept for export. */
  irVersion: number;
}
