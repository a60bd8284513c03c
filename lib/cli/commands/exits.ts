/** `sparq exits MODEL --data DATA`: accuracy against average MACs (and measured latency) for a sweep of early-exit thresholds. */
import type { Engine } from '../../engine';
import { Tensor } from '../../tensor';
import type { Dataset } from '../../data/load-dataset';
import { writeReport } from '../../report/write-report';
import { UsageError } from '../args';
import type { Command } from '../command';
import { DATA_NOTE, DATA_OPTIONS, loadData } from '../data-options';
import { engineExitMacs } from '../exit-macs';
import { chooseThreshold, ExitScores, sweepThresholds, SweepRow } from '../exit-sweep';
import { openModel } from '../open-model';
import { createProgress } from '../progress';
import { argmax } from '../run-samples';
import { compact, fixed, textTable } from '../text-table';

const DEFAULT_THRESHOLDS = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 1];

/** --exits a,b,c: model outputs in the order the model computes them; default every output in model order. */
export function parseExits(text: string | undefined, engine: Engine): string[] {
  const names = engine.outputs.map((o) => o.name);
  if (text === undefined) return names;
  const exits = text.split(',').map((s) => s.trim());
  for (const e of exits) {
    if (!names.includes(e)) throw new UsageError(`Expected output names of the model (${names.join(', ')}) for --exits but received "${e}"`);
  }
  if (new Set(exits).size !== exits.length) throw new UsageError(`Expected distinct output names for --exits but received "${text}"`);
  return exits;
}

/** --thresholds 0.5,0.9,0.99: confidences in [0, 1], sorted ascending. */
export function parseThresholds(text: string | undefined): number[] {
  if (text === undefined) return DEFAULT_THRESHOLDS;
  const values = text.split(',').map((s) => (s.trim() === '' ? NaN : Number(s)));
  if (!values.every((v) => Number.isFinite(v) && v >= 0 && v <= 1)) {
    throw new UsageError(`Expected comma-separated confidences in [0, 1] for --thresholds but received "${text}"`);
  }
  return [...new Set(values)].sort((a, b) => a - b);
}

/** Every sample's scores at every exit, from full runs in batches (the last exit needs the whole model anyway). */
async function exitScores(engine: Engine, data: Dataset, exits: string[], batch: number): Promise<ExitScores[]> {
  const input = engine.inputs[0].name;
  const size = data.samples[0].length;
  const out: ExitScores[] = [];
  const progress = createProgress('exits', data.samples.length);
  for (let start = 0; start < data.samples.length; start += batch) {
    const n = Math.min(batch, data.samples.length - start);
    const x = new Float32Array(n * size);
    for (let i = 0; i < n; i++) x.set(data.samples[start + i], i * size);
    const result = await engine.run({ [input]: new Tensor('float32', x, [n, ...data.dims]) }, { outputs: exits });
    for (let i = 0; i < n; i++) {
      out.push(exits.map((e) => {
        const t = result[e];
        const classes = t.data.length / n;
        return (t.data as Float32Array).subarray(i * classes, (i + 1) * classes);
      }));
    }
    progress.update(start + n);
  }
  progress.finish();
  return out;
}

/**
 * Mean over samples of the fastest of 3 runs (batch 1, runSync) of always running to the end (index 0) and of native
 * early exit at each threshold: the per-sample minimum strips preemption on a shared machine, the mean keeps the mix
 * of early and late stops. Candidates are interleaved sample by sample.
 */
function measureLatency(engine: Engine, data: Dataset, exits: string[], thresholds: readonly number[], count: number): number[] {
  const input = engine.inputs[0].name;
  const feeds = data.samples.slice(0, count).map((s) => ({ [input]: new Tensor('float32', s, [1, ...data.dims]) }));
  const runs: ((i: number) => unknown)[] = [(i) => engine.runSync(feeds[i]), ...thresholds.map((confidence) => (i: number) => engine.runSync(feeds[i], { exits, confidence }))];
  for (const r of runs) for (let i = 0; i < Math.min(5, feeds.length); i++) r(i);
  const best = runs.map(() => new Float64Array(feeds.length).fill(Infinity));
  const passes = 3;
  const progress = createProgress('timing', passes * feeds.length);
  for (let p = 0; p < passes; p++) {
    for (let i = 0; i < feeds.length; i++) {
      runs.forEach((r, c) => {
        const t0 = performance.now();
        r(i);
        best[c][i] = Math.min(best[c][i], performance.now() - t0);
      });
      progress.update(p * feeds.length + i + 1);
    }
  }
  progress.finish();
  return best.map((b) => b.reduce((sum, t) => sum + t, 0) / feeds.length);
}

function percent(v: number | undefined, digits = 2): string {
  return v === undefined ? '-' : fixed(v, digits);
}

export const exits: Command = {
  spec: {
    name: 'exits',
    summary: 'Sweep early-exit confidence thresholds: top-1 accuracy against average MACs per sample.',
    positionals: [{ name: 'MODEL', describe: 'a model whose outputs include the exits (.onnx or .sparq)' }],
    required: ['data'],
    options: {
      data: { type: 'string', placeholder: 'DATA', describe: 'the samples (labels give top-1; without them, agreement with the last exit)' },
      exits: { type: 'string', placeholder: 'A,B,C', describe: 'exit outputs in the order the model computes them (default: every output, in model order)' },
      thresholds: { type: 'string', placeholder: 'T,T,...', describe: `confidences in [0, 1] (default ${DEFAULT_THRESHOLDS.join(',')})` },
      'max-drop': { type: 'number', min: 0, placeholder: 'POINTS', describe: 'recommend the threshold saving most MACs within this top-1 drop (default 1)' },
      batch: { type: 'number', integer: true, min: 1, describe: 'batch size of the full runs that collect the exits (default 64)' },
      time: { type: 'number', integer: true, min: 0, placeholder: 'N', describe: 'time native early exit at each threshold on the first N samples, batch 1, fastest of 3 runs each (default 200; 0 skips)' },
      threads: { type: 'number', integer: true, min: 1, describe: 'threads of the engine' },
      report: { type: 'string', placeholder: 'FILE.html', describe: 'write a self-contained HTML report charting the sweep' },
      ...DATA_OPTIONS,
    },
    notes: [
      'A sample stops at the first exit whose top softmax probability is >= the threshold, else at the last exit (the rule engine.run applies natively with { exits, confidence }, batch 1). The sweep runs the whole model once per sample, applies the rule to every threshold and counts MACs (Conv, Gemm, MatMul) per exit at the data\'s input size: an exit costs every layer it and the earlier exits need.',
      DATA_NOTE,
    ],
    examples: [
      'sparq exits exits-fmnist.onnx --data test-images.npy --labels test-labels.npy',
      'sparq exits model.onnx --data images/ --exits exit1,exit2,logits --thresholds 0.8,0.9,0.95 --report exits.html',
    ],
  },
  async run({ positionals, options }) {
    const thresholds = parseThresholds(options.thresholds as string | undefined);
    const maxDrop = (options['max-drop'] as number | undefined) ?? 1;
    const model = await openModel(positionals[0], options.threads as number | undefined);
    try {
      const exitNames = parseExits(options.exits as string | undefined, model.engine);
      const data = await loadData(options.data as string, options, model.engine);
      const macs = engineExitMacs(model.engine, exitNames, data.dims);
      const scores = await exitScores(model.engine, data, exitNames, (options.batch as number | undefined) ?? 64);
      const last = exitNames.length - 1;
      const labels = data.labels;
      const fullCorrect = labels ? scores.filter((s, i) => argmax(s[last]) === labels[i]).length : 0;
      const fullTop1 = labels ? (100 * fullCorrect) / scores.length : undefined;
      const perExitTop1 = labels ? exitNames.map((_, k) => (100 * scores.filter((s, i) => argmax(s[k]) === labels[i]).length) / scores.length) : undefined;
      const rows = sweepThresholds(scores, macs, thresholds, labels);
      const chosen = chooseThreshold(rows, fullTop1, maxDrop);
      const timed = Math.min((options.time as number | undefined) ?? 200, data.samples.length);
      const latency = timed > 0 ? measureLatency(model.engine, data, exitNames, thresholds, timed) : undefined;
      const timeColumns = (k: number) => (latency ? [fixed(latency[k + 1], 4), fixed(100 * (1 - latency[k + 1] / latency[0]), 1)] : []);
      const timeHeader = latency ? ['ms/sample', 'time saving %'] : [];

      const header = ['threshold', labels ? 'top-1 %' : 'agreement %', 'drop', 'avg MACs', 'MAC saving %', ...timeHeader, ...exitNames.map((e) => `${e} %`)];
      const tableRows = rows.map((r: SweepRow, k) => [
        String(r.confidence) + (r === chosen ? ' *' : ''),
        labels ? percent(r.top1) : percent(r.agreement),
        labels ? fixed((fullTop1 as number) - (r.top1 as number), 2) : fixed(100 - r.agreement, 2),
        compact(Math.round(r.averageMacs)),
        fixed(r.macSaving, 1),
        ...timeColumns(k),
        ...r.exitShare.map((s) => fixed(s, 1)),
      ]);
      const exitLines = exitNames.map((e, k) => `  ${e}: ${compact(macs[k])} MACs (${fixed((100 * macs[k]) / macs[last], 1)}% of the full model)${perExitTop1 ? `, top-1 ${fixed(perExitTop1[k], 2)}% on its own` : ''}`);
      const verdict = chosen
        ? `Threshold ${chosen.confidence}: ${fixed(chosen.macSaving, 1)}% fewer MACs on average than always running to ${exitNames[last]}, ${labels ? `top-1 ${percent(chosen.top1)}% vs ${percent(fullTop1)}%` : `${percent(chosen.agreement)}% agreement with ${exitNames[last]}`} (within ${maxDrop} point${maxDrop === 1 ? '' : 's'}).`
        : `No threshold keeps ${labels ? 'top-1' : 'agreement'} within ${maxDrop} point${maxDrop === 1 ? '' : 's'} of always running to ${exitNames[last]}.`;
      const lines = [
        `${model.path} on ${data.samples.length} samples of ${data.source}, input ${data.dims.join('x')}, batch 1 rule`,
        'exits (MACs to reach each, earlier exits included):',
        ...exitLines,
        '',
        textTable(header, tableRows),
        ...(latency ? [`(ms/sample: mean over the first ${timed} samples of the fastest of 3 native runs with early exit, batch 1; always running to ${exitNames[last]}: ${fixed(latency[0], 4)} ms)`] : []),
        '',
        verdict,
      ];
      const json: Record<string, unknown> = {
        model: model.path,
        data: data.source,
        samples: data.samples.length,
        inputDims: data.dims,
        exits: exitNames.map((name, k) => ({ name, macs: macs[k], top1: perExitTop1?.[k] })),
        fullTop1,
        maxDrop,
        sweep: rows.map((r, k) => (latency ? { ...r, latencyMs: latency[k + 1] } : r)),
        fullLatencyMs: latency?.[0],
        timedSamples: latency ? timed : 0,
        chosen: chosen?.confidence,
        verdict,
      };
      if (options.report) {
        const reportRows = rows.map((r, k) => [String(r.confidence), labels ? percent(r.top1) : percent(r.agreement), Math.round(r.averageMacs), fixed(r.macSaving, 1), ...timeColumns(k), ...r.exitShare.map((s) => fixed(s, 1))]);
        const accuracyOf = (r: SweepRow) => (labels ? (r.top1 as number) : r.agreement);
        await writeReport(options.report as string, {
          title: `sparq exits: ${model.path}`,
          subtitle: `${data.samples.length} samples of ${data.source}; exits ${exitNames.join(', ')}`,
          summary: [...exitLines.map((l) => l.trim()), ...(latency ? [`Latency: mean over the first ${timed} samples of the fastest of 3 native early-exit runs (batch 1).`] : [])],
          verdicts: [verdict],
          strategies: latency
            ? [{ name: 'full', accuracy: labels ? (fullTop1 as number) : 100, latencyMs: latency[0] }, ...rows.map((r, k) => ({ name: `t=${r.confidence}`, accuracy: accuracyOf(r), latencyMs: latency[k + 1], chosen: r === chosen }))]
            : undefined,
          tables: [{ title: 'Threshold sweep', header: ['threshold', labels ? 'top-1 %' : 'agreement %', 'avg MACs', 'MAC saving %', ...timeHeader, ...exitNames.map((e) => `${e} %`)], rows: reportRows }],
        });
        lines.push(`report written to ${options.report}`);
      }
      return { json, text: lines.join('\n') };
    } finally {
      model.engine.dispose();
    }
  },
};
