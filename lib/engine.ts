/** The public inference engine: load an ONNX model once, compile a native plan per input-shape signature, run with one native call. */
import { promises as fsp } from 'fs';
import * as path from 'path';
import { DisposedError, ModelFormatError, NativeError, SparqError, UnsupportedError, expected } from './errors';
import type { Graph, ValueInfo } from './ir/graph';
import { assertSupported } from './ir/op-support';
import { NativeCapabilities, NativePlan, native } from './native';
import { decodeModel } from './onnx/decode';
import { optimizeGraph } from './passes/pipeline';
import { cloneGraph } from './ir/graph-utils';
import { encodeModel } from './onnx/encode';
import type { CalibrationData } from './calibration/calibration-data';
import { quantizeEngine, QuantizeOptions } from './quant/quantize-engine';
import { analyzeSensitivity, LayerSensitivity, SensitivityOptions } from './quant/sensitivity';
import { pruneEngine, PruneOptions } from './prune/prune-engine';
import { compressEngine, CompressResult } from './compress/compress-engine';
import type { CompressOptions } from './compress/compress-options';
import { distillEngine } from './distill/distill-engine';
import type { DistillOptions, DistillResult } from './distill/distill-options';
import { summarizeEngine, ModelSummary } from './summary/model-summary';
import { saveSparq } from './format/sparq-writer';
import { isSparqFile, loadSparq, SparqFileRest } from './format/sparq-reader';
import { readModelFile, readModelFileSync } from './format/sparq-file';
import { CompiledPlan, compilePlan } from './plan/compile';
import { ExitRequest, ExitResult, ExitRunOptions, wantsEarlyExit } from './dynamic/early-exit';
import { ExitRuleCache, readExitOutcome } from './dynamic/exit-rule';
import type { NativeExitRule } from './native';
import { PlanCache } from './plan/plan-cache';
import { Tensor, TensorData, TensorType, engineTensor, isTensorType } from './tensor';
import { EngineOptions, FeedValidator, RunOptions, ValueDescription, shapeSignature, validateEngineOptions, validateRunOptions } from './validate';

export type { EngineOptions, RunOptions, ValueDescription, ExitRunOptions, ExitResult };

/** What this machine can run: the features found, the ISA levels usable, the level used by default. */
export interface Capabilities {
  detected: string[];
  selected: string;
  levels: string[];
  threads: number;
  cpu: string;
}

/** One op of the last run. */
export interface OpProfile {
  name: string;
  type: string;
  kernel: string;
  ms: number;
}

/** How many compiled plans (one per input-shape signature) an engine keeps. */
export const PLAN_CACHE_SIZE = 8;

interface PlanEntry {
  signature: string;
  compiled: CompiledPlan;
  plan: NativePlan;
  /** What collect needs per plan output, computed once. */
  outputs: OutputTemplate[];
}

/** One plan output as returned to the user: the typed array class of its type and its dims (frozen, shared by every run's tensor). */
interface OutputTemplate {
  name: string;
  type: TensorType;
  array: new (buffer: ArrayBuffer) => TensorData;
  dims: readonly number[];
}

/** Plans compiled earlier (stored in a .sparq file) by input-shape signature; only threads and isa are replaced. */
export type StoredPlans = ReadonlyMap<string, CompiledPlan>;

const ARRAY_OF: Record<TensorType, new (buffer: ArrayBuffer) => TensorData> = {
  float32: Float32Array,
  int64: BigInt64Array,
  int32: Int32Array,
  uint8: Uint8Array,
  int8: Int8Array,
  bool: Uint8Array,
};

function describe(v: ValueInfo, what: string): ValueDescription {
  if (!isTensorType(v.type)) {
    throw new UnsupportedError(`Expected one of float32, int64, int32, uint8, int8, bool for the type of ${what} "${v.name}" but received "${v.type}"`);
  }
  const out: ValueDescription = { name: v.name, type: v.type, shape: v.shape.map((d, i) => (d === null ? `${v.name}_dim${i}` : d)) };
  if (v.shapeUnknown) out.rankUnknown = true;
  return out;
}

function toBytes(source: unknown): Uint8Array {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  throw new TypeError(expected('a file path, Uint8Array, Buffer or ArrayBuffer', 'model', source));
}

function wrapDecodeError(err: unknown, source: string): Error {
  if (err instanceof SparqError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ModelFormatError(`Expected a valid ONNX model for ${source} but could not decode it: ${message}`);
}

function wrapNativeError(err: unknown): Error {
  if (err instanceof SparqError || err instanceof TypeError || err instanceof RangeError) return err;
  return new NativeError(err instanceof Error ? err.message : String(err));
}

/**
 * An ONNX model ready to run on this CPU.
 *
 * ```ts
 * const engine = await Engine.load('model.onnx', { threads: 4 });
 * const { output } = await engine.run({ input: new Tensor('float32', data, [1, 3, 224, 224]) });
 * ```
 */
export class Engine {
  /** Model inputs in feed order; symbolic dims are their names. */
  readonly inputs: readonly ValueDescription[];
  /** Model outputs in result order. */
  readonly outputs: readonly ValueDescription[];

  private readonly plans: PlanCache<PlanEntry>;
  private readonly feedValidator: FeedValidator;
  private lastPlan: PlanEntry | undefined;
  /** The last early-exit request and its native rule, reused by runs that repeat it. */
  private readonly exitRules = new ExitRuleCache();
  private disposed = false;
  private storedPlans: StoredPlans | undefined;
  /** The model as decoded (standard ONNX ops, not optimized): what quantize, prune, exportOnnx and save start from. */
  private sourceValue: Graph | undefined;
  /** Set instead of sourceValue for a .sparq file, whose source graph is decoded when first needed. */
  private decodeSource: (() => Graph) | undefined;

  private constructor(
    private readonly graph: Graph,
    private readonly options: { threads: number; isa: string; maxMemoryBytes?: number },
    source: Graph | (() => Graph),
  ) {
    if (typeof source === 'function') this.decodeSource = source;
    else this.sourceValue = source;
    this.inputs = Object.freeze(graph.inputs.map((v) => Object.freeze(describe(v, 'input'))));
    this.outputs = Object.freeze(graph.outputs.map((v) => Object.freeze(describe(v, 'output'))));
    this.feedValidator = new FeedValidator(this.inputs);
    this.plans = new PlanCache<PlanEntry>(PLAN_CACHE_SIZE, (entry) => {
      if (entry === this.lastPlan) this.lastPlan = undefined;
      entry.plan.dispose();
    });
  }

  /**
   * Loads an ONNX model from a path or bytes, checks every op is supported and optimizes the graph.
   * Models whose input shapes are all static get their plan compiled here; others per new input shape on first run.
   * @throws TypeError / RangeError for bad arguments, ModelFormatError for a malformed file,
   *   UnsupportedError naming op, node and opset for anything sparq does not implement.
   */
  static async load(pathOrBytes: string | Uint8Array | ArrayBuffer, options?: EngineOptions): Promise<Engine> {
    const checked = Engine.checkOptions(options);
    if (typeof pathOrBytes === 'string') {
      const file = await readModelFile(pathOrBytes);
      return Engine.fromBytes(file.bytes, path.dirname(path.resolve(pathOrBytes)), pathOrBytes, checked, file.rest);
    }
    return Engine.fromBytes(toBytes(pathOrBytes), undefined, 'the model bytes', checked);
  }

  /** Same as `load`, blocking. @throws as `load`. */
  static loadSync(pathOrBytes: string | Uint8Array | ArrayBuffer, options?: EngineOptions): Engine {
    const checked = Engine.checkOptions(options);
    if (typeof pathOrBytes === 'string') {
      const file = readModelFileSync(pathOrBytes);
      return Engine.fromBytes(file.bytes, path.dirname(path.resolve(pathOrBytes)), pathOrBytes, checked, file.rest);
    }
    return Engine.fromBytes(toBytes(pathOrBytes), undefined, 'the model bytes', checked);
  }

  /** What the CPU offers and what sparq will use. */
  static capabilities(): Capabilities {
    const c: NativeCapabilities = native().capabilities();
    return { detected: c.detected.slice(), selected: c.selected, levels: c.levels.slice(), threads: c.threads, cpu: c.cpu };
  }

  private static checkOptions(options: unknown): { threads: number; isa: string; maxMemoryBytes?: number } {
    const caps = native().capabilities();
    return validateEngineOptions(options, caps.levels, Math.max(1, caps.threads));
  }

  private static fromBytes(bytes: Uint8Array, baseDir: string | undefined, source: string, options: { threads: number; isa: string; maxMemoryBytes?: number }, rest?: SparqFileRest): Engine {
    if (isSparqFile(bytes)) return loadSparq(bytes, source, options, rest);
    let graph: Graph;
    try {
      graph = decodeModel(bytes, baseDir ? { baseDir } : {});
    } catch (err) {
      throw wrapDecodeError(err, source);
    }
    return Engine.build(graph, optimizeGraph(graph), options);
  }

  /**
   * An engine for an IR graph of standard ONNX ops (as decoded, not optimized); `graph` is copied, not kept.
   * Compression (quantize, prune) and the .sparq reader build their result engines through this.
   * `optimized`, when given, is the graph after optimizeGraph (a .sparq file stores it, so loading skips the passes);
   * `plans`, plans compiled from `optimized` for some input shapes (a .sparq file stores them, so those skip compilation).
   * @throws as `load`.
   */
  static fromGraph(graph: Graph, options?: EngineOptions, optimized?: Graph, plans?: StoredPlans): Engine {
    const checked = Engine.checkOptions(options);
    const source = cloneGraph(graph);
    return Engine.build(source, optimized ? cloneGraph(optimized) : optimizeGraph(source), checked, optimized ? plans : undefined);
  }

  /**
   * An engine for the graphs of a .sparq file (lib/format/sparq-reader.ts): `optimized` and `plans` are freshly
   * decoded and kept as they are (no copy, no passes); `source` is decoded, and checked, on first use (sourceGraph,
   * exportOnnx, save, quantize, prune). `options` as checked by load.
   * @throws as `load`.
   */
  static fromStored(source: () => Graph, optimized: Graph, options: { threads: number; isa: string; maxMemoryBytes?: number }, plans?: StoredPlans): Engine {
    return Engine.build(() => {
      const graph = source();
      assertSupported(graph);
      return graph;
    }, optimized, options, plans);
  }

  private static build(source: Graph | (() => Graph), optimized: Graph, options: { threads: number; isa: string; maxMemoryBytes?: number }, plans?: StoredPlans): Engine {
    if (typeof source !== 'function') assertSupported(source);
    const engine = new Engine(optimized, options, source);
    engine.storedPlans = plans;
    try {
      engine.compileStaticPlan();
    } catch (err) {
      engine.dispose();
      throw err;
    }
    return engine;
  }

  private get source(): Graph {
    if (!this.sourceValue) {
      this.sourceValue = (this.decodeSource as () => Graph)();
      this.decodeSource = undefined;
    }
    return this.sourceValue;
  }

  /** A deep copy of the model as loaded (unoptimized IR of standard ONNX ops). */
  sourceGraph(): Graph {
    this.checkAlive();
    return cloneGraph(this.source);
  }

  /** A deep copy of the optimized graph the plans are compiled from. */
  optimizedGraph(): Graph {
    this.checkAlive();
    return cloneGraph(this.graph);
  }

  /** The plans compiled so far (at most PLAN_CACHE_SIZE, most recent last), for engine.save to store. */
  compiledPlans(): { signature: string; compiled: CompiledPlan }[] {
    this.checkAlive();
    return this.plans.values().map((e) => ({ signature: e.signature, compiled: e.compiled }));
  }

  /** The options this engine was made with (thread count, ISA level, memory cap), to make related engines alike. */
  engineOptions(): EngineOptions {
    const o: EngineOptions = { threads: this.options.threads };
    if (this.options.isa) o.isa = this.options.isa;
    if (this.options.maxMemoryBytes !== undefined) o.maxMemoryBytes = this.options.maxMemoryBytes;
    return o;
  }

  /**
   * Post-training int8 quantization: calibrates on `options.calibration` and returns a new engine running int8.
   * This engine is untouched. See QuantizeOptions.
   * @throws (rejects) TypeError / RangeError for bad options or calibration data.
   */
  quantize(options: QuantizeOptions): Promise<Engine> {
    return quantizeEngine(this, options);
  }

  /** Quantizes one layer at a time and reports each layer's output error (and metric drop with `evaluate`). */
  sensitivity(calibration: CalibrationData, options?: SensitivityOptions): Promise<LayerSensitivity[]> {
    return analyzeSensitivity(this, calibration, options);
  }

  /**
   * Prunes weights (2:4, unstructured, channels or blocks) and returns a new engine; this engine is untouched.
   * @throws (rejects) TypeError / RangeError for bad options or calibration data.
   */
  prune(options: PruneOptions): Promise<Engine> {
    return pruneEngine(this, options);
  }

  /**
   * Tries compression strategies (calibrators × weight granularity, mixed precision, 2:4, channel ratios, each + int8),
   * measures `evaluate` / `holdout` and batch-1 latency of each, and returns the best engine within `maxDrop` with
   * the whole table. This engine is untouched. See CompressOptions.
   * @throws (rejects) TypeError / RangeError for bad options; SparqError when no strategy applies to the model.
   */
  compress(options: CompressOptions): Promise<CompressResult> {
    return compressEngine(this, options);
  }

  /**
   * Knowledge distillation: fine-tunes this model's last layers on `options.teacher`'s softened outputs over
   * `options.data` and returns a new engine with the loss curve; this engine is untouched. With a validation split or
   * `evaluate` the better of this model and the distilled one is returned. See DistillOptions.
   * @throws (rejects) TypeError / RangeError for bad options or data, UnsupportedError for a tail op without a gradient.
   */
  distill(options: DistillOptions): Promise<DistillResult> {
    return distillEngine(this, options);
  }

  /** Per layer: parameters, MACs, sparsity pattern and kernel, with totals. */
  summary(): ModelSummary {
    this.checkAlive();
    return summarizeEngine(this);
  }

  /** Writes the model (quantized models as QDQ, which onnxruntime runs) as an ONNX file. */
  async exportOnnx(filePath: string): Promise<void> {
    if (typeof filePath !== 'string' || filePath === '') throw new TypeError(expected('a file path', 'path', filePath));
    this.checkAlive();
    await fsp.writeFile(filePath, encodeModel(this.source));
  }

  /** Writes a .sparq file: the optimized graph and packed weights, loaded by Engine.load without re-optimizing. */
  save(filePath: string): Promise<void> {
    this.checkAlive();
    return saveSparq(this, filePath);
  }

  /**
   * Runs the model on a native worker thread; the event loop stays free.
   * With `{ exits, confidence }` (ExitRunOptions) the run stops at the first confident exit and resolves to an ExitResult.
   * @throws (rejects) TypeError / RangeError for bad feeds or options, DisposedError after dispose(), NativeError from the executor.
   */
  run(feeds: Record<string, Tensor>, options: ExitRunOptions): Promise<ExitResult>;
  run(feeds: Record<string, Tensor>, options?: RunOptions): Promise<Record<string, Tensor>>;
  run(feeds: Record<string, Tensor>, options?: RunOptions | ExitRunOptions): Promise<Record<string, Tensor> | ExitResult> {
    try {
      const exit = this.exitRequest(options);
      const { entry, data, wanted } = this.prepare(feeds, exit ? exit.rest : options);
      if (exit) {
        const rule = this.exitRules.ruleFor(entry.compiled, exit);
        return new Promise((resolve, reject) => {
          entry.plan.run(data, (err, buffers) => {
            if (err || !buffers) reject(wrapNativeError(err ?? new Error('native run returned no outputs')));
            else resolve(this.exitResult(entry, exit, buffers, rule, wanted));
          }, undefined, rule);
        });
      }
      return new Promise((resolve, reject) => {
        entry.plan.run(data, (err, buffers) => {
          if (err || !buffers) reject(wrapNativeError(err ?? new Error('native run returned no outputs')));
          else resolve(this.collect(entry, buffers, wanted));
        });
      });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Runs the model on this thread. @throws as `run`. */
  runSync(feeds: Record<string, Tensor>, options: ExitRunOptions): ExitResult;
  runSync(feeds: Record<string, Tensor>, options?: RunOptions): Record<string, Tensor>;
  runSync(feeds: Record<string, Tensor>, options?: RunOptions | ExitRunOptions): Record<string, Tensor> | ExitResult {
    const exit = this.exitRequest(options);
    const { entry, data, wanted } = this.prepare(feeds, exit ? exit.rest : options);
    try {
      if (exit) {
        const rule = this.exitRules.ruleFor(entry.compiled, exit);
        return this.exitResult(entry, exit, entry.plan.runSync(data, undefined, rule), rule, wanted);
      }
      return this.collect(entry, entry.plan.runSync(data), wanted);
    } catch (err) {
      throw wrapNativeError(err);
    }
  }

  /** Per op of the last run: ONNX node name(s), native op type, kernel chosen and milliseconds. */
  profile(): OpProfile[] {
    this.checkAlive();
    const entry = this.lastPlan;
    if (!entry) return [];
    const kernels = entry.plan.kernels();
    const timings = entry.plan.lastTimings();
    // After an early exit only the ops that ran have timings.
    return entry.compiled.desc.ops.slice(0, timings.length).map((op, i) => ({ name: op.name, type: op.type, kernel: kernels[i] ?? '', ms: timings[i] ?? 0 }));
  }

  /** Frees native memory. Idempotent; later calls to run / runSync / profile throw DisposedError. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.plans.clear();
    this.lastPlan = undefined;
    this.exitRules.clear();
  }

  private checkAlive(): void {
    if (this.disposed) throw new DisposedError('Expected a live engine for this call but received one that was disposed');
  }

  private prepare(feeds: unknown, options: unknown): { entry: PlanEntry; data: TensorData[]; wanted: Set<string> | undefined } {
    this.checkAlive();
    const runOptions = validateRunOptions(options, this.outputs);
    const checked = this.feedValidator.check(feeds);
    // The last plan used is the most recent in the cache already: no need to look it up (and re-insert it).
    const last = this.lastPlan;
    const entry = last !== undefined && last.signature === checked.signature ? last : this.planFor(checked.signature, checked.dims);
    this.lastPlan = entry;
    return { entry, data: checked.data, wanted: runOptions.outputs ? new Set(runOptions.outputs) : undefined };
  }

  /** The cached plan of a shape signature (`dims` per input, in input order), compiled (and built natively) on first use. */
  private planFor(signature: string, dims: readonly (readonly number[])[]): PlanEntry {
    let entry = this.plans.get(signature);
    if (!entry) {
      const stored = this.storedPlans?.get(signature);
      const compiled = stored
        ? { desc: { ...stored.desc, threads: this.options.threads, isa: this.options.isa }, outputs: stored.outputs }
        : compilePlan(this.graph, new Map(this.inputs.map((input, k) => [input.name, dims[k].slice()])), this.options);
      let plan: NativePlan;
      try {
        plan = new (native().Plan)(compiled.desc);
      } catch (err) {
        throw wrapNativeError(err);
      }
      const outputs = compiled.outputs.map((out) => ({
        name: out.name,
        type: out.dtype as TensorType,
        array: ARRAY_OF[out.dtype as TensorType],
        dims: Object.freeze(out.shape.slice()),
      }));
      entry = { signature, compiled, plan, outputs };
      this.plans.set(signature, entry);
    }
    return entry;
  }

  /**
   * When every input shape is static the one plan the model can have is compiled now, so the first run is as fast
   * as the others and plan errors surface in load().
   */
  private compileStaticPlan(): void {
    if (!this.inputs.every((i) => !i.rankUnknown && i.shape.every((d) => typeof d === 'number'))) return;
    const shapes = this.inputs.map((i) => i.shape as number[]);
    this.planFor(shapeSignature(shapes), shapes);
  }

  private exitRequest(options: unknown): ExitRequest | undefined {
    if (!wantsEarlyExit(options)) return undefined;
    this.checkAlive();
    return this.exitRules.requestFor(options as Record<string, unknown>, this.outputs);
  }

  /** The outcome the run wrote into `rule`, and the outputs it computed (the others are holes in `buffers`). */
  private exitResult(entry: PlanEntry, exit: ExitRequest, buffers: (ArrayBuffer | undefined)[], rule: NativeExitRule, wanted: Set<string> | undefined): ExitResult {
    const { exit: index, confident } = readExitOutcome(rule);
    return { exit: exit.exits[index], exitIndex: index, confident, outputs: this.collect(entry, buffers, wanted) };
  }

  /** Tensors of the computed outputs (`buffers` holes are outputs an early exit never computed), filtered by `wanted`. */
  private collect(entry: PlanEntry, buffers: (ArrayBuffer | undefined)[], wanted: Set<string> | undefined): Record<string, Tensor> {
    const result: Record<string, Tensor> = {};
    const outputs = entry.outputs;
    for (let i = 0; i < outputs.length; i++) {
      const out = outputs[i];
      if (wanted && !wanted.has(out.name)) continue;
      const buffer = buffers[i];
      if (buffer === undefined) continue;
      result[out.name] = engineTensor(out.type, new out.array(buffer), out.dims);
    }
    return result;
  }
}
