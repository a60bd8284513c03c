/** decodeModel details: tensor encodings, external data, Constant nodes, naming, ordering, opsets, dims. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ModelFormatError, UnsupportedError } from '../lib/errors';
import { decodeModel } from '../lib/onnx/decode';
import { encodeModel, writeTensor } from '../lib/onnx/encode';
import { ATTRIBUTE, ATTR_TYPE, DATA_LOCATION_EXTERNAL, GRAPH, MODEL, NODE, OPSET_ID, STRING_ENTRY, TENSOR } from '../lib/onnx/onnx-fields';
import { ProtoWriter } from '../lib/onnx/protobuf-writer';
import { float32ToFloat16Bits, makeTensor } from '../lib/ir/tensor-values';
import { addNode, emptyGraph, f, init, input, node, output } from './onnx-graph-builder';
import type { Graph } from '../lib/ir/graph';

/** A model whose graph is: initializers written by `tensors`, one Identity per initializer to an output. */
function modelWithTensors(tensors: ((w: ProtoWriter) => void)[], names: string[], opset = 17): Uint8Array {
  const w = new ProtoWriter();
  w.int64Field(MODEL.irVersion, 8);
  w.messageField(MODEL.graph, (g) => {
    names.forEach((n, i) => {
      g.messageField(GRAPH.node, (nw) => {
        nw.stringField(NODE.input, n);
        nw.stringField(NODE.output, `out_${n}`);
        nw.stringField(NODE.opType, 'Identity');
      });
      g.messageField(GRAPH.initializer, tensors[i]);
    });
  });
  w.messageField(MODEL.opsetImport, (o) => o.int64Field(OPSET_ID.version, opset));
  return w.finish();
}

function typedTensor(name: string, code: number, dims: number[], fill: (w: ProtoWriter) => void): (w: ProtoWriter) => void {
  return (w) => {
    w.packedInt64Field(TENSOR.dims, dims);
    w.int64Field(TENSOR.dataType, code);
    w.stringField(TENSOR.name, name);
    fill(w);
  };
}

describe('decodeModel tensors', () => {
  test('typed data fields: float_data, double_data, int32_data (int8/bool/float16/uint16), int64_data, uint64_data', () => {
    const half = [1, -2.5, 65504].map(float32ToFloat16Bits);
    const bytes = modelWithTensors(
      [
        typedTensor('f', 1, [2], (w) => w.packedFloatField(TENSOR.floatData, [1.5, -3])),
        typedTensor('d', 11, [2], (w) => w.packedDoubleField(TENSOR.doubleData, [1e300, -0.5])),
        typedTensor('i8', 3, [3], (w) => w.packedInt64Field(TENSOR.int32Data, [-128, 127, -1])),
        typedTensor('b', 9, [3], (w) => w.packedInt64Field(TENSOR.int32Data, [1, 0, 1])),
        typedTensor('h', 10, [3], (w) => w.packedInt64Field(TENSOR.int32Data, half)),
        typedTensor('u16', 4, [1], (w) => w.packedInt64Field(TENSOR.int32Data, [65535])),
        typedTensor('i64', 7, [2, 1], (w) => {
          w.int64Field(TENSOR.int64Data, -9223372036854775808n); // unpacked
          w.int64Field(TENSOR.int64Data, 9007199254740993n);
        }),
        typedTensor('u64', 13, [1], (w) => w.packedInt64Field(TENSOR.uint64Data, [18446744073709551615n])),
        typedTensor('s', 8, [2], (w) => {
          w.stringField(TENSOR.stringData, 'a');
          w.stringField(TENSOR.stringData, 'bc');
        }),
      ],
      ['f', 'd', 'i8', 'b', 'h', 'u16', 'i64', 'u64', 's'],
    );
    const g = decodeModel(bytes);
    const t = (n: string) => g.initializers.get(n)!;
    expect(t('f')).toEqual({ type: 'float32', dims: [2], data: new Float32Array([1.5, -3]) });
    expect(t('d').data).toEqual(new Float64Array([1e300, -0.5]));
    expect(t('i8').data).toEqual(new Int8Array([-128, 127, -1]));
    expect(t('b')).toEqual({ type: 'bool', dims: [3], data: new Uint8Array([1, 0, 1]) });
    expect(t('h').data).toEqual(new Uint16Array(half));
    expect(t('u16').data).toEqual(new Uint16Array([65535]));
    expect(t('i64')).toEqual({ type: 'int64', dims: [2, 1], data: new BigInt64Array([-9223372036854775808n, 9007199254740993n]) });
    expect(t('u64').data).toEqual(new BigUint64Array([18446744073709551615n]));
    expect(t('s').data).toEqual(['a', 'bc']);
  });

  test('raw_data at an unaligned offset is copied into an aligned array', () => {
    const values = new Float32Array([1, 2, 3, -4.5]);
    const good = modelWithTensors([(w) => writeTensor(w, { type: 'float32', dims: [4], data: values }, 'x')], ['x']);
    // Prefix one byte so every offset inside the model shifts by one.
    const shifted = new Uint8Array(good.length + 1);
    shifted.set(good, 1);
    const g = decodeModel(shifted.subarray(1));
    expect(g.initializers.get('x')!.data).toEqual(values);
  });

  test('raw_data with the wrong byte count and typed fields with the wrong element count are model errors', () => {
    const raw = modelWithTensors([typedTensor('x', 1, [3], (w) => w.bytesField(TENSOR.rawData, new Uint8Array(8)))], ['x']);
    expect(() => decodeModel(raw)).toThrow("Expected 12 bytes of raw_data for initializer 'x' of type float32 and shape [3] but received 8");
    const typed = modelWithTensors([typedTensor('x', 7, [3], (w) => w.packedInt64Field(TENSOR.int64Data, [1, 2]))], ['x']);
    expect(() => decodeModel(typed)).toThrow("Expected 3 elements in int64_data of initializer 'x' but received 2");
    const huge = modelWithTensors([typedTensor('x', 1, [65536, 65536], () => undefined)], ['x']);
    expect(() => decodeModel(huge)).toThrow(ModelFormatError);
    const bf16 = modelWithTensors([typedTensor('x', 16, [1], (w) => w.bytesField(TENSOR.rawData, new Uint8Array(2)))], ['x']);
    expect(() => decodeModel(bf16)).toThrow(new UnsupportedError("Unsupported tensor data type 16 of initializer 'x'"));
  });

  describe('external data', () => {
    let dir: string;
    beforeAll(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparq-ext-'));
      const data = new Float32Array([0, 0, 7, 8, 9]);
      fs.writeFileSync(path.join(dir, 'weights.bin'), new Uint8Array(data.buffer));
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    function external(entries: Record<string, string>, dims = [3]): Uint8Array {
      return modelWithTensors(
        [
          typedTensor('w', 1, dims, (w) => {
            for (const [k, v] of Object.entries(entries)) {
              w.messageField(TENSOR.externalData, (e) => {
                e.stringField(STRING_ENTRY.key, k);
                e.stringField(STRING_ENTRY.value, v);
              });
            }
            w.int64Field(TENSOR.dataLocation, DATA_LOCATION_EXTERNAL);
          }),
        ],
        ['w'],
      );
    }

    test('reads offset/length relative to baseDir', () => {
      const g = decodeModel(external({ location: 'weights.bin', offset: '8', length: '12' }), { baseDir: dir });
      expect(g.initializers.get('w')!.data).toEqual(new Float32Array([7, 8, 9]));
    });

    test('refuses missing baseDir, escaping paths, short files, wrong lengths and missing files', () => {
      expect(() => decodeModel(external({ location: 'weights.bin' }))).toThrow(/no baseDir/);
      expect(() => decodeModel(external({ location: '../etc/passwd' }), { baseDir: dir })).toThrow(/escapes the model directory/);
      expect(() => decodeModel(external({ location: '/etc/passwd' }), { baseDir: dir })).toThrow(/escapes the model directory/);
      expect(() => decodeModel(external({ location: 'weights.bin', offset: '12' }), { baseDir: dir })).toThrow(
        "External data of initializer 'w' needs bytes 12..24 but 'weights.bin' has only 20 bytes",
      );
      expect(() => decodeModel(external({ location: 'weights.bin', length: '4' }), { baseDir: dir })).toThrow(/length 12 .* received 4/);
      expect(() => decodeModel(external({ location: 'nope.bin' }), { baseDir: dir })).toThrow(/Cannot open external data file 'nope.bin'/);
      expect(() => decodeModel(external({ location: 'weights.bin', offset: '-4' }), { baseDir: dir })).toThrow(/non-negative integer/);
    });
  });
});

describe('decodeModel graph structure', () => {
  test('Constant nodes of every value kind become initializers', () => {
    const g = emptyGraph(17);
    input(g, 'x', 'float32', [2]);
    const consts: [string, Record<string, unknown>][] = [
      ['c1', { value: makeTensor('float32', [2], [1, 2]) }],
      ['c2', { value_float: f(2.5) }],
      ['c3', { value_floats: [0.5, 1.5] }],
      ['c4', { value_int: 7 }],
      ['c5', { value_ints: [1, -1] }],
    ];
    for (const [name, a] of consts) addNode(g, node('Constant', [], [name], a as never));
    for (const [name] of consts) {
      addNode(g, node('Identity', [name], [`o_${name}`]));
      output(g, `o_${name}`, 'float32', []);
    }
    const back = decodeModel(encodeModel(g));
    expect(back.nodes.map((n) => n.opType)).toEqual(['Identity', 'Identity', 'Identity', 'Identity', 'Identity']);
    expect(back.initializers.get('c1')).toEqual(makeTensor('float32', [2], [1, 2]));
    expect(back.initializers.get('c2')).toEqual(makeTensor('float32', [], [2.5]));
    expect(back.initializers.get('c3')).toEqual(makeTensor('float32', [2], [0.5, 1.5]));
    expect(back.initializers.get('c4')).toEqual(makeTensor('int64', [], [7]));
    expect(back.initializers.get('c5')).toEqual(makeTensor('int64', [2], [1, -1]));
  });

  function chain(): Graph {
    const g = emptyGraph(13);
    input(g, 'x', 'float32', ['n', null, 4]);
    init(g, 'x_init', 'float32', [1], [1]);
    g.inputs.push({ name: 'x_init', type: 'float32', shape: [1] }); // an input that is also an initializer
    g.nodes.push({ name: '', opType: 'Relu', domain: '', inputs: ['a'], outputs: ['b'], attrs: {} });
    g.nodes.push({ name: '', opType: 'Add', domain: 'ai.onnx', inputs: ['x', 'x_init'], outputs: ['a'], attrs: {} });
    g.nodes.push({ name: 'Relu_0', opType: 'Neg', domain: '', inputs: ['b'], outputs: ['c'], attrs: {} });
    output(g, 'c', 'float32', ['n', null, 4]);
    return g;
  }

  test('nodes are sorted, unnamed nodes named <opType>_<index> (made unique), ai.onnx domain normalized, symbolic dims kept', () => {
    const back = decodeModel(encodeModel(chain()));
    expect(back.nodes.map((n) => [n.name, n.opType, n.domain])).toEqual([
      ['Add_1', 'Add', ''],
      ['Relu_0_', 'Relu', ''],
      ['Relu_0', 'Neg', ''],
    ]);
    expect(back.inputs).toEqual([{ name: 'x', type: 'float32', shape: ['n', null, 4] }]);
    expect(back.initializers.has('x_init')).toBe(true);
  });

  test('a cycle or an input nothing produces is a model error naming the node', () => {
    const cyc = chain();
    cyc.nodes[1].inputs[0] = 'c';
    expect(() => decodeModel(encodeModel(cyc))).toThrow(/Graph has a cycle through node/);
    const missing = chain();
    missing.nodes[2].inputs[0] = 'ghost';
    expect(() => decodeModel(encodeModel(missing))).toThrow(
      new ModelFormatError("Input 'ghost' of node 'Relu_0' (Neg) is not produced by any node, initializer or graph input"),
    );
    const noOutput = chain();
    noOutput.outputs[0].name = 'nowhere';
    expect(() => decodeModel(encodeModel(noOutput))).toThrow(/Graph output 'nowhere' is not produced/);
  });

  test('opsets 11-21 are accepted; others are unsupported; other domains are recorded', () => {
    for (const opset of [11, 21]) expect(decodeModel(encodeModel(chain2(opset))).opset).toBe(opset);
    for (const opset of [10, 22]) {
      expect(() => decodeModel(encodeModel(chain2(opset)))).toThrow(
        new UnsupportedError(`Unsupported opset ${opset} (sparq supports opsets 11 to 21)`),
      );
    }
    const g = chain2(17);
    g.otherOpsets['com.microsoft'] = 1;
    expect(decodeModel(encodeModel(g)).otherOpsets).toEqual({ 'com.microsoft': 1 });
  });

  function chain2(opset: number): Graph {
    const g = emptyGraph(opset);
    input(g, 'x', 'float32', [1]);
    addNode(g, node('Relu', ['x'], ['y']));
    output(g, 'y', 'float32', [1]);
    return g;
  }

  test('attributes of every kind survive a round trip, including negative and int64-extreme ints', () => {
    const g = chain2(17);
    g.nodes[0].attrs = {
      i: { kind: 'int', value: -5 },
      big: { kind: 'int', value: 9223372036854775807 },
      fl: { kind: 'float', value: 0.5 },
      s: { kind: 'string', value: 'héllo' },
      is: { kind: 'ints', value: [1, -1, 0] },
      fs: { kind: 'floats', value: [0.25, -8] },
      ss: { kind: 'strings', value: ['a', ''] },
      t: { kind: 'tensor', value: makeTensor('int32', [2], [3, -4]) },
    };
    const back = decodeModel(encodeModel(g));
    expect(back.nodes[0].attrs).toEqual(g.nodes[0].attrs);
  });

  test('an attribute without a type field is typed from the value field present', () => {
    const w = new ProtoWriter();
    w.int64Field(MODEL.irVersion, 8);
    w.messageField(MODEL.graph, (gw) => {
      gw.messageField(GRAPH.input, (vw) => {
        vw.stringField(1, 'x');
        vw.messageField(2, (tw) => tw.messageField(1, (tt) => tt.int64Field(1, 1))); // float tensor, no shape
      });
      gw.messageField(GRAPH.node, (nw) => {
        nw.stringField(NODE.input, 'x');
        nw.stringField(NODE.output, 'y');
        nw.stringField(NODE.opType, 'LeakyRelu');
        nw.messageField(NODE.attribute, (aw) => {
          aw.stringField(ATTRIBUTE.name, 'alpha');
          aw.floatField(ATTRIBUTE.f, 0.5);
        });
        nw.messageField(NODE.attribute, (aw) => {
          aw.stringField(ATTRIBUTE.name, 'typed');
          aw.int64Field(ATTRIBUTE.type, ATTR_TYPE.ints);
        });
      });
    });
    w.messageField(MODEL.opsetImport, (o) => o.int64Field(OPSET_ID.version, 13));
    const g = decodeModel(w.finish());
    expect(g.nodes[0].attrs).toEqual({ alpha: { kind: 'float', value: 0.5 }, typed: { kind: 'ints', value: [] } });
    expect(g.nodes[0].name).toBe('LeakyRelu_0');
    expect(g.inputs).toEqual([{ name: 'x', type: 'float32', shape: [], shapeUnknown: true }]);
  });
});
