/** `sparq compress --auto`: engine.compress with top-1 on the first half of --eval as `evaluate` and the second half as `holdout`. */
import type { Engine } from '../../engine';
import type { Dataset } from '../../data/load-dataset';
import type { CompressStrategy } from '../../compress/compress-strategies';
import { EXTRA_STRATEGY_IDS, STRATEGY_IDS } from '../../compress/compress-strategies';
import { provenanceOf } from '../../format/sparq-provenance';
import { saveSparq } from '../../format/sparq-writer';
import { writeReport } from '../../report/write-report';
import { UsageError } from '../args';
import type { CommandResult } from '../command';
import { layerTimes } from '../layer-times';
import { accuracy, runSamples } from '../run-samples';
import { fixed, textTable } from '../text-table';
import { calibrationFeeds, progressBars, splitHalves } from './compress-inputs';

const CATALOGUE: Readonly<Record<string, CompressStrategy>> = { ...STRATEGY_IDS, ...EXTRA_STRATEGY_IDS };

/** --strategies int8,2:4,channels-0.25 → the catalogue entries (the defaults when absent). */
export function parseStrategies(text: string | undefined): CompressStrategy[] | undefined {
  if (text === undefined) return undefined;
  return text.split(',').map((id) => {
    const s = CATALOGUE[id.trim()];
    if (!s) throw new UsageError(`Expected --strategies as a comma-separated list of ${Object.keys(CATALOGUE).join(', ')} but received "${id}"`);
    return s;
  });
}

export interface AutoInputs {
  model: { engine: Engine; path: string };
  calib: Dataset;
  evalData: Dataset;
  maxDrop: number;
  output: string;
  objective: 'latency' | 'size';
  strategies?: CompressStrategy[];
  report?: string;
}

export async function compressAuto(a: AutoInputs): Promise<CommandResult> {
  const [tune, holdout] = splitHalves(a.evalData);
  const top1 = (d: Dataset, label: string) => async (e: Engine) => accuracy((await runSamples([e], d, label))[0].predictions, d.labels!);
  const result = await a.model.engine.compress({
    calibration: calibrationFeeds(a.model.engine, a.calib),
    evaluate: top1(tune, 'tuning eval'),
    holdout: top1(holdout, 'held-out eval'),
    maxDrop: a.maxDrop,
    objective: a.objective,
    ...(a.strategies ? { strategies: a.strategies } : {}),
    onProgress: progressBars('compress'),
  });
  try {
    const { original, chosen } = result;
    const method = `auto: ${chosen.name}`;
    if (result.withinBudget) {
      await saveSparq(result.engine, a.output, {
        provenance: {
          ...provenanceOf(a.model.engine),
          method,
          calibration: { samples: a.calib.samples.length, source: a.calib.source, method: chosen.strategy.method ?? 'default' },
          metrics: { heldOutTop1: chosen.holdout!, originalHeldOutTop1: original.holdout!, latencyMs: chosen.latencyMs! },
        },
      });
    }
    const row = (name: string, tuning: number | null, held: number | null, drop: number | null, ms: number | null, size: number | null, budget: string) => [
      name, tuning === null ? '-' : fixed(tuning, 2), held === null ? '-' : fixed(held, 2), drop === null ? '-' : fixed(drop, 2),
      ms === null ? '-' : fixed(ms), ms === null ? '-' : fixed(original.latencyMs / ms, 2) + 'x', size === null ? '-' : `${(size / 1024).toFixed(0)} KiB`, budget,
    ];
    const header = ['model', 'tuning top-1 %', 'held-out top-1 %', 'drop', 'p50 ms', 'speed-up', 'size', 'within budget'];
    const rows = [
      row('original', original.metric, original.holdout, null, original.latencyMs, original.sizeBytes, ''),
      ...result.trials.map((t) => row(t.name + (t.chosen ? ' (chosen)' : ''), t.metric, t.holdout, t.drop, t.latencyMs, t.sizeBytes, t.error ? `failed: ${t.error}` : t.withinBudget ? 'yes' : 'no')),
    ];
    const verdict = result.withinBudget
      ? `${method}: written to ${a.output} (held-out drop ${fixed(chosen.drop!, 2)} points, budget ${a.maxDrop}; fastest within budget by ${a.objective})`
      : `${method}: NOT written: no strategy stays within ${a.maxDrop} points on both halves; the closest drops ${fixed(chosen.drop!, 2)} on the held-out half`;
    const lines = [
      `${a.model.path}: ${result.trials.length} strategies; calibration ${a.calib.samples.length} samples of ${a.calib.source}; tuning ${tune.samples.length}, held-out ${holdout.samples.length} samples`,
      '', textTable(header, rows), '', verdict,
    ];
    if (a.report) {
      const ok = result.trials.filter((t) => !t.error);
      await writeReport(a.report, {
        title: `sparq compress: ${a.model.path}`,
        subtitle: method,
        verdicts: [verdict],
        strategies: [{ name: 'original', accuracy: original.holdout!, latencyMs: original.latencyMs }, ...ok.map((t) => ({ name: t.name, accuracy: t.holdout!, latencyMs: t.latencyMs!, chosen: t.chosen }))],
        tables: [{ title: 'Strategies', header, rows }],
        layers: await layerTimes(result.engine, calibrationFeeds(result.engine, a.calib)[0]),
      });
      lines.push(`report written to ${a.report}`);
    }
    const json = {
      model: a.model.path,
      output: result.withinBudget ? a.output : null,
      method,
      objective: a.objective,
      withinBudget: result.withinBudget,
      maxDrop: a.maxDrop,
      heldOutDrop: chosen.drop,
      chosen: chosen.name,
      steps: [
        { name: 'original', tuningAccuracy: original.metric, accuracy: original.holdout, latencyMs: original.latencyMs, sizeBytes: original.sizeBytes },
        ...result.trials.map((t) => ({ name: t.name, tuningAccuracy: t.metric, accuracy: t.holdout, drop: t.drop, latencyMs: t.latencyMs, sizeBytes: t.sizeBytes, withinBudget: t.withinBudget, ...(t.error ? { error: t.error } : {}) })),
      ],
    };
    return { json, text: lines.join('\n'), exitCode: result.withinBudget ? 0 : 1 };
  } finally {
    result.engine.dispose();
  }
}
