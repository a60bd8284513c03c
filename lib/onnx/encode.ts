/** Encodes an IR graph back into ONNX model bytes (tensors as raw_data) that onnxruntime can load. */
import type { AttrValue, Graph, Node, TensorValue, ValueInfo } from '../ir/graph';
import { ONNX_DTYPE_CODE, tensorBytes } from '../ir/tensor-values';
import {
  ATTRIBUTE,
  ATTR_TYPE,
  DIMENSION,
  GRAPH,
  MODEL,
  NODE,
  OPSET_ID,
  TENSOR,
  TENSOR_SHAPE,
  TYPE_PROTO,
  TYPE_TENSOR,
  VALUE_INFO,
} from './onnx-fields';
import { ProtoWriter } from './protobuf-writer';

/** The lowest IR version that can carry a given default-domain opset (onnx/docs/Versioning.md). */
function irVersionFor(opset: number): number {
  if (opset <= 12) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

/** Serializes `g` as a ModelProto. Domains used by nodes but missing from g.otherOpsets are imported at version 1. */
export function encodeModel(g: Graph): Uint8Array {
  const w = new ProtoWriter();
  w.int64Field(MODEL.irVersion, g.irVersion > 0 ? g.irVersion : irVersionFor(g.opset));
  if (g.producer) w.stringField(MODEL.producerName, g.producer);
  w.messageField(MODEL.graph, (gw) => writeGraph(gw, g));
  const opsets: Record<string, number> = { '': g.opset, ...g.otherOpsets };
  collectDomains(g, opsets);
  for (const [domain, version] of Object.entries(opsets)) {
    w.messageField(MODEL.opsetImport, (o) => {
      if (domain !== '') o.stringField(OPSET_ID.domain, domain);
      o.int64Field(OPSET_ID.version, version);
    });
  }
  return w.finish();
}

function collectDomains(g: Graph, opsets: Record<string, number>): void {
  for (const n of g.nodes) {
    if (n.domain !== 'ai.onnx' && !(n.domain in opsets)) opsets[n.domain] = 1;
    for (const a of Object.values(n.attrs)) if (a.kind === 'graph') collectDomains(a.value, opsets);
  }
}

function writeGraph(w: ProtoWriter, g: Graph): void {
  for (const n of g.nodes) w.messageField(GRAPH.node, (nw) => writeNode(nw, n));
  w.stringField(GRAPH.name, g.name || 'graph');
  for (const [name, t] of g.initializers) w.messageField(GRAPH.initializer, (tw) => writeTensor(tw, t, name));
  for (const v of g.inputs) w.messageField(GRAPH.input, (vw) => writeValueInfo(vw, v));
  for (const v of g.outputs) w.messageField(GRAPH.output, (vw) => writeValueInfo(vw, v));
  const boundary = new Set<string>([...g.inputs, ...g.outputs].map((v) => v.name));
  for (const [name, v] of g.valueInfo) {
    if (boundary.has(name) || g.initializers.has(name) || v.shapeUnknown) continue;
    w.messageField(GRAPH.valueInfo, (vw) => writeValueInfo(vw, v));
  }
}

function writeNode(w: ProtoWriter, n: Node): void {
  for (const i of n.inputs) w.stringField(NODE.input, i);
  for (const o of n.outputs) w.stringField(NODE.output, o);
  if (n.name) w.stringField(NODE.name, n.name);
  w.stringField(NODE.opType, n.opType);
  for (const [name, a] of Object.entries(n.attrs)) w.messageField(NODE.attribute, (aw) => writeAttribute(aw, name, a));
  if (n.domain) w.stringField(NODE.domain, n.domain);
}

function writeAttribute(w: ProtoWriter, name: string, a: AttrValue): void {
  w.stringField(ATTRIBUTE.name, name);
  switch (a.kind) {
    case 'float':
      w.floatField(ATTRIBUTE.f, a.value);
      w.int64Field(ATTRIBUTE.type, ATTR_TYPE.float);
      break;
    case 'int':
      w.int64Field(ATTRIBUTE.i, a.value);
      w.int64Field(ATTRIBUTE.type, ATTR_TYPE.int);
      break;
    case 'string':
      w.stringField(ATTRIBUTE.s, a.value);
      w.int64Field(ATTRIBUTE.type, ATTR_TYPE.string);
      break;
    case 'tensor':
      w.messageField(ATTRIBUTE.t, (tw) => writeTensor(tw, a.value, ''));
      w.int64Field(ATTRIBUTE.type, ATTR_TYPE.tensor);
      break;
    case 'graph':
      w.messageField(ATTRIBUTE.g, (gw) => writeGraph(gw, a.value));
      w.int64Field(ATTRIBUTE.type, ATTR_TYPE.graph);
      break;
    case 'floats':
      w.packedFloatField(ATTRIBUTE.floats, a.value);
      w.int64Field(ATTRIBUTE.type, ATTR_TYPE.floats);
      break;
    case 'ints':
      w.packedInt64Field(ATTRIBUTE.ints, a.value);
      w.int64Field(ATTRIBUTE.type, ATTR_TYPE.ints);
      break;
    case 'strings':
      for (const s of a.value) w.stringField(ATTRIBUTE.strings, s);
      w.int64Field(ATTRIBUTE.type, ATTR_TYPE.strings);
      break;
  }
}

/** Writes a TensorProto; numeric data goes to raw_data, strings to string_data. */
export function writeTensor(w: ProtoWriter, t: TensorValue, name: string): void {
  w.packedInt64Field(TENSOR.dims, t.dims);
  w.int64Field(TENSOR.dataType, ONNX_DTYPE_CODE[t.type]);
  if (name) w.stringField(TENSOR.name, name);
  if (t.type === 'string') {
    for (const s of t.data as string[]) w.stringField(TENSOR.stringData, s);
  } else {
    w.bytesField(TENSOR.rawData, tensorBytes(t));
  }
}

function writeValueInfo(w: ProtoWriter, v: ValueInfo): void {
  w.stringField(VALUE_INFO.name, v.name);
  w.messageField(VALUE_INFO.type, (tw) => {
    tw.messageField(TYPE_PROTO.tensorType, (tt) => {
      tt.int64Field(TYPE_TENSOR.elemType, ONNX_DTYPE_CODE[v.type]);
      if (v.shapeUnknown) return;
      tt.messageField(TYPE_TENSOR.shape, (sw) => {
        for (const d of v.shape) {
          sw.messageField(TENSOR_SHAPE.dim, (dw) => {
            if (typeof d === 'number') dw.int64Field(DIMENSION.dimValue, d);
            else if (typeof d === 'string') dw.stringField(DIMENSION.dimParam, d);
          });
        }
      });
    });
  });
}
