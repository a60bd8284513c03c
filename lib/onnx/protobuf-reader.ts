/** A bounds-checked protobuf wire-format reader: every malformed input ends in ModelFormatError with its byte offset. */
import { ModelFormatError } from '../errors';

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LENGTH = 2;
export const WIRE_FIXED32 = 5;

/** Nested messages deeper than this are refused, so hostile input cannot exhaust the stack. */
export const MAX_MESSAGE_DEPTH = 64;

const utf8 = new TextDecoder('utf-8');

/**
 * Reads one message (a byte range of a shared buffer). Offsets in errors are absolute within the whole input,
 * so `sub()` readers keep the buffer and move their window instead of copying.
 */
export class ProtoReader {
  pos: number;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
    readonly depth = 0,
  ) {
    this.pos = start;
  }

  eof(): boolean {
    return this.pos >= this.end;
  }

  fail(what: string, at = this.pos): never {
    throw new ModelFormatError(`Invalid protobuf data at byte ${at}: ${what}`);
  }

  /** Returns [fieldNumber, wireType]. */
  readTag(): [number, number] {
    const at = this.pos;
    const tag = this.readVarint32();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 0) this.fail('field number 0', at);
    if (wire !== WIRE_VARINT && wire !== WIRE_FIXED64 && wire !== WIRE_LENGTH && wire !== WIRE_FIXED32) {
      this.fail(`unsupported wire type ${wire} for field ${field}`, at);
    }
    return [field, wire];
  }

  private byte(): number {
    if (this.pos >= this.end) this.fail('unexpected end of data');
    return this.buf[this.pos++];
  }

  /** A varint that must fit in 32 bits (tags, lengths, enums); wider values are truncated to the low 32 bits like protoc. */
  readVarint32(): number {
    let result = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      const b = this.byte();
      if (shift < 32) result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result >>> 0;
    }
    this.fail('varint longer than 10 bytes');
  }

  /** A 64-bit varint as BigInt (two's complement signed). */
  readVarintBig(): bigint {
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >>> 4;
      } else hi |= (b & 0x7f) << (7 * i - 32);
      if ((b & 0x80) === 0) return BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0));
    }
    this.fail('varint longer than 10 bytes');
  }

  /** An int64 varint as a JS number; values beyond 2^53 lose precision (INT64_MAX stays a huge number, as Slice needs). */
  readInt64(): number {
    // Fast path: small non-negative values (the vast majority: dims, enums, attribute ints).
    const start = this.pos;
    let result = 0;
    for (let i = 0; i < 4 && this.pos < this.end; i++) {
      const b = this.buf[this.pos++];
      result |= (b & 0x7f) << (7 * i);
      if ((b & 0x80) === 0) return result;
    }
    this.pos = start;
    return Number(this.readVarintBig());
  }

  readFixed32(): number {
    this.need(4);
    const v = this.view().getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  readFloat(): number {
    this.need(4);
    const v = this.view().getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  readDouble(): number {
    this.need(8);
    const v = this.view().getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  readFixed64Big(): bigint {
    this.need(8);
    const v = this.view().getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** A length prefix: a varint that must fit the remaining bytes (wider varints are never truncated into range). */
  private readLength(): number {
    const at = this.pos;
    const len = this.readInt64();
    if (len < 0 || len > this.end - this.pos) this.fail(`length ${len} exceeds the ${this.end - this.pos} remaining bytes`, at);
    return len;
  }

  /** A length-delimited payload as a view into the input (no copy). */
  readBytes(): Uint8Array {
    const len = this.readLength();
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  readString(): string {
    return utf8.decode(this.readBytes());
  }

  /** A reader over a nested length-delimited message. */
  sub(): ProtoReader {
    const at = this.pos;
    if (this.depth + 1 > MAX_MESSAGE_DEPTH) this.fail(`messages nested deeper than ${MAX_MESSAGE_DEPTH}`, at);
    const len = this.readLength();
    const r = new ProtoReader(this.buf, this.pos, this.pos + len, this.depth + 1);
    this.pos += len;
    return r;
  }

  /** Skips a field of the given wire type. */
  skip(wire: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.readVarintBig();
        return;
      case WIRE_FIXED64:
        this.need(8);
        this.pos += 8;
        return;
      case WIRE_LENGTH:
        this.readBytes();
        return;
      case WIRE_FIXED32:
        this.need(4);
        this.pos += 4;
        return;
      default:
        this.fail(`unsupported wire type ${wire}`);
    }
  }

  /** Checks a field's wire type; `field` and `message` name it in the error. */
  expectWire(wire: number, wanted: number, field: string): void {
    if (wire !== wanted) this.fail(`wire type ${wire} for ${field} (expected ${wanted})`);
  }

  /** Repeated int64 field, packed (wire 2) or one unpacked element (wire 0); appended to `out` as numbers. */
  readRepeatedInt64(wire: number, out: number[]): void {
    if (wire === WIRE_LENGTH) {
      const r = this.sub();
      while (!r.eof()) out.push(r.readInt64());
    } else if (wire === WIRE_VARINT) out.push(this.readInt64());
    else this.fail(`wire type ${wire} for a repeated integer field`);
  }

  /** Repeated int64 field kept exact as BigInt. */
  readRepeatedInt64Big(wire: number, out: bigint[]): void {
    if (wire === WIRE_LENGTH) {
      const r = this.sub();
      while (!r.eof()) out.push(r.readVarintBig());
    } else if (wire === WIRE_VARINT) out.push(this.readVarintBig());
    else this.fail(`wire type ${wire} for a repeated integer field`);
  }

  /** Repeated uint64 field kept exact as BigInt (unsigned). */
  readRepeatedUint64Big(wire: number, out: bigint[]): void {
    const before = out.length;
    this.readRepeatedInt64Big(wire, out);
    for (let i = before; i < out.length; i++) out[i] = BigInt.asUintN(64, out[i]);
  }

  /** Repeated float field, packed (wire 2, length must be a multiple of 4) or one unpacked element (wire 5). */
  readRepeatedFloat(wire: number, out: number[]): void {
    if (wire === WIRE_LENGTH) {
      const at = this.pos;
      const bytes = this.readBytes();
      if (bytes.length % 4 !== 0) this.fail(`packed float length ${bytes.length} is not a multiple of 4`, at);
      const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i < bytes.length; i += 4) out.push(dv.getFloat32(i, true));
    } else if (wire === WIRE_FIXED32) out.push(this.readFloat());
    else this.fail(`wire type ${wire} for a repeated float field`);
  }

  /** Repeated double field, packed (wire 2) or one unpacked element (wire 1). */
  readRepeatedDouble(wire: number, out: number[]): void {
    if (wire === WIRE_LENGTH) {
      const at = this.pos;
      const bytes = this.readBytes();
      if (bytes.length % 8 !== 0) this.fail(`packed double length ${bytes.length} is not a multiple of 8`, at);
      const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i < bytes.length; i += 8) out.push(dv.getFloat64(i, true));
    } else if (wire === WIRE_FIXED64) out.push(this.readDouble());
    else this.fail(`wire type ${wire} for a repeated double field`);
  }

  private need(n: number): void {
    if (n > this.end - this.pos) this.fail(`need ${n} bytes but only ${this.end - this.pos} remain`);
  }

  private dv?: DataView;
  private view(): DataView {
    if (!this.dv) this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    return this.dv;
  }
}
