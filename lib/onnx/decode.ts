/** Decodes ONNX model bytes (ModelProto) into the IR graph: opsets, initializers, nodes in topological order. */
import { ModelFormatError, UnsupportedError } from '../errors';
import type { AttrValue, Dim, Graph, Node, TensorValue, ValueInfo } from '../ir/graph';
import { topoSort } from '../ir/graph-utils';
import { dtypeFromCode, makeTensor } from '../ir/tensor-values';
import { DecodeOptions, decodeTensor } from './decode-tensor';
import {
  ATTRIBUTE,
  ATTR_TYPE,
  DIMENSION,
  GRAPH,
  MODEL,
  NODE,
  OPSET_ID,
  TENSOR_SHAPE,
  TYPE_PROTO,
  TYPE_TENSOR,
  VALUE_INFO,
} from './onnx-fields';
import { ProtoReader, WIRE_FIXED32, WIRE_LENGTH, WIRE_VARINT } from './protobuf-reader';

export type { DecodeOptions } from './decode-tensor';

/** Default-domain opsets we accept. */
export const MIN_OPSET = 11;
export const MAX_OPSET = 21;
/** More nodes than any real network has: a bound on the work and memory a hostile file can ask for. */
export const MAX_GRAPH_NODES = 1_000_000;

/**
 * Decodes an ONNX model.
 * @throws ModelFormatError for malformed bytes or an inconsistent graph (cycle, unknown input, bad tensor sizes).
 * @throws UnsupportedError for a default-domain opset outside 11–21 or data types we do not decode.
 */
export function decodeModel(bytes: Uint8Array, options: DecodeOptions = {}): Graph {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('Expected a Uint8Array for model bytes');
  const r = new ProtoReader(bytes);
  let irVersion = 0;
  let producer = '';
  let graphReader: ProtoReader | undefined;
  const opsets: Record<string, number> = {};
  let sawDefaultOpset = false;
  while (!r.eof()) {
    const [field, wire] = r.readTag();
    if (field === MODEL.irVersion && wire === WIRE_VARINT) irVersion = r.readInt64();
    else if (field === MODEL.producerName && wire === WIRE_LENGTH) producer = r.readString();
    else if (field === MODEL.graph && wire === WIRE_LENGTH) graphReader = r.sub();
    else if (field === MODEL.opsetImport && wire === WIRE_LENGTH) {
      const o = r.sub();
      let domain = '';
      let version = 0;
      while (!o.eof()) {
        const [f, w] = o.readTag();
        if (f === OPSET_ID.domain && w === WIRE_LENGTH) domain = o.readString();
        else if (f === OPSET_ID.version && w === WIRE_VARINT) version = o.readInt64();
        else o.skip(w);
      }
      if (domain === 'ai.onnx') domain = '';
      if (domain === '') sawDefaultOpset = true;
      opsets[domain] = version;
    } else r.skip(wire);
  }
  if (!graphReader) throw new ModelFormatError('Model has no graph (ModelProto.graph is missing)');
  if (!sawDefaultOpset) throw new ModelFormatError('Model has no opset import for the default ONNX domain');
  const opset = opsets[''];
  if (opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new UnsupportedError(`Unsupported opset ${opset} (sparq supports opsets ${MIN_OPSET} to ${MAX_OPSET})`, undefined, undefined, opset);
  }
  delete opsets[''];
  const g = decodeGraph(graphReader, options, opset, opsets, undefined);
  g.producer = producer;
  g.irVersion = irVersion;
  return g;
}

function decodeGraph(
  r: ProtoReader,
  options: DecodeOptions,
  opset: number,
  otherOpsets: Record<string, number>,
  outerScope: ReadonlySet<string> | undefined,
): Graph {
  const g: Graph = {
    name: '',
    nodes: [],
    inputs: [],
    outputs: [],
    initializers: new Map(),
    valueInfo: new Map(),
    opset,
    otherOpsets: { ...otherOpsets },
    producer: '',
    irVersion: 0,
  };
  const nodeReaders: ProtoReader[] = [];
  const declaredInputs: ValueInfo[] = [];
  while (!r.eof()) {
    const [field, wire] = r.readTag();
    if (wire !== WIRE_LENGTH) {
      r.skip(wire);
      continue;
    }
    switch (field) {
      case GRAPH.node:
        nodeReaders.push(r.sub());
        break;
      case GRAPH.name:
        g.name = r.readString();
        break;
      case GRAPH.initializer: {
        const { name, value } = decodeTensor(r.sub(), options, 'initializer');
        if (!name) throw new ModelFormatError(`Initializer #${g.initializers.size} has no name`);
        if (g.initializers.has(name)) throw new ModelFormatError(`Initializer '${name}' is defined twice`);
        g.initializers.set(name, value);
        break;
      }
      case GRAPH.sparseInitializer:
        throw new UnsupportedError('Unsupported sparse initializer (GraphProto.sparse_initializer)');
      case GRAPH.input:
        declaredInputs.push(decodeValueInfo(r.sub(), 'graph input', true)!);
        break;
      case GRAPH.output:
        g.outputs.push(decodeValueInfo(r.sub(), 'graph output', true)!);
        break;
      case GRAPH.valueInfo: {
        const v = decodeValueInfo(r.sub(), 'value_info', false);
        if (v && !v.shapeUnknown) g.valueInfo.set(v.name, v);
        break;
      }
      default:
        r.skip(wire);
    }
  }
  g.inputs = declaredInputs.filter((v) => !g.initializers.has(v.name));
  const scope = new Set<string>(outerScope ?? []);
  for (const v of declaredInputs) scope.add(v.name);
  for (const k of g.initializers.keys()) scope.add(k);
  // Subgraphs may read any value of this graph, so they are decoded once every node's outputs are in scope.
  const pendingSubgraphs: (() => void)[] = [];
  if (nodeReaders.length > MAX_GRAPH_NODES) throw new Error(`a graph of ${nodeReaders.length} nodes (the limit is ${MAX_GRAPH_NODES})`);
  const nodes = nodeReaders.map((nr, index) => decodeNode(nr, options, opset, otherOpsets, scope, index, pendingSubgraphs));
  // Names the model gives win; invented `<opType>_<index>` names and duplicates get a numeric suffix.
  const names = new Set<string>();
  const unique = (base: string): string => {
    let name = base;
    for (let k = 1; names.has(name); k++) name = `${base}_${k}`;
    names.add(name);
    return name;
  };
  const explicit = new Set(nodes.map((n) => n.name).filter((n) => n !== ''));
  nodes.forEach((node) => {
    if (node.name !== '') node.name = unique(node.name);
  });
  nodes.forEach((node, index) => {
    if (node.name === '') {
      let base = `${node.opType}_${index}`;
      while (explicit.has(base)) base = `${base}_`;
      node.name = unique(base);
    }
    for (const o of node.outputs) scope.add(o);
    if (node.opType === 'Constant' && node.domain === '') {
      constantToInitializer(g, node);
    } else g.nodes.push(node);
  });
  for (const decodeSubgraph of pendingSubgraphs) decodeSubgraph();
  topoSort(g, outerScope);
  for (const o of g.outputs) {
    if (!scope.has(o.name)) {
      throw new ModelFormatError(`Graph output '${o.name}' is not produced by any node, initializer or graph input`);
    }
  }
  return g;
}

/**
 * Int attributes are JS numbers in the IR; the exact int64 values are kept aside so Constant value_int(s)
 * beyond 2^53 still become exact initializers.
 */
const exactInts = new WeakMap<AttrValue, bigint[]>();

function withExact(a: AttrValue, values: bigint[]): AttrValue {
  if (values.some((v) => v > 9007199254740991n || v < -9007199254740991n)) exactInts.set(a, values);
  return a;
}

/** Constant nodes become initializers so every pass sees one kind of constant. */
function constantToInitializer(g: Graph, node: Node): void {
  if (node.outputs.length !== 1 || node.outputs[0] === '') {
    throw new ModelFormatError(`Expected one output for Constant node '${node.name}' but received ${node.outputs.length}`);
  }
  const entries = Object.entries(node.attrs);
  if (entries.length !== 1) {
    throw new ModelFormatError(
      `Expected exactly one value attribute for Constant node '${node.name}' but received ${entries.map(([k]) => k).join(', ') || 'none'}`,
    );
  }
  const [key, a] = entries[0];
  let value: TensorValue;
  if (key === 'value' && a.kind === 'tensor') value = a.value;
  else if (key === 'value_float' && a.kind === 'float') value = makeTensor('float32', [], [a.value]);
  else if (key === 'value_floats' && a.kind === 'floats') value = makeTensor('float32', [a.value.length], a.value);
  else if (key === 'value_int' && a.kind === 'int') value = makeTensor('int64', [], exactInts.get(a) ?? [a.value]);
  else if (key === 'value_ints' && a.kind === 'ints') value = makeTensor('int64', [a.value.length], exactInts.get(a) ?? a.value);
  else if (key === 'value_string' && a.kind === 'string') value = makeTensor('string', [], [a.value]);
  else if (key === 'value_strings' && a.kind === 'strings') value = makeTensor('string', [a.value.length], a.value);
  else if (key === 'sparse_value') throw new UnsupportedError(`Unsupported sparse_value of Constant node '${node.name}'`, 'Constant', node.name);
  else throw new ModelFormatError(`Unexpected attribute '${key}' (${a.kind}) of Constant node '${node.name}'`);
  const out = node.outputs[0];
  if (g.initializers.has(out)) throw new ModelFormatError(`Constant node '${node.name}' redefines initializer '${out}'`);
  g.initializers.set(out, value);
}

function decodeNode(
  r: ProtoReader,
  options: DecodeOptions,
  opset: number,
  otherOpsets: Record<string, number>,
  scope: ReadonlySet<string>,
  index: number,
  pendingSubgraphs: (() => void)[],
): Node {
  const node: Node = { name: '', opType: '', domain: '', inputs: [], outputs: [], attrs: {} };
  const attrReaders: ProtoReader[] = [];
  while (!r.eof()) {
    const [field, wire] = r.readTag();
    if (wire !== WIRE_LENGTH) {
      r.skip(wire);
      continue;
    }
    switch (field) {
      case NODE.input:
        node.inputs.push(r.readString());
        break;
      case NODE.output:
        node.outputs.push(r.readString());
        break;
      case NODE.name:
        node.name = r.readString();
        break;
      case NODE.opType:
        node.opType = r.readString();
        break;
      case NODE.domain:
        node.domain = r.readString();
        break;
      case NODE.attribute:
        attrReaders.push(r.sub());
        break;
      default:
        r.skip(wire);
    }
  }
  if (node.domain === 'ai.onnx') node.domain = '';
  if (!node.opType) throw new ModelFormatError(`Node #${index}${node.name ? ` '${node.name}'` : ''} has no op_type`);
  const label = node.name || `${node.opType}_${index}`;
  for (const ar of attrReaders) {
    const [name, value] = decodeAttribute(ar, options, opset, otherOpsets, scope, label, pendingSubgraphs);
    if (value !== undefined) node.attrs[name] = value;
  }
  return node;
}

function decodeAttribute(
  r: ProtoReader,
  options: DecodeOptions,
  opset: number,
  otherOpsets: Record<string, number>,
  scope: ReadonlySet<string>,
  nodeLabel: string,
  pendingSubgraphs: (() => void)[],
): [string, AttrValue | undefined] {
  let name = '';
  let type: number = ATTR_TYPE.undefined;
  let f: number | undefined;
  let i: bigint | undefined;
  let s: Uint8Array | undefined;
  let t: TensorValue | undefined;
  let graphReader: ProtoReader | undefined;
  const floats: number[] = [];
  const ints: bigint[] = [];
  const strings: string[] = [];
  let refAttr = false;
  let other = false;
  while (!r.eof()) {
    const [field, wire] = r.readTag();
    switch (field) {
      case ATTRIBUTE.name:
        r.expectWire(wire, WIRE_LENGTH, 'AttributeProto.name');
        name = r.readString();
        break;
      case ATTRIBUTE.type:
        r.expectWire(wire, WIRE_VARINT, 'AttributeProto.type');
        type = r.readInt64();
        break;
      case ATTRIBUTE.f:
        r.expectWire(wire, WIRE_FIXED32, 'AttributeProto.f');
        f = r.readFloat();
        break;
      case ATTRIBUTE.i:
        r.expectWire(wire, WIRE_VARINT, 'AttributeProto.i');
        i = r.readVarintBig();
        break;
      case ATTRIBUTE.s:
        r.expectWire(wire, WIRE_LENGTH, 'AttributeProto.s');
        s = r.readBytes();
        break;
      case ATTRIBUTE.t:
        r.expectWire(wire, WIRE_LENGTH, 'AttributeProto.t');
        t = decodeTensor(r.sub(), options, `tensor attribute of node '${nodeLabel}'`).value;
        break;
      case ATTRIBUTE.g:
        r.expectWire(wire, WIRE_LENGTH, 'AttributeProto.g');
        graphReader = r.sub();
        break;
      case ATTRIBUTE.floats:
        r.readRepeatedFloat(wire, floats);
        break;
      case ATTRIBUTE.ints:
        r.readRepeatedInt64Big(wire, ints);
        break;
      case ATTRIBUTE.strings:
        r.expectWire(wire, WIRE_LENGTH, 'AttributeProto.strings');
        strings.push(r.readString());
        break;
      case ATTRIBUTE.refAttrName:
        refAttr = true;
        r.skip(wire);
        break;
      case ATTRIBUTE.tensors:
      case ATTRIBUTE.graphs:
      case ATTRIBUTE.sparseTensor:
      case ATTRIBUTE.tp:
        other = true;
        r.skip(wire);
        break;
      default:
        r.skip(wire);
    }
  }
  if (!name) throw new ModelFormatError(`An attribute of node '${nodeLabel}' has no name`);
  if (refAttr) throw new UnsupportedError(`Unsupported attribute reference '${name}' in node '${nodeLabel}'`);
  // Very old exporters omit `type`; infer it from the field that is set.
  if (type === ATTR_TYPE.undefined) {
    if (f !== undefined) type = ATTR_TYPE.float;
    else if (i !== undefined) type = ATTR_TYPE.int;
    else if (s !== undefined) type = ATTR_TYPE.string;
    else if (t !== undefined) type = ATTR_TYPE.tensor;
    else if (graphReader !== undefined) type = ATTR_TYPE.graph;
    else if (floats.length) type = ATTR_TYPE.floats;
    else if (ints.length) type = ATTR_TYPE.ints;
    else if (strings.length) type = ATTR_TYPE.strings;
    else if (other) return [name, undefined];
    else throw new ModelFormatError(`Attribute '${name}' of node '${nodeLabel}' has no type and no value`);
  }
  switch (type) {
    case ATTR_TYPE.float:
      return [name, { kind: 'float', value: f ?? 0 }];
    case ATTR_TYPE.int:
      return [name, withExact({ kind: 'int', value: Number(i ?? 0n) }, [i ?? 0n])];
    case ATTR_TYPE.string:
      return [name, { kind: 'string', value: new TextDecoder('utf-8').decode(s ?? new Uint8Array(0)) }];
    case ATTR_TYPE.tensor:
      if (!t) throw new ModelFormatError(`Tensor attribute '${name}' of node '${nodeLabel}' has no tensor`);
      return [name, { kind: 'tensor', value: t }];
    case ATTR_TYPE.graph: {
      if (!graphReader) throw new ModelFormatError(`Graph attribute '${name}' of node '${nodeLabel}' has no graph`);
      const reader = graphReader;
      const attr = { kind: 'graph' as const, value: undefined as unknown as Graph };
      pendingSubgraphs.push(() => {
        attr.value = decodeGraph(reader, options, opset, otherOpsets, scope);
      });
      return [name, attr];
    }
    case ATTR_TYPE.floats:
      return [name, { kind: 'floats', value: floats }];
    case ATTR_TYPE.ints:
      return [name, withExact({ kind: 'ints', value: ints.map(Number) }, ints)];
    case ATTR_TYPE.strings:
      return [name, { kind: 'strings', value: strings }];
    default:
      // tensors, graphs, sparse tensors, type protos: no op we support uses them; keep the node decodable.
      return [name, undefined];
  }
}

/** `required` (graph inputs/outputs) makes a missing or non-tensor type an error; value_info entries are just skipped. */
function decodeValueInfo(r: ProtoReader, what: string, required: boolean): ValueInfo | undefined {
  let name = '';
  let typeReader: ProtoReader | undefined;
  while (!r.eof()) {
    const [field, wire] = r.readTag();
    if (field === VALUE_INFO.name && wire === WIRE_LENGTH) name = r.readString();
    else if (field === VALUE_INFO.type && wire === WIRE_LENGTH) typeReader = r.sub();
    else r.skip(wire);
  }
  if (!name) {
    if (required) throw new ModelFormatError(`A ${what} has no name`);
    return undefined;
  }
  let tensorReader: ProtoReader | undefined;
  let otherKind = false;
  if (typeReader) {
    while (!typeReader.eof()) {
      const [field, wire] = typeReader.readTag();
      if (field === TYPE_PROTO.tensorType && wire === WIRE_LENGTH) tensorReader = typeReader.sub();
      else {
        if (field !== TYPE_PROTO.denotation) otherKind = true;
        typeReader.skip(wire);
      }
    }
  }
  if (!tensorReader) {
    if (!required) return undefined;
    if (otherKind) throw new UnsupportedError(`Unsupported non-tensor type of ${what} '${name}'`);
    throw new ModelFormatError(`The ${what} '${name}' has no type`);
  }
  let elemType = 0;
  let shape: Dim[] | undefined;
  while (!tensorReader.eof()) {
    const [field, wire] = tensorReader.readTag();
    if (field === TYPE_TENSOR.elemType && wire === WIRE_VARINT) elemType = tensorReader.readInt64();
    else if (field === TYPE_TENSOR.shape && wire === WIRE_LENGTH) shape = decodeShape(tensorReader.sub());
    else tensorReader.skip(wire);
  }
  const type = dtypeFromCode(elemType);
  if (type === undefined) {
    if (!required) return undefined;
    throw new UnsupportedError(`Unsupported element type ${elemType} of ${what} '${name}'`);
  }
  const v: ValueInfo = { name, type, shape: shape ?? [] };
  if (!shape) v.shapeUnknown = true;
  return v;
}

function decodeShape(r: ProtoReader): Dim[] {
  const dims: Dim[] = [];
  while (!r.eof()) {
    const [field, wire] = r.readTag();
    if (field !== TENSOR_SHAPE.dim || wire !== WIRE_LENGTH) {
      r.skip(wire);
      continue;
    }
    const d = r.sub();
    let dim: Dim = null;
    while (!d.eof()) {
      const [f, w] = d.readTag();
      if (f === DIMENSION.dimValue && w === WIRE_VARINT) {
        const at = d.pos;
        const v = d.readInt64();
        if (v < 0) d.fail(`negative dimension ${v}`, at);
        dim = v;
      } else if (f === DIMENSION.dimParam && w === WIRE_LENGTH) {
        const p = d.readString();
        dim = p === '' ? null : p;
      } else d.skip(w);
    }
    dims.push(dim);
  }
  return dims;
}
