/**
 * 2:4 blob encoding: a tensor whose every group of 4 elements has at most 2 non-zero elements is stored as its 2
 * kept elements per group plus one index byte per group (4 bits per kept slot). fp32 weights shrink to 56%, int8 to
 * 75%. A group is 4 elements `stride` apart: stride 1 groups neighbours in flat order, stride kh*kw groups 4 input
 * channels of a Conv weight [O, I, kh, kw] (how 2:4 pruning picks them). Zero means all-zero bits, so -0 is kept
 * and decoding is bit-exact.
 */

/** Elements below this count are not worth the index bytes' bookkeeping. */
const MIN_ELEMENTS = 64;

/** Flat index of element k (0..3) of group g: groups run over blocks of 4 * stride elements, `stride` groups per block. */
function at(g: number, k: number, stride: number): number {
  const block = Math.floor(g / stride);
  return block * 4 * stride + (g - block * stride) + k * stride;
}

function isZero(bytes: Uint8Array, index: number, elementBytes: number): boolean {
  for (let b = 0; b < elementBytes; b++) if (bytes[index * elementBytes + b] !== 0) return false;
  return true;
}

/** Whether `bytes` (elements of `elementBytes` each) is 2:4 sparse in groups `stride` apart. */
export function isSparse24(bytes: Uint8Array, elementBytes: number, stride = 1): boolean {
  const elements = bytes.length / elementBytes;
  if (elements < MIN_ELEMENTS || elements % (4 * stride) !== 0) return false;
  for (let g = 0; g < elements / 4; g++) {
    let nonZero = 0;
    for (let k = 0; k < 4; k++) if (!isZero(bytes, at(g, k, stride), elementBytes)) nonZero++;
    if (nonZero > 2) return false;
  }
  return true;
}

/** Byte length of the encoding of `elements` elements: values (half the elements) then one index byte per group. */
export function sparse24Bytes(elements: number, elementBytes: number): number {
  return (elements / 2) * elementBytes + elements / 4;
}

/**
 * dst = [elements/2 kept values][elements/4 index bytes], group by group; index byte = first kept slot | second << 4.
 * Groups with fewer than 2 non-zeros keep zero slots to fill up (lowest unused slots first).
 */
export function encodeSparse24(bytes: Uint8Array, elementBytes: number, stride = 1): Uint8Array {
  const elements = bytes.length / elementBytes;
  const out = new Uint8Array(sparse24Bytes(elements, elementBytes));
  const indexBase = (elements / 2) * elementBytes;
  for (let g = 0; g < elements / 4; g++) {
    const slots: number[] = [];
    for (let k = 0; k < 4 && slots.length < 2; k++) if (!isZero(bytes, at(g, k, stride), elementBytes)) slots.push(k);
    for (let k = 0; k < 4 && slots.length < 2; k++) if (!slots.includes(k)) slots.push(k);
    slots.sort((a, b) => a - b);
    for (let s = 0; s < 2; s++) {
      const from = at(g, slots[s], stride) * elementBytes;
      out.set(bytes.subarray(from, from + elementBytes), (g * 2 + s) * elementBytes);
    }
    out[indexBase + g] = slots[0] | (slots[1] << 4);
  }
  return out;
}

/** Inverse of encodeSparse24 into `dst` (zero-filled, `elements * elementBytes` long). Returns false on a bad index byte. */
export function decodeSparse24(src: Uint8Array, dst: Uint8Array, elementBytes: number, stride = 1): boolean {
  const elements = dst.length / elementBytes;
  const indexBase = (elements / 2) * elementBytes;
  const index = src.subarray(indexBase, indexBase + elements / 4);
  // Whole elements move as one number when the element size allows: 4-byte elements through Uint32Array views.
  if (elementBytes === 4 || elementBytes === 1) {
    const Word = elementBytes === 4 ? Uint32Array : Uint8Array;
    // A copy (aligned for Uint32Array): src may be a Buffer, whose slice() is a view, not a copy.
    const copy = new Uint8Array(indexBase);
    copy.set(src.subarray(0, indexBase));
    const values = new Word(copy.buffer);
    const out = new Word(dst.buffer as ArrayBuffer, dst.byteOffset, elements);
    for (let g = 0, block = 0, j = 0; g < index.length; g++) {
      const first = index[g] & 15;
      const second = index[g] >> 4;
      if (second > 3 || first >= second) return false;
      const base = block * 4 * stride + j;
      out[base + first * stride] = values[g * 2];
      out[base + second * stride] = values[g * 2 + 1];
      if (++j === stride) {
        j = 0;
        block++;
      }
    }
    return true;
  }
  for (let g = 0; g < index.length; g++) {
    const first = index[g] & 15;
    const second = index[g] >> 4;
    if (second > 3 || first >= second) return false;
    const from = g * 2 * elementBytes;
    dst.set(src.subarray(from, from + elementBytes), at(g, first, stride) * elementBytes);
    dst.set(src.subarray(from + elementBytes, from + 2 * elementBytes), at(g, second, stride) * elementBytes);
  }
  return true;
}
