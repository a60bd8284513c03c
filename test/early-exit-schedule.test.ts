/** Output-first scheduling (lib/plan/schedule.ts): each exit's ops come right after what they need, the order stays topological, the memory plan stays valid. */
import { scheduleOutputsEarly } from '../lib/plan/schedule';
import { planMemory } from '../lib/plan/memory-plan';
import type { LoweredGraph, LoweredOp } from '../lib/plan/lowered-graph';

const op = (name: string, inputs: string[], outputs: string[]): LoweredOp => ({ type: 'Relu', name, inputs, outputs, attrs: {} });

/** Backbone a -> b -> c -> d with heads: exit1 from a, exit2 from c, logits from d; listed in the exporter's order (backbone first). */
function backboneFirst(): LoweredGraph {
  const ops = [
    op('stage1', ['x'], ['a']),
    op('stage2a', ['a'], ['b']),
    op('stage2b', ['b'], ['c']),
    op('stage3', ['c'], ['d']),
    op('head1', ['a'], ['h1']),
    op('fc1', ['h1'], ['exit1']),
    op('fc2', ['c'], ['exit2']),
    op('fc3', ['d'], ['logits']),
  ];
  const names = ['x', 'a', 'b', 'c', 'd', 'h1', 'exit1', 'exit2', 'logits'];
  return {
    tensors: new Map(names.map((n) => [n, { name: n, dtype: 'float32' as const, shape: [1, 4] }])),
    ops,
    inputs: ['x'],
    outputs: ['logits', 'exit1', 'exit2'],
  };
}

function isTopological(g: LoweredGraph): boolean {
  const ready = new Set(g.inputs);
  for (const o of g.ops) {
    if (!o.inputs.every((t) => ready.has(t))) return false;
    o.outputs.forEach((t) => ready.add(t));
  }
  return true;
}

describe('output-first scheduling', () => {
  test('each exit head runs as soon as its inputs exist, cheapest output first', () => {
    const g = scheduleOutputsEarly(backboneFirst());
    expect(g.ops.map((o) => o.name)).toEqual(['stage1', 'head1', 'fc1', 'stage2a', 'stage2b', 'fc2', 'stage3', 'fc3']);
    expect(isTopological(g)).toBe(true);
    // Output order (and so result order) is untouched.
    expect(g.outputs).toEqual(['logits', 'exit1', 'exit2']);
  });

  test('the memory plan of the new order never overlaps two live tensors', () => {
    const g = scheduleOutputsEarly(backboneFirst());
    const { offsets } = planMemory(g, () => 16);
    // Live ranges in the new order: [producer step, last reader step] (outputs to the end).
    const step = new Map<string, [number, number]>([['x', [0, 0]]]);
    g.ops.forEach((o, i) => {
      o.inputs.forEach((t) => (step.get(t)![1] = Math.max(step.get(t)![1], i + 1)));
      o.outputs.forEach((t) => step.set(t, [i + 1, i + 1]));
    });
    g.outputs.forEach((t) => (step.get(t)![1] = g.ops.length + 1));
    const names = [...step.keys()];
    for (const p of names)
      for (const q of names) {
        if (p >= q) continue;
        const [ps, pe] = step.get(p)!;
        const [qs, qe] = step.get(q)!;
        const liveTogether = ps <= qe && qs <= pe;
        if (liveTogether) expect({ p, q, same: offsets.get(p) === offsets.get(q) }).toEqual({ p, q, same: false });
      }
  });

  test('single-output graphs and already early orders are returned as they are', () => {
    const g = backboneFirst();
    const single = { ...g, outputs: ['logits'] };
    expect(scheduleOutputsEarly(single)).toBe(single);
    const once = scheduleOutputsEarly(g);
    expect(scheduleOutputsEarly(once)).toBe(once);
  });
});
