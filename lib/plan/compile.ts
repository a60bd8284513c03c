/** Compiles an optimized IR graph for one input-shape signature into a NativePlanDesc: specialize → lower → layout → memory plan. */
import * as os from 'os';
import type { Graph } from '../ir/graph';
import { cloneGraph } from '../ir/graph-utils';
import { fuseActivations } from '../passes/activation-fusion';
import { fuseResiduals, splitResiduals } from '../passes/residual-fusion';
import { specialize } from '../passes/shape-inference';
import { tensorBytes } from '../ir/tensor-values';
import { fuseQAdds } from './fuse-qadd';
import { assignLayouts } from './layout';
import type { LoweredGraph } from './lowered-graph';
import { lowerGraph } from './lowering';
import { planMemory } from './memory-plan';
import { scheduleOutputsEarly } from './schedule';
import { DTYPE_CODE, NativePlanDesc, NativeTensorDesc, TENSOR_KIND } from './plan-desc';

const BYTES: Record<string, number> = { float32: 4, int64: 8, int32: 4, uint8: 1, int8: 1, bool: 1 };

export interface CompileOptions {
  threads: number;
  isa: string;
  /** Cap on the native memory of one plan (arena + constants); default DEFAULT_MAX_MEMORY_BYTES. */
  maxMemoryBytes?: number;
}

/** The default cap: 4 GiB or half this machine's memory, whichever is less. The native arena is zeroed on allocation,
 * so a plan over the cap would touch every page; it is refused before anything is allocated. */
export const DEFAULT_MAX_MEMORY_BYTES = Math.min(2 ** 32, Math.floor(os.totalmem() / 2));

/** Turns a lowered graph in physical layout into the wire format, with memory offsets. */
export function emitPlan(g: LoweredGraph, options: CompileOptions): NativePlanDesc {
  const bytesOf = (name: string) => {
    const t = g.tensors.get(name)!;
    return t.shape.reduce((a, b) => a * b, 1) * BYTES[t.dtype];
  };
  const memory = planMemory(g, bytesOf);
  checkMemoryCap(g, memory.arenaBytes, bytesOf, options.maxMemoryBytes ?? DEFAULT_MAX_MEMORY_BYTES);
  const ids = new Map<string, number>();
  const tensors: NativeTensorDesc[] = [];
  const inputs = new Set(g.inputs);
  const outputs = new Set(g.outputs);
  const idOf = (name: string): number => {
    if (!name) return -1;
    const known = ids.get(name);
    if (known !== undefined) return known;
    const t = g.tensors.get(name);
    if (!t) throw new Error(`plan: unknown tensor '${name}'`);
    const desc: NativeTensorDesc = { dtype: DTYPE_CODE[t.dtype], shape: t.shape.slice(), kind: TENSOR_KIND.arena, offset: 0 };
    if (t.value) {
      desc.kind = TENSOR_KIND.constant;
      desc.data = t.value.type === 'bool' && !(t.value.data instanceof Uint8Array) ? Uint8Array.from(t.value.data as ArrayLike<number>) : tensorBytes(t.value);
    } else {
      desc.kind = inputs.has(name) ? TENSOR_KIND.input : outputs.has(name) ? TENSOR_KIND.output : TENSOR_KIND.arena;
      desc.offset = memory.offsets.get(name) ?? 0;
    }
    ids.set(name, tensors.length);
    tensors.push(desc);
    return tensors.length - 1;
  };
  const inputIds = g.inputs.map(idOf);
  const ops = g.ops.map((op) => ({
    type: op.type,
    name: op.name,
    inputs: op.inputs.map(idOf),
    outputs: op.outputs.map(idOf),
    attrs: op.attrs,
  }));
  const outputIds = g.outputs.map(idOf);
  return { threads: options.threads, isa: options.isa, arenaBytes: memory.arenaBytes, tensors, ops, inputs: inputIds, outputs: outputIds };
}

/** @throws RangeError when arena + constants exceed `cap` (also when a size is not even a safe integer). */
function checkMemoryCap(g: LoweredGraph, arenaBytes: number, bytesOf: (name: string) => number, cap: number): void {
  let constants = 0;
  for (const t of g.tensors.values()) if (t.value) constants += bytesOf(t.name);
  const need = arenaBytes + constants;
  if (Number.isSafeInteger(need) && need <= cap) return;
  const dims = g.inputs.map((name) => `${name} [${g.tensors.get(name)?.shape.join(', ')}]`).join(', ');
  throw new RangeError(
    `Expected a plan needing at most ${cap} bytes (options.maxMemoryBytes) for inputs ${dims || '(none)'} but received one needing ${need} bytes`,
  );
}

/** Everything the engine keeps about a compiled signature besides the native plan. */
export interface CompiledPlan {
  desc: NativePlanDesc;
  /** Output element types and shapes in the model's layout, in graph output order. */
  outputs: { name: string; dtype: string; shape: number[] }[];
}

/** Compiles `g` (already through the load-time passes) for concrete input shapes. */
export function compilePlan(g: Graph, inputShapes: Map<string, number[]>, options: CompileOptions): CompiledPlan {
  // Residuals are re-fused on concrete shapes: only an exact shape match may go into the epilogue.
  // int8: a QAdd reading a QConv output joins that QConv's epilogue (bit-identical, lib/plan/fuse-qadd.ts).
  const specialized = fuseQAdds(fuseActivations(fuseResiduals(specialize(splitResiduals(cloneGraph(g)), inputShapes))));
  const lowered = lowerGraph(specialized);
  const physical = scheduleOutputsEarly(assignLayouts(lowered));
  const desc = emitPlan(physical, options);
  const outputs = physical.outputs.map((name, i) => {
    const t = physical.tensors.get(name)!;
    return { name: lowered.outputs[i], dtype: t.dtype, shape: t.shape.slice() };
  });
  return { desc, outputs };
}
