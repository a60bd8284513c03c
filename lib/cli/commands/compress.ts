/**
 * `sparq compress MODEL --calib DATA -o OUT.sparq`: one recipe (int8 and/or pruning through engine.quantize /
 * engine.prune) or, with --auto, engine.compress (compress-auto.ts); checked on a held-out half of --eval.
 */
import { promises as fsp } from 'fs';
import type { Engine } from '../../engine';
import type { PrunePattern } from '../../prune/prune-engine';
import type { CalibrationMethod } from '../../quant/quantize-engine';
import { saveSparq } from '../../format/sparq-writer';
import { provenanceOf } from '../../format/sparq-provenance';
import { writeReport } from '../../report/write-report';
import { UsageError } from '../args';
import type { Command } from '../command';
import { DATA_NOTE, DATA_OPTIONS, loadData } from '../data-options';
import { openModel } from '../open-model';
import { accuracy, runSamples } from '../run-samples';
import { layerTimes } from '../layer-times';
import { median } from '../../stats/percentiles';
import { encodeSparq } from '../../format/sparq-writer';
import { fixed, textTable } from '../text-table';
import { EXTRA_STRATEGY_IDS, STRATEGY_IDS } from '../../compress/compress-strategies';
import { compressAuto, parseStrategies } from './compress-auto';
import { calibrationFeeds, progressBars as progress, splitHalves } from './compress-inputs';

/** --prune 2:4 | channels=0.3 | unstructured=0.5 | blocks=2 */
export function parsePrune(text: string): PrunePattern {
  if (text === '2:4') return '2:4';
  const m = /^(channels|unstructured|blocks)=([0-9.]+)$/.exec(text);
  const value = m ? Number(m[2]) : NaN;
  if (!m || !Number.isFinite(value) || (m[1] !== 'blocks' && (value <= 0 || value >= 1)) || (m[1] === 'blocks' && (!Number.isInteger(value) || value < 1))) {
    throw new UsageError(`Expected --prune 2:4, channels=R or unstructured=R (0 < R < 1), or blocks=N but received "${text}"`);
  }
  return { [m[1]]: value } as PrunePattern;
}

interface Step {
  name: string;
  engine: Engine;
  accuracy?: number;
  latencyMs?: number;
  sizeBytes: number;
}

export const compress: Command = {
  spec: {
    name: 'compress',
    summary: 'Quantize to int8 and/or prune a model within an accuracy budget and write it as a .sparq file.',
    positionals: [{ name: 'MODEL', describe: 'an .onnx or .sparq file' }],
    required: ['calib', 'output'],
    options: {
      calib: { type: 'string', placeholder: 'DATA', describe: 'calibration samples (representative inputs, no labels needed)' },
      'calib-samples': { type: 'number', integer: true, min: 1, describe: 'use at most N calibration samples (default 200)' },
      output: { type: 'string', short: 'o', placeholder: 'OUT.sparq', describe: 'where to write the compressed model' },
      int8: { type: 'boolean', describe: 'quantize to int8 (the default when --prune is not given)' },
      method: { type: 'string', choices: ['minmax', 'percentile', 'entropy', 'mse'], describe: 'activation range calibration (default: engine.quantize\'s)' },
      'per-tensor': { type: 'boolean', describe: 'one weight scale per tensor instead of per output channel' },
      prune: { type: 'string', placeholder: 'PATTERN', describe: '2:4, channels=R, unstructured=R or blocks=N (applied before int8)' },
      'channel-align': { type: 'number', integer: true, min: 1, describe: '--prune channels=R: layers at least 2N wide keep a multiple of N channels (default 4; 16 keeps whole AVX-512 vectors)' },
      auto: { type: 'boolean', describe: 'engine.compress: try every strategy, keep the fastest within --max-drop on both halves of --eval (needs --eval, --max-drop; implied by --max-drop without --int8, --prune, --method or --per-tensor)' },
      strategies: { type: 'string', placeholder: 'LIST', describe: `--auto: the strategies to try, comma-separated (default ${Object.keys(STRATEGY_IDS).join(', ')}; also ${Object.keys(EXTRA_STRATEGY_IDS).join(', ')})` },
      objective: { type: 'string', choices: ['latency', 'size'], describe: '--auto: what best means within budget (default latency)' },
      'max-drop': { type: 'number', min: 0, describe: 'largest allowed top-1 drop in points on the held-out half of --eval (needs --eval)' },
      eval: { type: 'string', placeholder: 'DATA', describe: 'labelled data: first half tunes the budget, second half checks it' },
      threads: { type: 'number', integer: true, min: 1, describe: 'threads per engine' },
      report: { type: 'string', placeholder: 'FILE.html', describe: 'write a self-contained HTML report' },
      ...DATA_OPTIONS,
    },
    notes: [
      'The result is written only when it stays within --max-drop on the held-out half; otherwise compress exits with 1 and says by how much it missed.',
      '--max-drop without a recipe (--int8, --prune, --method, --per-tensor) searches like --auto; with one, it checks that recipe.',
      DATA_NOTE,
    ],
    examples: [
      'sparq compress model.onnx --calib calibration.npy --int8 --method entropy -o model-int8.sparq',
      'sparq compress model.onnx --calib calibration.npy --max-drop 1 --eval test.npy --labels test-labels.npy -o best.sparq',
      'sparq compress model.onnx --calib calib/ --prune 2:4 --int8 --max-drop 1 --eval test.npy --labels test-labels.npy -o small.sparq --report compress.html',
    ],
  },
  async run({ positionals, options }) {
    if (options['max-drop'] !== undefined && !options.eval) throw new UsageError('Expected --eval DATA (with labels) for --max-drop');
    if (options.auto && (options['max-drop'] === undefined || options.prune)) throw new UsageError('Expected --max-drop and --eval, and no --prune, for --auto');
    // A budget without a recipe asks for the best model within it: the same search as --auto.
    const recipe = Boolean(options.int8 || options.prune || options.method || options['per-tensor']);
    const auto = Boolean(options.auto) || (options['max-drop'] !== undefined && !recipe);
    if (!auto && (options.strategies !== undefined || options.objective !== undefined)) throw new UsageError('Expected --auto (or --max-drop without a recipe) for --strategies and --objective');
    const strategies = parseStrategies(options.strategies as string | undefined);
    const pattern = options.prune ? parsePrune(options.prune as string) : undefined;
    if (options['channel-align'] !== undefined && !(pattern && typeof pattern === 'object' && 'channels' in pattern)) {
      throw new UsageError('Expected --prune channels=R for --channel-align');
    }
    const channelAlign = options['channel-align'] as number | undefined;
    const int8 = Boolean(options.int8) || !pattern;
    const model = await openModel(positionals[0], options.threads as number | undefined);
    const steps: Step[] = [];
    try {
      const calib = await loadData(options.calib as string, { ...options, labels: undefined, limit: (options['calib-samples'] as number | undefined) ?? 200 }, model.engine);
      const evalData = options.eval ? await loadData(options.eval as string, options, model.engine) : undefined;
      if (evalData && !evalData.labels) throw new UsageError(`Expected labels for --eval ${evalData.source} (--labels FILE or labels in DATA)`);
      if (auto) {
        return await compressAuto({
          model, calib, evalData: evalData!, maxDrop: options['max-drop'] as number, output: options.output as string,
          objective: (options.objective as 'latency' | 'size' | undefined) ?? 'latency', strategies, report: options.report as string | undefined,
        });
      }
      const [tune, holdout] = evalData ? splitHalves(evalData) : [undefined, undefined];
      const evaluate = tune ? async (e: Engine) => accuracy((await runSamples([e], tune, 'evaluate'))[0].predictions, tune.labels!) : undefined;
      const maxDrop = options['max-drop'] as number | undefined;
      const sourceBytes = (await fsp.stat(model.path)).size;
      steps.push({ name: 'original', engine: model.engine, sizeBytes: sourceBytes });
      /** Prune (when `p`) then int8 (when `q`) from the original; every engine made is pushed to `made`. */
      const chain = async (p: PrunePattern | undefined, q: boolean, made: Step[]): Promise<{ engine: Engine; method: string }> => {
        let engine = model.engine;
        const parts: string[] = [];
        if (p) {
          engine = await engine.prune({ pattern: p, calibration: calibrationFeeds(engine, calib), ...(channelAlign ? { channelAlign } : {}), onProgress: progress('prune') });
          const label = typeof p === 'string' ? p : Object.entries(p).map(([k, v]) => `${k}=${v}`).join('');
          parts.push(`prune ${label}`);
          made.push({ name: `pruned ${label}`, engine, sizeBytes: encodeSparq(engine).length });
        }
        if (q) {
          engine = await engine.quantize({
            calibration: calibrationFeeds(engine, calib),
            ...(options.method ? { method: options.method as CalibrationMethod } : {}),
            perChannel: options['per-tensor'] ? false : 'auto',
            ...(maxDrop !== undefined && evaluate ? { maxDrop, evaluate } : {}),
            onProgress: progress('int8'),
          });
          parts.push(`int8 ${options.method ?? 'default'} ${options['per-tensor'] ? 'per-tensor' : 'per-channel (auto)'}`);
          made.push({ name: p ? `${made[made.length - 1].name} + int8` : 'int8', engine, sizeBytes: encodeSparq(engine).length });
        }
        return { engine, method: parts.join(' + ') };
      };
      const made: Step[] = [];
      const { method } = await chain(pattern, int8, made);
      steps.push(...made);
      const chosen = steps.length - 1;
      const current = steps[chosen].engine;
      // Held-out accuracy and batch-1 latency of every step, interleaved on the same samples.
      if (holdout) {
        const runs = await runSamples(steps.map((s) => s.engine), holdout, 'held-out eval');
        runs.forEach((r, i) => {
          steps[i].accuracy = accuracy(r.predictions, holdout.labels!);
          steps[i].latencyMs = median(r.latencies);
        });
      } else {
        const runs = await runSamples(steps.map((s) => s.engine), { ...calib, samples: calib.samples.slice(0, 50) }, 'latency');
        runs.forEach((r, i) => (steps[i].latencyMs = median(r.latencies)));
      }
      const base = steps[0];
      const result = steps[chosen];
      const drop = base.accuracy !== undefined && result.accuracy !== undefined ? base.accuracy - result.accuracy : undefined;
      const withinBudget = maxDrop === undefined || drop === undefined || drop <= maxDrop;
      if (withinBudget) {
        await saveSparq(current, options.output as string, {
          provenance: {
            ...provenanceOf(model.engine),
            method,
            calibration: { samples: calib.samples.length, source: calib.source, method: options.method ?? 'default' },
            metrics: { ...(result.accuracy !== undefined ? { heldOutTop1: result.accuracy, originalHeldOutTop1: base.accuracy! } : {}), latencyMs: result.latencyMs ?? NaN },
          },
        });
      }
      const rows = steps.map((s) => [s.name, s.accuracy !== undefined ? fixed(s.accuracy, 2) : '-', fixed(s.latencyMs ?? NaN), fixed((base.latencyMs ?? NaN) / (s.latencyMs ?? NaN), 2) + 'x', `${(s.sizeBytes / 1024).toFixed(0)} KiB`]);
      const header = ['model', holdout ? 'held-out top-1 %' : 'top-1 %', 'p50 ms', 'speed-up', 'size'];
      const verdict = withinBudget
        ? `${method}: written to ${options.output}${drop !== undefined ? ` (held-out drop ${fixed(drop, 2)} points${maxDrop !== undefined ? `, budget ${maxDrop}` : ''})` : ''}`
        : `${method}: NOT written: the held-out drop is ${fixed(drop!, 2)} points, over the budget of ${maxDrop}`;
      const lines = [`${model.path}: ${method}; calibration ${calib.samples.length} samples of ${calib.source}${holdout ? `; held-out ${holdout.samples.length} samples` : ''}`, '', textTable(header, rows), '', verdict];
      if (options.report) {
        const feeds = calibrationFeeds(current, calib)[0];
        await writeReport(options.report as string, {
          title: `sparq compress: ${model.path}`,
          subtitle: method,
          verdicts: [verdict],
          strategies: steps.every((s) => s.accuracy !== undefined) ? steps.map((s, i) => ({ name: s.name, accuracy: s.accuracy!, latencyMs: s.latencyMs!, chosen: i === chosen })) : undefined,
          tables: [{ title: 'Steps', header, rows }],
          layers: await layerTimes(current, feeds),
        });
        lines.push(`report written to ${options.report}`);
      }
      const json = {
        model: model.path,
        output: withinBudget ? options.output : null,
        method,
        withinBudget,
        maxDrop: maxDrop ?? null,
        heldOutDrop: drop ?? null,
        chosen: steps[chosen].name,
        steps: steps.map((s) => ({ name: s.name, accuracy: s.accuracy ?? null, latencyMs: s.latencyMs ?? null, sizeBytes: s.sizeBytes })),
      };
      return { json, text: lines.join('\n'), exitCode: withinBudget ? 0 : 1 };
    } finally {
      for (const s of steps) s.engine.dispose();
      model.engine.dispose();
    }
  },
};
