/**
 * The size measure of "weights N× smaller": bytes of every constant tensor a model stores (initializers and Constant
 * node values, element bytes only, no protobuf framing). For a QDQ model this is exactly what exportOnnx writes and
 * .sparq keeps as blobs; derived values (a bias scale computed by a Mul) cost nothing.
 */
import type { Graph, TensorValue } from '../ir/graph';

function tensorBytes(t: TensorValue): number {
  if (Array.isArray(t.data)) return t.data.reduce((a, s) => a + Buffer.byteLength(s), 0);
  return (t.data as ArrayBufferView).byteLength;
}

export function parameterBytes(g: Graph): number {
  let total = 0;
  for (const t of g.initializers.values()) total += tensorBytes(t);
  for (const n of g.nodes) {
    const v = n.attrs.value;
    if (n.opType === 'Constant' && n.domain === '' && v?.kind === 'tensor') total += tensorBytes(v.value);
  }
  return total;
}
