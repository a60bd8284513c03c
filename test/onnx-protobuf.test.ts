/** The protobuf wire codec: varints (64-bit, negative), fixed widths, packed and unpacked repeated fields, bounds. */
import { ModelFormatError } from '../lib/errors';
import { MAX_MESSAGE_DEPTH, ProtoReader, WIRE_FIXED32, WIRE_LENGTH, WIRE_VARINT } from '../lib/onnx/protobuf-reader';
import { ProtoWriter } from '../lib/onnx/protobuf-writer';

function bytes(...b: number[]): Uint8Array {
  return new Uint8Array(b);
}

describe('ProtoReader', () => {
  test('varints: one byte, multi byte, 64-bit and negative (two\'s complement, 10 bytes)', () => {
    expect(new ProtoReader(bytes(0x01)).readInt64()).toBe(1);
    expect(new ProtoReader(bytes(0xac, 0x02)).readInt64()).toBe(300);
    // 2^35 = 0x8_0000_0000
    expect(new ProtoReader(bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x01)).readVarintBig()).toBe(2n ** 35n);
    const minusOne = bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01);
    expect(new ProtoReader(minusOne).readVarintBig()).toBe(-1n);
    expect(new ProtoReader(minusOne).readInt64()).toBe(-1);
    const int64Max = bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f);
    expect(new ProtoReader(int64Max).readVarintBig()).toBe(9223372036854775807n);
  });

  test('writer and reader agree on values around every varint length boundary', () => {
    const values: bigint[] = [0n, 1n, -1n, -9223372036854775808n, 9223372036854775807n];
    for (let k = 1n; k < 64n; k++) values.push(2n ** k - 1n, 2n ** k, -(2n ** k));
    const w = new ProtoWriter();
    for (const v of values) w.int64Field(3, BigInt.asIntN(64, v));
    const r = new ProtoReader(w.finish());
    for (const v of values) {
      expect(r.readTag()).toEqual([3, WIRE_VARINT]);
      expect(r.readVarintBig()).toBe(BigInt.asIntN(64, v));
    }
    expect(r.eof()).toBe(true);
  });

  test('JS numbers beyond int64 saturate instead of wrapping (INT64_MAX as a double)', () => {
    const w = new ProtoWriter();
    w.varint(9223372036854775807);
    w.varint(-1e30);
    const r = new ProtoReader(w.finish());
    expect(r.readVarintBig()).toBe(9223372036854775807n);
    expect(r.readVarintBig()).toBe(-9223372036854775808n);
  });

  test('packed and unpacked repeated fields decode to the same values', () => {
    const packed = new ProtoWriter();
    packed.packedInt64Field(1, [1, -2, 300]);
    packed.packedFloatField(2, [1.5, -0.25]);
    const unpacked = new ProtoWriter();
    for (const v of [1, -2, 300]) unpacked.int64Field(1, v);
    for (const v of [1.5, -0.25]) unpacked.floatField(2, v);
    for (const buf of [packed.finish(), unpacked.finish()]) {
      const r = new ProtoReader(buf);
      const ints: number[] = [];
      const floats: number[] = [];
      while (!r.eof()) {
        const [field, wire] = r.readTag();
        if (field === 1) r.readRepeatedInt64(wire, ints);
        else r.readRepeatedFloat(wire, floats);
      }
      expect(ints).toEqual([1, -2, 300]);
      expect(floats).toEqual([1.5, -0.25]);
    }
  });

  test('fixed32/64, doubles, strings and skipping unknown fields of every wire type', () => {
    const w = new ProtoWriter();
    w.floatField(1, 3.5);
    w.doubleField(2, -1e300);
    w.stringField(3, 'héllo');
    w.int64Field(4, 7);
    w.messageField(5, (m) => m.int64Field(1, 9));
    const r = new ProtoReader(w.finish());
    expect(r.readTag()).toEqual([1, WIRE_FIXED32]);
    r.skip(WIRE_FIXED32);
    r.readTag();
    expect(r.readDouble()).toBe(-1e300);
    expect(r.readTag()).toEqual([3, WIRE_LENGTH]);
    expect(r.readString()).toBe('héllo');
    r.skip(r.readTag()[1]);
    r.readTag();
    const sub = r.sub();
    expect(sub.readTag()).toEqual([1, WIRE_VARINT]);
    expect(sub.readInt64()).toBe(9);
    expect(r.eof()).toBe(true);
  });

  test('lengths beyond the remaining bytes, truncated varints and bad wire types fail with the byte offset', () => {
    expect(() => new ProtoReader(bytes(0x0a, 0x05, 0x01)).sub()).toThrow(ModelFormatError);
    const r = new ProtoReader(bytes(0x0a, 0x05, 0x01));
    r.readTag();
    expect(() => r.readBytes()).toThrow('Invalid protobuf data at byte 1: length 5 exceeds the 1 remaining bytes');
    expect(() => new ProtoReader(bytes(0x80, 0x80)).readInt64()).toThrow(/at byte 2: unexpected end of data/);
    expect(() => new ProtoReader(bytes(0x0b)).readTag()).toThrow(/at byte 0: unsupported wire type 3/);
    expect(() => new ProtoReader(bytes(0x00)).readTag()).toThrow(/field number 0/);
    expect(() => new ProtoReader(new Uint8Array(11).fill(0xff)).readVarintBig()).toThrow(/longer than 10 bytes/);
    expect(() => new ProtoReader(bytes(1, 2, 3)).readDouble()).toThrow(/need 8 bytes but only 3 remain/);
    // 2^32 + 5 must not wrap to a plausible 5.
    const wide = new ProtoReader(bytes(0x0a, 0x85, 0x80, 0x80, 0x80, 0x10, 1, 2, 3, 4, 5));
    wide.readTag();
    expect(() => wide.readBytes()).toThrow('Invalid protobuf data at byte 1: length 4294967301 exceeds the 5 remaining bytes');
  });

  test('nesting deeper than the cap is refused', () => {
    let inner: Uint8Array = new Uint8Array(0);
    for (let i = 0; i <= MAX_MESSAGE_DEPTH + 1; i++) {
      const w = new ProtoWriter();
      w.bytesField(1, inner);
      inner = w.finish();
    }
    const walk = (r: ProtoReader): void => {
      while (!r.eof()) {
        r.readTag();
        walk(r.sub());
      }
    };
    expect(() => walk(new ProtoReader(inner))).toThrow(/nested deeper than 64/);
  });
});
