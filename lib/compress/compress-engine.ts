/**
 * engine.compress: tries every strategy (pruning, distillation, then int8 or fp32), measures the metric on tuning and
 * held-out data and batch-1 latency on this CPU for each, and returns the best engine within the accuracy budget with
 * the whole table.
 */
import { Engine } from '../engine';
import { SparqError, expected } from '../errors';
import { Feeds, readCalibration } from '../calibration/calibration-data';
import { encodeSparq } from '../format/sparq-writer';
import { CheckedCompressOptions, checkCompressOptions, CompressOptions, CompressProgressEvent, Metric } from './compress-options';
import { CompressStrategy, patternLabel, strategyName } from './compress-strategies';
import { floatFasterLayers } from './float-faster-layers';
import { timeEngines } from './time-engines';

/** One row of the table: a strategy and what it measured. Metrics are null when the strategy failed. */
export interface CompressTrial {
  name: string;
  strategy: CompressStrategy;
  /** `evaluate`'s metric (the tuning data). */
  metric: number | null;
  /** `holdout`'s metric, null without `holdout`. */
  holdout: number | null;
  /** Drop from the original on the held-out metric (on `evaluate`'s without `holdout`). */
  drop: number | null;
  latencyMs: number | null;
  /** Bytes of the model as a .sparq file (without stored plans). */
  sizeBytes: number | null;
  /** Drop within maxDrop on `evaluate` and, when given, on `holdout`. */
  withinBudget: boolean;
  chosen: boolean;
  /** Why the strategy could not be applied (e.g. nothing to prune in this model). */
  error?: string;
  /** floatWhereFaster: the layers kept fp32 because they ran slower in int8. */
  floatLayers?: string[];
  /** distill: whether the distilled model was kept ('distilled') or did worse on `evaluate` ('student'). */
  distilled?: 'distilled' | 'student';
}

export interface CompressResult {
  /** The chosen engine: the best within budget, or (withinBudget false) the one closest to the original's metric. Caller disposes it. */
  engine: Engine;
  withinBudget: boolean;
  /** The chosen row of `trials`. */
  chosen: CompressTrial;
  original: { metric: number; holdout: number | null; latencyMs: number; sizeBytes: number };
  trials: CompressTrial[];
  objective: 'latency' | 'size';
  maxDrop: number;
  /** Whether the budget was checked on a held-out metric nothing was tuned on. */
  heldOut: boolean;
}

/** Latencies within this share of the fastest count as a tie, broken by the metric (timings of near-equal models are noise). */
export const LATENCY_TIE = 0.03;

async function measure(metric: Metric, engine: Engine, name: string): Promise<number> {
  const value = await metric(engine);
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(expected('a finite number', `the metric of ${name}`, value));
  return value;
}

/** The .sparq size of the model itself: without the compiled plans its evaluation left in the engine. */
function modelBytes(engine: Engine): number {
  return encodeSparq(engine, { plans: false }).length;
}

function isArgumentError(err: unknown): boolean {
  return err instanceof TypeError || err instanceof RangeError;
}

interface Made {
  trial: CompressTrial;
  engine?: Engine;
}

/** Interleaved profiled runs that decide floatWhereFaster's fp32 layers. */
const PROFILE_RUNS = 40;

/** The int8 step of strategy `s` on `engine` (fp32, possibly pruned). */
async function quantizeStep(
  engine: Engine,
  s: CompressStrategy,
  o: CheckedCompressOptions,
  calib: Feeds[],
  trial: CompressTrial,
  made: Set<Engine>,
  forward: (ev: CompressProgressEvent) => void,
): Promise<Engine> {
  const quantize = async (exclude: string[]) => {
    const q = await engine.quantize({
      calibration: calib,
      ...(s.method ? { method: s.method } : {}),
      ...(s.perChannel === false ? { perChannel: false } : {}),
      ...(s.mixedPrecision ? { maxDrop: o.maxDrop, evaluate: o.evaluate } : {}),
      ...(exclude.length ? { exclude } : {}),
      onProgress: forward,
    });
    made.add(q);
    return q;
  };
  const q = await quantize([]);
  if (!s.floatWhereFaster) return q;
  trial.floatLayers = floatFasterLayers(engine, q, calib, PROFILE_RUNS);
  if (!trial.floatLayers.length) return q;
  made.delete(q);
  q.dispose();
  return quantize(trial.floatLayers);
}

/** Builds every strategy's engine from `base`; prunings (and distillations) shared by several strategies are done once. */
async function buildTrials(base: Engine, o: CheckedCompressOptions, calib: Feeds[], made: Set<Engine>): Promise<Made[]> {
  const steps = new Map<string, { engine: Engine; distilled?: 'distilled' | 'student' }>();
  const out: Made[] = [];
  for (let i = 0; i < o.strategies.length; i++) {
    const s = o.strategies[i];
    const name = strategyName(s);
    o.onProgress?.({ phase: 'strategies', done: i, total: o.strategies.length, strategy: name });
    const forward = (ev: CompressProgressEvent) => o.onProgress?.({ ...ev, strategy: name });
    const trial: CompressTrial = { name, strategy: s, metric: null, holdout: null, drop: null, latencyMs: null, sizeBytes: null, withinBudget: false, chosen: false };
    try {
      let engine = base;
      if (s.prune) {
        const key = `${patternLabel(s.prune)} ${s.ranking ?? 'l1'}`;
        let p = steps.get(key);
        if (!p) {
          p = { engine: await base.prune({ pattern: s.prune, calibration: calib, ...(s.ranking ? { ranking: s.ranking } : {}), onProgress: forward }) };
          made.add(p.engine);
          steps.set(key, p);
        }
        engine = p.engine;
        if (s.distill) {
          let d = steps.get(`${key} distilled`);
          if (!d) {
            const r = await engine.distill({ teacher: base, ...o.distillation, data: o.distillation.data ?? calib, evaluate: o.evaluate, onProgress: forward });
            made.add(r.engine);
            d = { engine: r.engine, distilled: r.kept };
            steps.set(`${key} distilled`, d);
          }
          engine = d.engine;
          trial.distilled = d.distilled;
        }
      }
      if (s.int8 !== false) {
        engine = await quantizeStep(engine, s, o, calib, trial, made, forward);
      } else if (engine === base) {
        // fp32 as is: a new engine, since the chosen one is handed to the caller.
        engine = Engine.fromGraph(base.sourceGraph(), base.engineOptions());
        made.add(engine);
      }
      out.push({ trial, engine });
    } catch (err) {
      if (isArgumentError(err)) throw err;
      trial.error = err instanceof Error ? err.message : String(err);
      out.push({ trial });
    }
  }
  o.onProgress?.({ phase: 'strategies', done: o.strategies.length, total: o.strategies.length });
  return out;
}

/** Within budget: the best by the objective (latency ties broken by the metric); otherwise the smallest drop. */
function choose(trials: CompressTrial[], objective: 'latency' | 'size'): { index: number; within: boolean } {
  const ok = trials.map((t, i) => ({ t, i })).filter(({ t }) => !t.error);
  const score = (t: CompressTrial) => t.holdout ?? t.metric!;
  const within = ok.filter(({ t }) => t.withinBudget);
  if (!within.length) {
    const best = ok.reduce((a, b) => (score(b.t) > score(a.t) ? b : a));
    return { index: best.i, within: false };
  }
  const key = (t: CompressTrial) => (objective === 'latency' ? t.latencyMs! : t.sizeBytes!);
  const least = Math.min(...within.map(({ t }) => key(t)));
  const tied = within.filter(({ t }) => key(t) <= least * (1 + (objective === 'latency' ? LATENCY_TIE : 0)));
  const best = tied.reduce((a, b) => (score(b.t) > score(a.t) || (score(b.t) === score(a.t) && key(b.t) < key(a.t)) ? b : a));
  return { index: best.i, within: true };
}

/**
 * @throws (rejects) TypeError / RangeError for bad options, calibration data or a metric that returns no finite number;
 *   SparqError when no strategy could be applied to the model.
 */
export async function compressEngine(engine: Engine, options: CompressOptions): Promise<CompressResult> {
  const o = checkCompressOptions(options);
  const made = new Set<Engine>();
  const base = o.threads !== undefined ? Engine.fromGraph(engine.sourceGraph(), { ...engine.engineOptions(), threads: o.threads }) : engine;
  if (base !== engine) made.add(base);
  let chosenEngine: Engine | undefined;
  try {
    const calib: Feeds[] = [];
    for await (const feeds of readCalibration(o.calibration, base.inputs)) calib.push(feeds);
    const original = {
      metric: await measure(o.evaluate, base, 'the original model'),
      holdout: o.holdout ? await measure(o.holdout, base, 'the original model (holdout)') : null,
      latencyMs: NaN,
      sizeBytes: modelBytes(base),
    };
    const built = await buildTrials(base, o, calib, made);
    if (built.every((b) => !b.engine)) {
      throw new SparqError(`Expected at least one compression strategy to apply to the model but all failed: ${built.map((b) => `${b.trial.name}: ${b.trial.error}`).join('; ')}`);
    }
    for (const { trial, engine: e } of built) {
      if (!e) continue;
      trial.metric = await measure(o.evaluate, e, trial.name);
      if (o.holdout) trial.holdout = await measure(o.holdout, e, `${trial.name} (holdout)`);
      trial.drop = o.holdout ? original.holdout! - trial.holdout! : original.metric - trial.metric;
      trial.withinBudget = original.metric - trial.metric <= o.maxDrop && trial.drop <= o.maxDrop;
      trial.sizeBytes = modelBytes(e);
    }
    o.onProgress?.({ phase: 'latency', done: 0, total: 1 });
    const timed = built.filter((b) => b.engine);
    const latencies = timeEngines([base, ...timed.map((b) => b.engine!)], calib, o.latencyRuns);
    original.latencyMs = latencies[0];
    timed.forEach((b, k) => (b.trial.latencyMs = latencies[k + 1]));
    o.onProgress?.({ phase: 'latency', done: 1, total: 1 });
    const trials = built.map((b) => b.trial);
    const { index, within } = choose(trials, o.objective);
    trials[index].chosen = true;
    chosenEngine = built[index].engine!;
    return { engine: chosenEngine, withinBudget: within, chosen: trials[index], original, trials, objective: o.objective, maxDrop: o.maxDrop, heldOut: Boolean(o.holdout) };
  } finally {
    for (const e of made) if (e !== chosenEngine) e.dispose();
  }
}
