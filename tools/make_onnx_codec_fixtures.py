#!/usr/bin/python3
"""Builds ONNX files with the official `onnx` package for the decoder tests (test/onnx-python-fixtures.test.ts).

They exercise what PyTorch exports rarely use: typed data fields (float_data, int32_data for narrow types,
int64_data, double_data, uint64_data, string_data), external data files, Constant nodes of every value kind
and a subgraph attribute. Expected values go to <name>.json (numpy's view of every tensor).

Run with Debian's interpreter:  /usr/bin/python3 tools/make_onnx_codec_fixtures.py [outdir]
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, '..', 'test', 'fixtures', 'onnx-codec')


def jsonable(a):
    if a.dtype == np.float16:
        return {'dtype': 'float16', 'dims': list(a.shape), 'values': [float(v) for v in a.flatten()]}
    if a.dtype.kind in 'iu':
        return {'dtype': str(a.dtype), 'dims': list(a.shape), 'values': [str(int(v)) for v in a.flatten()]}
    if a.dtype == np.bool_:
        return {'dtype': 'bool', 'dims': list(a.shape), 'values': [bool(v) for v in a.flatten()]}
    if a.dtype.kind == 'O':
        return {'dtype': 'string', 'dims': list(a.shape), 'values': [v.decode() if isinstance(v, bytes) else str(v) for v in a.flatten()]}
    return {'dtype': str(a.dtype), 'dims': list(a.shape), 'values': [float(v) for v in a.flatten()]}


def identity_model(tensors, name, opset=17):
    nodes = [helper.make_node('Identity', [t.name], ['out_' + t.name]) for t in tensors]
    outputs = [helper.make_tensor_value_info('out_' + t.name, t.data_type, list(t.dims)) for t in tensors]
    graph = helper.make_graph(nodes, name, [], outputs, initializer=tensors)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid('', opset)], producer_name='make_onnx_codec_fixtures')


def typed_fields():
    # helper.make_tensor without raw=True writes the typed repeated fields.
    t = [
        helper.make_tensor('f32', TensorProto.FLOAT, [2, 2], [1.5, -2.0, 3.25, 1e-7]),
        helper.make_tensor('f64', TensorProto.DOUBLE, [3], [1e300, -0.1, 5.0]),
        helper.make_tensor('i8', TensorProto.INT8, [4], [-128, -1, 0, 127]),
        helper.make_tensor('u8', TensorProto.UINT8, [3], [0, 128, 255]),
        helper.make_tensor('i16', TensorProto.INT16, [2], [-32768, 32767]),
        helper.make_tensor('u16', TensorProto.UINT16, [2], [0, 65535]),
        helper.make_tensor('i32', TensorProto.INT32, [3], [-2147483648, 0, 2147483647]),
        helper.make_tensor('i64', TensorProto.INT64, [3], [-9223372036854775808, 9007199254740993, 9223372036854775807]),
        helper.make_tensor('u32', TensorProto.UINT32, [2], [0, 4294967295]),
        helper.make_tensor('u64', TensorProto.UINT64, [2], [0, 18446744073709551615]),
        helper.make_tensor('b', TensorProto.BOOL, [3], [True, False, True]),
        helper.make_tensor('f16', TensorProto.FLOAT16, [3], np.array([1.0, -0.5, 65504.0], dtype=np.float16)),
        helper.make_tensor('s', TensorProto.STRING, [2], [b'hello', b'w\xc3\xb6rld']),
        helper.make_tensor('scalar', TensorProto.FLOAT, [], [42.0]),
        helper.make_tensor('empty', TensorProto.FLOAT, [0, 3], []),
    ]
    model = identity_model(t, 'typed_fields')
    onnx.checker.check_model(model)
    return model, {x.name: jsonable(numpy_helper.to_array(x)) for x in t}


def external_data():
    rng = np.random.default_rng(0)
    arrays = {'w_big': rng.standard_normal((16, 8)).astype(np.float32), 'w_i64': np.arange(-5, 5, dtype=np.int64)}
    tensors = [numpy_helper.from_array(a, n) for n, a in arrays.items()]
    model = identity_model(tensors, 'external_data')
    onnx.checker.check_model(model)
    return model, {n: jsonable(a) for n, a in arrays.items()}


def constants_and_subgraph():
    consts = [
        helper.make_node('Constant', [], ['c_tensor'], value=numpy_helper.from_array(np.array([[1, 2], [3, 4]], dtype=np.int32))),
        helper.make_node('Constant', [], ['c_float'], value_float=2.5),
        helper.make_node('Constant', [], ['c_floats'], value_floats=[0.5, -1.5]),
        helper.make_node('Constant', [], ['c_int'], value_int=-7),
        helper.make_node('Constant', [], ['c_ints'], value_ints=[3, 9007199254740993]),
    ]
    then_graph = helper.make_graph([helper.make_node('Neg', ['x'], ['t_out'])], 'then', [], [helper.make_tensor_value_info('t_out', TensorProto.FLOAT, [2])])
    else_graph = helper.make_graph([helper.make_node('Identity', ['x'], ['e_out'])], 'else', [], [helper.make_tensor_value_info('e_out', TensorProto.FLOAT, [2])])
    nodes = consts + [
        helper.make_node('Identity', [c.output[0]], ['out_' + c.output[0]]) for c in consts
    ] + [helper.make_node('If', ['cond'], ['if_out'], then_branch=then_graph, else_branch=else_graph)]
    inputs = [helper.make_tensor_value_info('x', TensorProto.FLOAT, ['batch']), helper.make_tensor_value_info('cond', TensorProto.BOOL, [])]
    types = [TensorProto.INT32, TensorProto.FLOAT, TensorProto.FLOAT, TensorProto.INT64, TensorProto.INT64]
    shapes = [[2, 2], [], [2], [], [2]]
    outputs = [helper.make_tensor_value_info('out_' + c.output[0], t, d) for c, t, d in zip(consts, types, shapes)]
    outputs.append(helper.make_tensor_value_info('if_out', TensorProto.FLOAT, [2]))
    graph = helper.make_graph(nodes, 'constants', inputs, outputs)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)], producer_name='make_onnx_codec_fixtures')
    onnx.checker.check_model(model)
    expected = {
        'c_tensor': jsonable(np.array([[1, 2], [3, 4]], dtype=np.int32)),
        'c_float': jsonable(np.array(2.5, dtype=np.float32)),
        'c_floats': jsonable(np.array([0.5, -1.5], dtype=np.float32)),
        'c_int': jsonable(np.array(-7, dtype=np.int64)),
        'c_ints': jsonable(np.array([3, 9007199254740993], dtype=np.int64)),
    }
    return model, expected


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, build in [('typed-fields', typed_fields), ('constants-subgraph', constants_and_subgraph)]:
        model, expected = build()
        onnx.save_model(model, os.path.join(OUT, name + '.onnx'))
        with open(os.path.join(OUT, name + '.json'), 'w') as f:
            json.dump(expected, f, indent=1)
    model, expected = external_data()
    onnx.save_model(model, os.path.join(OUT, 'external-data.onnx'), save_as_external_data=True,
                    all_tensors_to_one_file=True, location='external-data.bin', size_threshold=0)
    with open(os.path.join(OUT, 'external-data.json'), 'w') as f:
        json.dump(expected, f, indent=1)


if __name__ == '__main__':
    main()
