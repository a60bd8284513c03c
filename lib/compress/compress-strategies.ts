/** What engine.compress can try: one strategy = optional pruning, optional distillation, then int8 or fp32; and the default list. */
import { expected } from '../errors';
import type { PrunePattern } from '../prune/prune-engine';
import type { CalibrationMethod } from '../quant/calibration-methods';

export interface CompressStrategy {
  /** Shown in the result table; default: made from the settings, e.g. "channels 0.25 (l1) + int8 minmax per-tensor". */
  name?: string;
  /** Pruning applied first (reconstructed on the calibration data). */
  prune?: PrunePattern;
  /** Channel ranking for { channels } pruning (default 'l1'). */
  ranking?: 'l1' | 'thinet';
  /**
   * Fine-tune the pruned model's last layers on the original's outputs (engine.distill with compress's `distillation`
   * settings; by default the calibration feeds, unlabeled) before int8. Kept only if `evaluate` does not get worse.
   */
  distill?: boolean;
  /** Quantize to int8 after pruning (default true); false keeps fp32 (BN folded, sparq's fp32 kernels). */
  int8?: boolean;
  /** Activation range calibration (default: engine.quantize's, 'percentile'). */
  method?: CalibrationMethod;
  /** Weight scales per output channel (default true). */
  perChannel?: boolean;
  /** Keep the layers most sensitive to int8 in fp32 until `evaluate` stays within maxDrop (mixed precision). */
  mixedPrecision?: boolean;
  /**
   * Keep in fp32 the Conv/Gemm/MatMul layers that run slower in int8 than in fp32 on this CPU (per-layer times of
   * both models from engine.profile(), e.g. a stem conv with one input channel); the model is then quantized again
   * without them.
   */
  floatWhereFaster?: boolean;
}

/**
 * The default strategies by short id (the CLI's --strategies), plain int8 (engine.quantize's defaults) first:
 * calibrators × weight granularity, mixed precision, int8 with the layers faster in fp32 kept fp32, fp32 itself
 * (sparq's optimized fp32 can beat its int8, e.g. on depthwise models), 2:4, channel ratios (L1 and ThiNet,
 * reconstructed) followed by int8, by int8 with fp32 where faster, or kept fp32, and one residual block removed
 * (a model without residual blocks gets an error row). Channel ratios stop at 0.375: beyond it the Fashion-MNIST
 * fixtures lose more than a point even after reconstruction, and distillation did not win it back (README,
 * "Automated compression"), so distilled strategies are in EXTRA_STRATEGY_IDS.
 */
export const STRATEGY_IDS: Readonly<Record<string, CompressStrategy>> = Object.freeze({
  int8: { name: 'int8' },
  'int8-minmax': { method: 'minmax' },
  'int8-mse': { method: 'mse' },
  'int8-entropy': { method: 'entropy' },
  'int8-per-tensor': { perChannel: false },
  'int8-mixed': { mixedPrecision: true },
  'int8-fast': { floatWhereFaster: true },
  fp32: { int8: false },
  '2:4': { prune: '2:4' },
  'channels-0.125': { prune: { channels: 0.125 } },
  'channels-0.25': { prune: { channels: 0.25 } },
  'channels-0.125-thinet': { prune: { channels: 0.125 }, ranking: 'thinet' },
  'channels-0.125-thinet-mse': { prune: { channels: 0.125 }, ranking: 'thinet', method: 'mse' },
  'channels-0.25-thinet': { prune: { channels: 0.25 }, ranking: 'thinet' },
  'channels-0.25-thinet-mse': { prune: { channels: 0.25 }, ranking: 'thinet', method: 'mse' },
  'channels-0.375-thinet': { prune: { channels: 0.375 }, ranking: 'thinet' },
  'channels-0.25-fast': { prune: { channels: 0.25 }, floatWhereFaster: true },
  'channels-0.375-fast': { prune: { channels: 0.375 }, floatWhereFaster: true },
  'channels-0.25-thinet-fast': { prune: { channels: 0.25 }, ranking: 'thinet', floatWhereFaster: true },
  'channels-0.25-fp32': { prune: { channels: 0.25 }, int8: false },
  'channels-0.375-fp32': { prune: { channels: 0.375 }, int8: false },
  'channels-0.125-thinet-fp32': { prune: { channels: 0.125 }, ranking: 'thinet', int8: false },
  'channels-0.25-thinet-fp32': { prune: { channels: 0.25 }, ranking: 'thinet', int8: false },
  'channels-0.375-thinet-fp32': { prune: { channels: 0.375 }, ranking: 'thinet', int8: false },
  'blocks-1': { prune: { blocks: 1 } },
  'blocks-1-fast': { prune: { blocks: 1 }, floatWhereFaster: true },
} as Record<string, CompressStrategy>);

/** Strategies the CLI's --strategies knows besides the defaults: larger channel ratios with distillation. */
export const EXTRA_STRATEGY_IDS: Readonly<Record<string, CompressStrategy>> = Object.freeze({
  'channels-0.5-distill-fast': { prune: { channels: 0.5 }, distill: true, floatWhereFaster: true },
  'channels-0.375-thinet-distill-fp32': { prune: { channels: 0.375 }, ranking: 'thinet', distill: true, int8: false },
  'blocks-2-distill-fast': { prune: { blocks: 2 }, distill: true, floatWhereFaster: true },
} as Record<string, CompressStrategy>);

export const DEFAULT_STRATEGIES: readonly CompressStrategy[] = Object.freeze(Object.values(STRATEGY_IDS));

export function patternLabel(p: PrunePattern): string {
  if (p === '2:4') return '2:4';
  const [kind, value] = Object.entries(p)[0];
  return `${kind} ${value}`;
}

export function strategyName(s: CompressStrategy): string {
  if (s.name) return s.name;
  const parts: string[] = [];
  if (s.prune) parts.push(patternLabel(s.prune) + (s.ranking ? ` (${s.ranking})` : ''));
  if (s.distill) parts.push('distilled');
  if (s.int8 !== false) {
    const q = ['int8', s.method, s.perChannel === false ? 'per-tensor' : undefined, s.mixedPrecision ? 'mixed precision' : undefined];
    parts.push(q.filter(Boolean).join(' ') + (s.floatWhereFaster ? ' (fp32 where faster)' : ''));
  } else {
    parts.push('fp32');
  }
  return parts.join(' + ');
}

const KEYS = new Set(['name', 'prune', 'ranking', 'distill', 'int8', 'method', 'perChannel', 'mixedPrecision', 'floatWhereFaster']);
const METHODS = ['minmax', 'percentile', 'entropy', 'mse'];

/**
 * Checks the shape of each strategy here; pattern values are checked by engine.prune when the strategy runs.
 * @throws TypeError / RangeError naming the strategy.
 */
export function checkStrategies(value: unknown): CompressStrategy[] {
  if (value === undefined) return DEFAULT_STRATEGIES.slice();
  if (!Array.isArray(value) || value.length === 0) throw new TypeError(expected('a non-empty array of strategies', 'options.strategies', value));
  return value.map((s: unknown, i) => {
    const where = `options.strategies[${i}]`;
    if (typeof s !== 'object' || s === null) throw new TypeError(expected('an object', where, s));
    const o = s as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!KEYS.has(k)) throw new TypeError(expected(`one of ${[...KEYS].join(', ')}`, `a key of ${where}`, k));
    if (o.name !== undefined && typeof o.name !== 'string') throw new TypeError(expected('a string', `${where}.name`, o.name));
    const p = o.prune;
    const patternOk = p === undefined || p === '2:4' || (typeof p === 'object' && p !== null && Object.keys(p).length === 1 && ['channels', 'unstructured', 'blocks'].includes(Object.keys(p)[0]));
    if (!patternOk) throw new TypeError(expected("'2:4', { channels: r }, { unstructured: r } or { blocks: n }", `${where}.prune`, p));
    if (o.ranking !== undefined && o.ranking !== 'l1' && o.ranking !== 'thinet') throw new TypeError(expected("'l1' or 'thinet'", `${where}.ranking`, o.ranking));
    if (o.method !== undefined && !METHODS.includes(o.method as string)) throw new TypeError(expected(`one of ${METHODS.join(', ')}`, `${where}.method`, o.method));
    for (const k of ['distill', 'int8', 'perChannel', 'mixedPrecision', 'floatWhereFaster']) {
      if (o[k] !== undefined && typeof o[k] !== 'boolean') throw new TypeError(expected('a boolean', `${where}.${k}`, o[k]));
    }
    if (o.int8 === false && (o.method !== undefined || o.perChannel !== undefined || o.mixedPrecision || o.floatWhereFaster)) {
      throw new TypeError(expected('no int8 settings (method, perChannel, mixedPrecision, floatWhereFaster)', `${where} with int8: false`, JSON.stringify(o)));
    }
    if (o.distill && !p) throw new TypeError(expected('a prune step to distill after', `${where} with distill: true`, JSON.stringify(o)));
    return o as CompressStrategy;
  });
}
