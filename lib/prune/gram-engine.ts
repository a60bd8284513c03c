/**
 * XpᵀXp and XdᵀXp for blocks of calibration rows on sparq's own fp32 GEMM: a two-MatMul model run by an Engine, so
 * the O(rows·K²) part of reconstruction runs natively while the algorithm stays in TypeScript.
 */
import { Engine, EngineOptions } from '../engine';
import type { AttrValue, Graph, Node } from '../ir/graph';
import { Tensor } from '../tensor';

/** Transpose + MatMul graph: inputs xp, xd [rows, k]; outputs h = xpᵀxp, c = xdᵀxp [k, k]. */
function gramGraph(rows: number, k: number): Graph {
  const io = (name: string, shape: number[]) => ({ name, type: 'float32' as const, shape });
  const node = (name: string, opType: string, inputs: string[], outputs: string[], perm?: number[]): Node => {
    const attrs: Record<string, AttrValue> = {};
    if (perm) attrs.perm = { kind: 'ints', value: perm };
    return { name, opType, domain: '', inputs, outputs, attrs };
  };
  return {
    name: 'gram',
    nodes: [
      node('xp_t', 'Transpose', ['xp'], ['xpT'], [1, 0]),
      node('xd_t', 'Transpose', ['xd'], ['xdT'], [1, 0]),
      node('h_mm', 'MatMul', ['xpT', 'xp'], ['h']),
      node('c_mm', 'MatMul', ['xdT', 'xp'], ['c']),
    ],
    inputs: [io('xp', [rows, k]), io('xd', [rows, k])],
    outputs: [io('h', [k, k]), io('c', [k, k])],
    initializers: new Map(),
    valueInfo: new Map(),
    opset: 17,
    otherOpsets: {},
    producer: 'sparq',
    irVersion: 8,
  };
}

/** One engine per K, for blocks of exactly `rows` rows (a last, shorter block is padded with zero rows). */
export class GramEngines {
  private readonly engines = new Map<number, Engine>();

  constructor(
    readonly rows: number,
    private readonly options: EngineOptions,
  ) {}

  /** { h: xpᵀxp, c: xdᵀxp } for xp, xd = rows x k row-major. */
  run(k: number, xp: Float32Array, xd: Float32Array): { h: Float32Array; c: Float32Array } {
    let engine = this.engines.get(k);
    if (!engine) this.engines.set(k, (engine = Engine.fromGraph(gramGraph(this.rows, k), this.options)));
    const dims = [this.rows, k];
    const out = engine.runSync({ xp: new Tensor('float32', xp, dims), xd: new Tensor('float32', xd, dims) });
    return { h: out.h.data as Float32Array, c: out.c.data as Float32Array };
  }

  dispose(): void {
    for (const engine of this.engines.values()) engine.dispose();
    this.engines.clear();
  }
}
