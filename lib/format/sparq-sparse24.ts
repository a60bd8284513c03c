/**
 * 2:4 blob encoding: a tensor whose every group of 4 consecutive elements (flat order) has at most 2 non-zero
 * elements is stored as its 2 kept elements per group plus one index byte per group (4 bits per kept slot).
 * fp32 weights shrink to 56%, int8 to 75%. Zero means all-zero bits, so -0 is kept and decoding is bit-exact.
 */

/** Elements below this count are not worth the index bytes' bookkeeping. */
const MIN_ELEMENTS = 64;

/** Whether `bytes` (elements of `elementBytes` each) is 2:4 sparse in flat order. */
export function isSparse24(bytes: Uint8Array, elementBytes: number): boolean {
  const elements = bytes.length / elementBytes;
  if (elements < MIN_ELEMENTS || elements % 4 !== 0) return false;
  for (let g = 0; g < elements; g += 4) {
    let nonZero = 0;
    for (let k = 0; k < 4; k++) if (!isZero(bytes, (g + k) * elementBytes, elementBytes)) nonZero++;
    if (nonZero > 2) return false;
  }
  return true;
}

function isZero(bytes: Uint8Array, at: number, elementBytes: number): boolean {
  for (let b = 0; b < elementBytes; b++) if (bytes[at + b] !== 0) return false;
  return true;
}

/** Byte length of the encoding of `elements` elements: values (half the elements) then one index byte per group. */
export function sparse24Bytes(elements: number, elementBytes: number): number {
  return (elements / 2) * elementBytes + elements / 4;
}

/**
 * dst = [elements/2 kept values][elements/4 index bytes]; index byte = first kept slot | second kept slot << 4.
 * Groups with fewer than 2 non-zeros keep zero slots to fill up (lowest unused slots first).
 */
export function encodeSparse24(bytes: Uint8Array, elementBytes: number): Uint8Array {
  const elements = bytes.length / elementBytes;
  const out = new Uint8Array(sparse24Bytes(elements, elementBytes));
  const indexBase = (elements / 2) * elementBytes;
  for (let g = 0, group = 0; g < elements; g += 4, group++) {
    const slots: number[] = [];
    for (let k = 0; k < 4 && slots.length < 2; k++) if (!isZero(bytes, (g + k) * elementBytes, elementBytes)) slots.push(k);
    for (let k = 0; k < 4 && slots.length < 2; k++) if (!slots.includes(k)) slots.push(k);
    slots.sort((a, b) => a - b);
    for (let s = 0; s < 2; s++) {
      const from = (g + slots[s]) * elementBytes;
      out.set(bytes.subarray(from, from + elementBytes), (group * 2 + s) * elementBytes);
    }
    out[indexBase + group] = slots[0] | (slots[1] << 4);
  }
  return out;
}

/** Inverse of encodeSparse24 into `dst` (zero-filled, `elements * elementBytes` long). Returns false on a bad index byte. */
export function decodeSparse24(src: Uint8Array, dst: Uint8Array, elementBytes: number): boolean {
  const elements = dst.length / elementBytes;
  const indexBase = (elements / 2) * elementBytes;
  const index = src.subarray(indexBase, indexBase + elements / 4);
  // Whole elements move as one number when the element size allows: 4-byte elements through Uint32Array views.
  if (elementBytes === 4 || elementBytes === 1) {
    const Word = elementBytes === 4 ? Uint32Array : Uint8Array;
    const values = new Word(src.slice(0, indexBase).buffer as ArrayBuffer);
    const out = new Word(dst.buffer as ArrayBuffer, dst.byteOffset, elements);
    for (let group = 0; group < index.length; group++) {
      const first = index[group] & 15;
      const second = index[group] >> 4;
      if (second > 3 || first >= second) return false;
      out[group * 4 + first] = values[group * 2];
      out[group * 4 + second] = values[group * 2 + 1];
    }
    return true;
  }
  for (let group = 0; group < index.length; group++) {
    const first = index[group] & 15;
    const second = index[group] >> 4;
    if (second > 3 || first >= second) return false;
    const base = group * 4 * elementBytes;
    const from = group * 2 * elementBytes;
    dst.set(src.subarray(from, from + elementBytes), base + first * elementBytes);
    dst.set(src.subarray(from + elementBytes, from + 2 * elementBytes), base + second * elementBytes);
  }
  return true;
}
