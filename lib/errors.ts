/** Error classes thrown by sparq. Every message names what was expected, where, and what was received. */

/** Base class of sparq's own errors (argument errors are plain TypeError / RangeError). */
export class SparqError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The model bytes are not a valid ONNX (or .sparq) model: truncated, corrupted, inconsistent. */
export class ModelFormatError extends SparqError {}

/** The model uses an op, attribute value or opset that sparq does not implement. */
export class UnsupportedError extends SparqError {
  constructor(
    message: string,
    readonly opType?: string,
    readonly nodeName?: string,
    readonly opset?: number,
  ) {
    super(message);
  }
}

/** A failure inside the native executor (including data-dependent run-time checks). */
export class NativeError extends SparqError {}

/** The engine was used after dispose(). */
export class DisposedError extends SparqError {}

/** Formats a value for the house error style: `Expected <what> for <name> but received <value>`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? value.slice(0, 57) + '...' : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return `array [${value.slice(0, 8).map(describeValue).join(', ')}${value.length > 8 ? ', ...' : ''}]`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as { length?: number }).length ?? value.byteLength})`;
  if (typeof value === 'function') return 'a function';
  return `an object of type ${(value as object).constructor?.name ?? 'Object'}`;
}

/** `Expected <what> for <name> but received <value>` */
export function expected(what: string, name: string, value: unknown): string {
  return `Expected ${what} for ${name} but received ${describeValue(value)}`;
}
