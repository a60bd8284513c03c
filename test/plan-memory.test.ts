/** Memory plan: no two tensors live at the same time share bytes (brute force on random graphs), Reshape aliasing, alignment. */
import type { LoweredGraph, LoweredOp, LoweredTensor } from '../lib/plan/lowered-graph';
import { ARENA_ALIGNMENT, assignOffsets, planMemory } from '../lib/plan/memory-plan';

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/** A random DAG: ops read 1-3 earlier tensors (inputs, constants or op outputs), some ops are Reshapes. */
function randomGraph(seed: number): LoweredGraph {
  const r = rng(seed);
  const tensors = new Map<string, LoweredTensor>();
  const add = (name: string, elements: number, constant = false) =>
    tensors.set(name, { name, dtype: 'float32', shape: [elements], ...(constant ? { value: { type: 'float32', dims: [elements], data: new Float32Array(elements) } } : {}) });
  const inputs: string[] = [];
  const available: string[] = [];
  const nInputs = 1 + Math.floor(r() * 3);
  for (let i = 0; i < nInputs; i++) {
    add(`in${i}`, 1 + Math.floor(r() * 300));
    inputs.push(`in${i}`);
    available.push(`in${i}`);
  }
  add('const', 17, true);
  available.push('const');
  const ops: LoweredOp[] = [];
  const nOps = 2 + Math.floor(r() * 25);
  for (let i = 0; i < nOps; i++) {
    const out = `t${i}`;
    if (r() < 0.3) {
      const src = available[Math.floor(r() * available.length)];
      const t = tensors.get(src)!;
      add(out, t.shape[0]);
      ops.push({ type: 'Reshape', name: `op${i}`, inputs: [src], outputs: [out], attrs: {} });
    } else {
      const k = 1 + Math.floor(r() * 3);
      const ins = Array.from({ length: k }, () => available[Math.floor(r() * available.length)]);
      add(out, Math.floor(r() * 500));
      ops.push({ type: 'Add', name: `op${i}`, inputs: ins, outputs: [out], attrs: {} });
    }
    available.push(out);
  }
  const produced = ops.map((o) => o.outputs[0]);
  const outputs = [produced[produced.length - 1]];
  if (r() < 0.5) outputs.push(produced[Math.floor(r() * produced.length)]);
  return { tensors, ops, inputs, outputs: [...new Set(outputs)] };
}

/** Independent lifetimes: [first op that writes (0 for inputs), last op that reads (end for outputs)]. */
function lifetimes(g: LoweredGraph): Map<string, [number, number]> {
  const life = new Map<string, [number, number]>();
  for (const i of g.inputs) life.set(i, [0, 0]);
  g.ops.forEach((op, k) => {
    for (const o of op.outputs) life.set(o, [k + 1, k + 1]);
    for (const i of op.inputs) if (life.has(i)) life.get(i)![1] = k + 1;
  });
  for (const o of g.outputs) life.get(o)![1] = g.ops.length + 1;
  return life;
}

describe('memory plan', () => {
  test('random graphs: tensors live at the same time never share bytes, except a Reshape output with the input dying there', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const g = randomGraph(seed);
      const bytes = (n: string) => g.tensors.get(n)!.shape[0] * 4;
      const plan = planMemory(g, bytes);
      const life = lifetimes(g);
      // Tensors sharing bytes legally: y = Reshape(x) at op k where x is last read at k and is not a graph output.
      const reshapeOf = new Map<string, { x: string; k: number }>();
      g.ops.forEach((op, k) => op.type === 'Reshape' && reshapeOf.set(op.outputs[0], { x: op.inputs[0], k: k + 1 }));
      const sameValue = (a: string, b: string): boolean => {
        for (const [y, x] of [[a, b], [b, a]]) {
          const r = reshapeOf.get(y);
          if (r && r.x === x && life.get(x)![1] === r.k && !g.outputs.includes(x)) return true;
          if (r && life.get(r.x)?.[1] === r.k && sameValue(r.x, x)) return true;
        }
        return false;
      };
      const names = [...life.keys()];
      for (const name of names) {
        const off = plan.offsets.get(name)!;
        expect(off % ARENA_ALIGNMENT).toBe(0);
        expect(off + bytes(name)).toBeLessThanOrEqual(plan.arenaBytes);
      }
      for (let i = 0; i < names.length; i++) {
        for (let j = i + 1; j < names.length; j++) {
          const [a, b] = [names[i], names[j]];
          const [la, lb] = [life.get(a)!, life.get(b)!];
          if (la[1] < lb[0] || lb[1] < la[0] || bytes(a) === 0 || bytes(b) === 0) continue;
          const [oa, ob] = [plan.offsets.get(a)!, plan.offsets.get(b)!];
          const overlap = oa < ob + bytes(b) && ob < oa + bytes(a);
          if (overlap && !(oa === ob && sameValue(a, b))) {
            throw new Error(`seed ${seed}: ${a} [${la}] @${oa}+${bytes(a)} overlaps ${b} [${lb}] @${ob}+${bytes(b)}`);
          }
        }
      }
    }
  });

  test('a Reshape of a dying tensor aliases it; of a tensor read later, it does not', () => {
    const t = (name: string): LoweredTensor => ({ name, dtype: 'float32', shape: [64] });
    const tensors = new Map(['x', 'a', 'b', 'c', 'd'].map((n) => [n, t(n)]));
    const g: LoweredGraph = {
      tensors,
      inputs: ['x'],
      outputs: ['d'],
      ops: [
        { type: 'Relu', name: 'r', inputs: ['x'], outputs: ['a'], attrs: {} },
        { type: 'Reshape', name: 's1', inputs: ['a'], outputs: ['b'], attrs: {} }, // a dies here → alias
        { type: 'Reshape', name: 's2', inputs: ['b'], outputs: ['c'], attrs: {} }, // b is read again below → copy
        { type: 'Add', name: 'add', inputs: ['b', 'c'], outputs: ['d'], attrs: {} },
      ],
    };
    const plan = planMemory(g, () => 256);
    expect(plan.offsets.get('b')).toBe(plan.offsets.get('a'));
    expect(plan.offsets.get('c')).not.toBe(plan.offsets.get('b'));
    expect(plan.aliased).toBe(1);
  });

  test('best fit reuses freed blocks: a chain of equal tensors needs two blocks', () => {
    const blocks = Array.from({ length: 10 }, (_, i) => ({ bytes: 1000, start: i, end: i + 1 }));
    const { offsets, arenaBytes } = assignOffsets(blocks);
    expect(arenaBytes).toBe(2 * 1024);
    expect(new Set(offsets).size).toBe(2);
  });
});
