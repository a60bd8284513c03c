/** Decodes a TensorProto (raw_data, typed fields or an external data file) into a TensorValue. */
import * as fs from 'fs';
import * as path from 'path';
import { ModelFormatError, UnsupportedError } from '../errors';
import type { DataType, TensorData, TensorValue } from '../ir/graph';
import { allocateData, dataFromBytes, dtypeFromCode, elementCount, elementSize } from '../ir/tensor-values';
import { DATA_LOCATION_EXTERNAL, STRING_ENTRY, TENSOR } from './onnx-fields';
import { ProtoReader, WIRE_LENGTH, WIRE_VARINT } from './protobuf-reader';

export interface DecodeOptions {
  /** Directory that external data file locations are relative to. */
  baseDir?: string;
}

const utf8 = new TextDecoder('utf-8');

/** Reads one TensorProto message; `what` names it in errors (e.g. "initializer 'w'"). */
export function decodeTensor(r: ProtoReader, options: DecodeOptions, what: string): { name: string; value: TensorValue } {
  const dims: number[] = [];
  let code = 0;
  let name = '';
  let raw: Uint8Array | undefined;
  const floats: number[] = [];
  const doubles: number[] = [];
  const int32s: bigint[] = [];
  const int64s: bigint[] = [];
  const uint64s: bigint[] = [];
  const strings: string[] = [];
  const external: Record<string, string> = {};
  let location = 0;
  let hasSegment = false;
  const start = r.pos;
  while (!r.eof()) {
    const [field, wire] = r.readTag();
    switch (field) {
      case TENSOR.dims:
        r.readRepeatedInt64(wire, dims);
        break;
      case TENSOR.dataType:
        r.expectWire(wire, WIRE_VARINT, 'TensorProto.data_type');
        code = r.readInt64();
        break;
      case TENSOR.segment:
        hasSegment = true;
        r.skip(wire);
        break;
      case TENSOR.floatData:
        r.readRepeatedFloat(wire, floats);
        break;
      case TENSOR.int32Data:
        r.readRepeatedInt64Big(wire, int32s);
        break;
      case TENSOR.stringData:
        r.expectWire(wire, WIRE_LENGTH, 'TensorProto.string_data');
        strings.push(utf8.decode(r.readBytes()));
        break;
      case TENSOR.int64Data:
        r.readRepeatedInt64Big(wire, int64s);
        break;
      case TENSOR.name:
        r.expectWire(wire, WIRE_LENGTH, 'TensorProto.name');
        name = r.readString();
        break;
      case TENSOR.rawData:
        r.expectWire(wire, WIRE_LENGTH, 'TensorProto.raw_data');
        raw = r.readBytes();
        break;
      case TENSOR.doubleData:
        r.readRepeatedDouble(wire, doubles);
        break;
      case TENSOR.uint64Data:
        r.readRepeatedUint64Big(wire, uint64s);
        break;
      case TENSOR.externalData: {
        r.expectWire(wire, WIRE_LENGTH, 'TensorProto.external_data');
        const e = r.sub();
        let key = '';
        let value = '';
        while (!e.eof()) {
          const [f, w] = e.readTag();
          if (f === STRING_ENTRY.key && w === WIRE_LENGTH) key = e.readString();
          else if (f === STRING_ENTRY.value && w === WIRE_LENGTH) value = e.readString();
          else e.skip(w);
        }
        external[key] = value;
        break;
      }
      case TENSOR.dataLocation:
        r.expectWire(wire, WIRE_VARINT, 'TensorProto.data_location');
        location = r.readInt64();
        break;
      default:
        r.skip(wire);
    }
  }
  const label = name ? `${what} '${name}'` : what;
  if (hasSegment) throw new UnsupportedError(`Unsupported segmented tensor ${label}`);
  const type = dtypeFromCode(code);
  if (type === undefined) {
    if (code === 0) throw new ModelFormatError(`Tensor ${label} at byte ${start} has no data_type`);
    throw new UnsupportedError(`Unsupported tensor data type ${code} of ${label}`);
  }
  const count = elementCount(dims, label);
  let data: TensorData;
  if (location === DATA_LOCATION_EXTERNAL) {
    data = readExternal(type, count, external, options, label);
  } else if (raw !== undefined) {
    if (type === 'string') throw new ModelFormatError(`String tensor ${label} cannot use raw_data`);
    const want = count * elementSize(type);
    if (raw.length !== want) {
      throw new ModelFormatError(
        `Expected ${want} bytes of raw_data for ${label} of type ${type} and shape [${dims.join(', ')}] but received ${raw.length}`,
      );
    }
    data = dataFromBytes(type, raw, count);
  } else {
    data = fromTypedFields(type, count, { floats, doubles, int32s, int64s, uint64s, strings }, label);
  }
  return { name, value: { type, dims, data } };
}

interface TypedFields {
  floats: number[];
  doubles: number[];
  int32s: bigint[];
  int64s: bigint[];
  uint64s: bigint[];
  strings: string[];
}

function fromTypedFields(type: DataType, count: number, f: TypedFields, label: string): TensorData {
  let source: ArrayLike<number | bigint | string>;
  let field: string;
  switch (type) {
    case 'float32':
      [source, field] = [f.floats, 'float_data'];
      break;
    case 'float64':
      [source, field] = [f.doubles, 'double_data'];
      break;
    case 'int64':
      [source, field] = [f.int64s, 'int64_data'];
      break;
    case 'uint32':
    case 'uint64':
      [source, field] = [f.uint64s, 'uint64_data'];
      break;
    case 'string':
      [source, field] = [f.strings, 'string_data'];
      break;
    default: // int32, int16, int8, uint16, uint8, bool, float16 bits
      [source, field] = [f.int32s, 'int32_data'];
  }
  if (source.length !== count) {
    throw new ModelFormatError(`Expected ${count} elements in ${field} of ${label} but received ${source.length}`);
  }
  const data = allocateData(type, count);
  if (type === 'string') {
    for (let i = 0; i < count; i++) (data as string[])[i] = source[i] as string;
  } else if (type === 'int64') {
    (data as BigInt64Array).set(source as bigint[]);
  } else if (type === 'uint64') {
    (data as BigUint64Array).set(source as bigint[]);
  } else if (type === 'float32' || type === 'float64') {
    (data as Float32Array).set(source as number[]);
  } else {
    // Typed arrays wrap on assignment, which is what int32_data of narrower types means.
    const d = data as Int32Array;
    for (let i = 0; i < count; i++) d[i] = Number(BigInt.asIntN(32, source[i] as bigint));
  }
  return data;
}

function readExternal(
  type: DataType,
  count: number,
  entries: Record<string, string>,
  options: DecodeOptions,
  label: string,
): TensorData {
  if (type === 'string') throw new ModelFormatError(`String tensor ${label} cannot use external data`);
  const location = entries.location;
  if (!location) throw new ModelFormatError(`External data of ${label} has no location`);
  if (options.baseDir === undefined) {
    throw new ModelFormatError(`Tensor ${label} uses external data '${location}' but no baseDir was given to resolve it`);
  }
  const base = path.resolve(options.baseDir);
  const file = path.resolve(base, location);
  const rel = path.relative(base, file);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel) || location.includes('\0')) {
    throw new ModelFormatError(`External data location '${location}' of ${label} escapes the model directory`);
  }
  const offset = parseNonNegative(entries.offset ?? '0', 'offset', label);
  const want = count * elementSize(type);
  const length = entries.length !== undefined ? parseNonNegative(entries.length, 'length', label) : want;
  if (length !== want) {
    throw new ModelFormatError(`Expected external data length ${want} for ${label} but received ${length}`);
  }
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw new ModelFormatError(`Cannot open external data file '${location}' of ${label}: ${(e as Error).message}`);
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (offset + length > size) {
      throw new ModelFormatError(
        `External data of ${label} needs bytes ${offset}..${offset + length} but '${location}' has only ${size} bytes`,
      );
    }
    const data = allocateData(type, count) as Exclude<TensorData, string[]>;
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    let done = 0;
    while (done < length) {
      const n = fs.readSync(fd, bytes, done, length - done, offset + done);
      if (n <= 0) throw new ModelFormatError(`External data file '${location}' of ${label} ended early`);
      done += n;
    }
    return data;
  } finally {
    fs.closeSync(fd);
  }
}

function parseNonNegative(s: string, key: string, label: string): number {
  if (!/^\d+$/.test(s) || !Number.isSafeInteger(Number(s))) {
    throw new ModelFormatError(`Expected a non-negative integer external data ${key} for ${label} but received "${s}"`);
  }
  return Number(s);
}
