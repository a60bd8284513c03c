/** Static memory plan: tensor lifetimes in op order, greedy best-fit offsets in one arena, Reshape outputs aliasing their dying input. */
import type { LoweredGraph } from './lowered-graph';

export const ARENA_ALIGNMENT = 64;

/** One block of arena memory live over ops [start, end] (inclusive). */
export interface MemoryBlock {
  bytes: number;
  start: number;
  end: number;
}

const align = (n: number) => Math.ceil(n / ARENA_ALIGNMENT) * ARENA_ALIGNMENT;

/**
 * Places blocks so that no two blocks whose lifetimes overlap share bytes. Largest first; each goes into the
 * smallest gap between already placed, time-overlapping blocks that fits it (best fit), else above them all.
 */
export function assignOffsets(blocks: readonly MemoryBlock[]): { offsets: number[]; arenaBytes: number } {
  const order = blocks.map((_, i) => i).sort((a, b) => blocks[b].bytes - blocks[a].bytes || blocks[a].start - blocks[b].start || a - b);
  const offsets = new Array<number>(blocks.length).fill(0);
  const placed: number[] = [];
  let arenaBytes = 0;
  for (const i of order) {
    const block = blocks[i];
    const size = align(block.bytes);
    if (size === 0) continue;
    const overlapping = placed
      .filter((j) => blocks[j].start <= block.end && block.start <= blocks[j].end)
      .sort((a, b) => offsets[a] - offsets[b]);
    let best = -1;
    let bestGap = Infinity;
    let cursor = 0;
    for (const j of overlapping) {
      const gap = offsets[j] - cursor;
      if (gap >= size && gap < bestGap) {
        best = cursor;
        bestGap = gap;
      }
      cursor = Math.max(cursor, offsets[j] + align(blocks[j].bytes));
    }
    offsets[i] = best >= 0 ? best : cursor;
    placed.push(i);
    arenaBytes = Math.max(arenaBytes, offsets[i] + size);
  }
  return { offsets, arenaBytes };
}

export interface MemoryPlan {
  /** Byte offset of every non-constant tensor. */
  offsets: Map<string, number>;
  arenaBytes: number;
  /** Reshape ops whose output shares its input's bytes (the executor skips the copy). */
  aliased: number;
}

/**
 * Lifetimes: graph inputs are live from before the first op, outputs until after the last; an intermediate from its
 * producer to its last reader. A Reshape output joins its input's block when the input is read for the last time
 * there (and is not a graph output), so the reshape costs nothing.
 */
export function planMemory(g: LoweredGraph, bytesOf: (name: string) => number): MemoryPlan {
  const constants = new Set([...g.tensors.values()].filter((t) => t.value).map((t) => t.name));
  const start = new Map<string, number>();
  const end = new Map<string, number>();
  const last = g.ops.length + 1;
  for (const name of g.inputs) {
    start.set(name, 0);
    end.set(name, 0);
  }
  g.ops.forEach((op, i) => {
    const t = i + 1;
    for (const name of op.inputs) if (name && !constants.has(name)) end.set(name, Math.max(end.get(name) ?? t, t));
    for (const name of op.outputs) {
      if (!name) continue;
      if (!start.has(name)) start.set(name, t);
      if (!end.has(name)) end.set(name, t);
    }
  });
  const outputs = new Set(g.outputs);
  for (const name of outputs) end.set(name, last);

  // Union-find over tensors sharing bytes.
  const parent = new Map<string, string>();
  const root = (n: string): string => {
    let r = n;
    while (parent.has(r)) r = parent.get(r)!;
    return r;
  };
  let aliased = 0;
  g.ops.forEach((op, i) => {
    if (op.type !== 'Reshape') return;
    const [x] = op.inputs;
    const [y] = op.outputs;
    if (!x || constants.has(x) || outputs.has(x) || end.get(x) !== i + 1 || parent.has(y)) return;
    if (bytesOf(x) !== bytesOf(y)) return;
    parent.set(y, root(x));
    aliased++;
  });

  const groups = new Map<string, MemoryBlock>();
  for (const name of start.keys()) {
    if (constants.has(name)) continue;
    const r = root(name);
    const g0 = groups.get(r);
    const s = start.get(name)!;
    const e = end.get(name)!;
    const bytes = bytesOf(name);
    if (g0) {
      g0.start = Math.min(g0.start, s);
      g0.end = Math.max(g0.end, e);
      g0.bytes = Math.max(g0.bytes, bytes);
    } else groups.set(r, { bytes, start: s, end: e });
  }
  const roots = [...groups.keys()];
  const { offsets, arenaBytes } = assignOffsets(roots.map((r) => groups.get(r)!));
  const offsetOfRoot = new Map(roots.map((r, i) => [r, offsets[i]]));
  const result = new Map<string, number>();
  for (const name of start.keys()) if (!constants.has(name)) result.set(name, offsetOfRoot.get(root(name))!);
  return { offsets: result, arenaBytes, aliased };
}
