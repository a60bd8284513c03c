/** A protobuf wire-format writer that collects chunks, so large payloads (raw tensor bytes) are copied once. */
import { WIRE_FIXED32, WIRE_FIXED64, WIRE_LENGTH, WIRE_VARINT } from './protobuf-reader';

const utf8 = new TextEncoder();

/** Fields are written in call order; nested messages are built by a child writer and spliced in. */
export class ProtoWriter {
  private parts: Uint8Array[] = [];
  private scratch = new Uint8Array(256);
  private used = 0;
  /** Total bytes written so far. */
  length = 0;

  private flushScratch(): void {
    if (this.used > 0) {
      this.parts.push(this.scratch.slice(0, this.used));
      this.used = 0;
    }
  }

  private ensure(n: number): void {
    if (this.used + n > this.scratch.length) {
      this.flushScratch();
      if (n > this.scratch.length) this.scratch = new Uint8Array(Math.max(n, this.scratch.length * 2));
    }
  }

  private rawByte(b: number): void {
    this.scratch[this.used++] = b;
    this.length++;
  }

  /** Unsigned or negative (two's complement, 10 bytes) varint. */
  varint(value: number | bigint): void {
    this.ensure(10);
    if (typeof value === 'number' && value >= 0 && value <= 0x7fffffff && Number.isInteger(value)) {
      let v = value;
      while (v > 0x7f) {
        this.rawByte((v & 0x7f) | 0x80);
        v >>>= 7;
      }
      this.rawByte(v);
      return;
    }
    let v = BigInt.asUintN(64, typeof value === 'bigint' ? value : numberToInt64(value));
    while (v > 0x7fn) {
      this.rawByte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.rawByte(Number(v));
  }

  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  bytes(data: Uint8Array): void {
    this.varint(data.length);
    if (data.length <= 64) {
      this.ensure(data.length);
      this.scratch.set(data, this.used);
      this.used += data.length;
    } else {
      this.flushScratch();
      this.parts.push(data);
    }
    this.length += data.length;
  }

  // ---- field helpers -------------------------------------------------------------------------------------

  int64Field(field: number, value: number | bigint): void {
    this.tag(field, WIRE_VARINT);
    this.varint(value);
  }

  floatField(field: number, value: number): void {
    this.tag(field, WIRE_FIXED32);
    this.ensure(4);
    new DataView(this.scratch.buffer).setFloat32(this.used, value, true);
    this.used += 4;
    this.length += 4;
  }

  doubleField(field: number, value: number): void {
    this.tag(field, WIRE_FIXED64);
    this.ensure(8);
    new DataView(this.scratch.buffer).setFloat64(this.used, value, true);
    this.used += 8;
    this.length += 8;
  }

  stringField(field: number, value: string): void {
    this.tag(field, WIRE_LENGTH);
    this.bytes(utf8.encode(value));
  }

  bytesField(field: number, value: Uint8Array): void {
    this.tag(field, WIRE_LENGTH);
    this.bytes(value);
  }

  /** A nested message built by `build` on a child writer. */
  messageField(field: number, build: (w: ProtoWriter) => void): void {
    const child = new ProtoWriter();
    build(child);
    this.tag(field, WIRE_LENGTH);
    this.varint(child.length);
    this.flushScratch();
    child.flushScratch();
    for (const p of child.parts) this.parts.push(p);
    this.length += child.length;
  }

  packedInt64Field(field: number, values: ArrayLike<number | bigint>): void {
    if (values.length === 0) return;
    const child = new ProtoWriter();
    for (let i = 0; i < values.length; i++) child.varint(values[i]);
    this.tag(field, WIRE_LENGTH);
    this.bytes(child.finish());
  }

  packedFloatField(field: number, values: ArrayLike<number>): void {
    if (values.length === 0) return;
    const data = new Uint8Array(values.length * 4);
    const dv = new DataView(data.buffer);
    for (let i = 0; i < values.length; i++) dv.setFloat32(i * 4, values[i], true);
    this.bytesField(field, data);
  }

  packedDoubleField(field: number, values: ArrayLike<number>): void {
    if (values.length === 0) return;
    const data = new Uint8Array(values.length * 8);
    const dv = new DataView(data.buffer);
    for (let i = 0; i < values.length; i++) dv.setFloat64(i * 8, values[i], true);
    this.bytesField(field, data);
  }

  /** The whole message as one buffer. */
  finish(): Uint8Array {
    this.flushScratch();
    if (this.parts.length === 1) return this.parts[0];
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/** Saturates a JS number to int64 (INT64_MAX written as a double rounds up to 2^63, which must not wrap). */
function numberToInt64(v: number): bigint {
  if (Number.isNaN(v)) return 0n;
  if (v >= 9223372036854775807) return 9223372036854775807n;
  if (v <= -9223372036854775808) return -9223372036854775808n;
  return BigInt(Math.trunc(v));
}
