/** `sparq resolutions MODEL --data DATA --sizes 16,20,28`: accuracy against average MACs of input-adaptive resolution over confidence thresholds. */
import type { Command } from '../command';
import { openModel } from '../open-model';
import { DATA_NOTE, DATA_OPTIONS, loadData } from '../data-options';
import { UsageError } from '../args';
import { createProgress } from '../progress';
import { compact, fixed, textTable } from '../text-table';
import { writeReport } from '../../report/write-report';
import { AdaptiveResolution, Resolution } from '../../dynamic/adaptive-resolution';
import { chooseThreshold, DEFAULT_THRESHOLDS, profileResolutions, SweepRow, sweepThresholds } from '../../dynamic/adaptive-sweep';

/** "16,20x24,28" -> [[16,16],[20,24],[28,28]]. */
export function parseSizes(text: string): Resolution[] {
  return text.split(',').map((part) => {
    const m = /^(\d+)(?:x(\d+))?$/.exec(part.trim());
    if (!m || Number(m[1]) < 1 || (m[2] !== undefined && Number(m[2]) < 1)) throw new UsageError(`Expected --sizes like 16,20,28 or 16x12,28x28 but received "${text}"`);
    return [Number(m[1]), Number(m[2] ?? m[1])] as const;
  });
}

function parseThresholds(text: string): number[] {
  const values = text.split(',').map((t) => Number(t.trim()));
  if (!values.every((v) => Number.isFinite(v) && v > 0 && v <= 1)) throw new UsageError(`Expected --thresholds as numbers in (0, 1] like 0.8,0.9,0.99 but received "${text}"`);
  return values;
}

function rowName(r: SweepRow): string {
  return r.kind === 'fixed' ? `always ${r.resolution}` : `adaptive t=${r.threshold}`;
}

export const resolutions: Command = {
  spec: {
    name: 'resolutions',
    summary: 'Input-adaptive resolution: accuracy against average MACs over confidence thresholds.',
    positionals: [{ name: 'MODEL', describe: 'an .onnx or .sparq file whose image input has free height and width' }],
    required: ['data', 'sizes'],
    options: {
      data: { type: 'string', placeholder: 'DATA', describe: 'labelled samples at full resolution' },
      sizes: { type: 'string', placeholder: 'S,S,...', describe: 'input sizes to try, smallest first (16 = 16x16; HxW allowed); the last is the full resolution' },
      output: { type: 'string', placeholder: 'NAME', describe: 'the output holding the class scores (default: the last output)' },
      thresholds: { type: 'string', placeholder: 'T,T,...', describe: `confidence thresholds to sweep (default ${DEFAULT_THRESHOLDS.join(',')})` },
      'max-drop': { type: 'number', min: 0, describe: 'accuracy points below full resolution allowed for the chosen threshold (default 1)' },
      threads: { type: 'number', integer: true, min: 1, describe: 'engine threads (default 1)' },
      report: { type: 'string', placeholder: 'FILE.html', describe: 'write a self-contained HTML report' },
      ...DATA_OPTIONS,
    },
    notes: [
      'Each sample is resized (bilinear, as torch F.interpolate with align_corners=False) to every size and run once; a threshold T takes, per sample, the first size whose top softmax probability is >= T, else the last, and pays the MACs of every size tried. One engine serves every size (one compiled plan per shape). Estimated ms sums the measured latencies of the sizes tried. The chosen threshold is the one with the fewest average MACs within --max-drop points of full-resolution accuracy.',
      DATA_NOTE,
    ],
    examples: ['sparq resolutions exits-fmnist.onnx --data test-images.npy --labels test-labels.npy --sizes 16,20,28 --output logits --report resolutions.html'],
  },
  async run({ positionals, options }) {
    const sizes = parseSizes(options.sizes as string);
    const thresholds = options.thresholds ? parseThresholds(options.thresholds as string) : DEFAULT_THRESHOLDS;
    const maxDrop = (options['max-drop'] as number | undefined) ?? 1;
    const model = await openModel(positionals[0], (options.threads as number | undefined) ?? 1);
    try {
      const adaptive = new AdaptiveResolution(model.engine, { sizes, threshold: 1, output: options.output as string | undefined });
      const data = await loadData(options.data as string, options, model.engine);
      if (!data.labels) throw new UsageError('Expected labels (--labels FILE, or labels in DATA) to measure accuracy');
      if (data.dims.length !== 3) throw new UsageError(`Expected image samples [C, H, W] in DATA but received samples of dims [${data.dims.join(', ')}]`);
      const progress = createProgress('resolutions', data.samples.length);
      const profile = await profileResolutions(adaptive, data.samples, data.dims, (done) => progress.update(done));
      progress.finish();
      const names = adaptive.sizes.map(([h, w]) => `${h}x${w}`);
      const rows = sweepThresholds(profile, adaptive.macsPerSize, names, data.labels, thresholds);
      const chosen = chooseThreshold(rows, maxDrop);
      const full = rows[names.length - 1];
      const json = {
        model: model.path,
        data: data.source,
        samples: data.samples.length,
        output: adaptive.output,
        sizes: names,
        macsPerSize: adaptive.macsPerSize,
        maxDrop,
        rows,
        chosen: chosen ?? null,
      };
      const header = ['strategy', 'top-1 %', 'avg MACs', 'MAC saving', 'est. ms', ...names.map((n) => `at ${n}`)];
      const table = rows.map((r) => [rowName(r), fixed(r.accuracy, 2), compact(Math.round(r.averageMacs)), `${fixed(100 * r.macSaving, 1)}%`, fixed(r.estimatedMs), ...r.shares.map((s) => `${fixed(100 * s, 1)}%`)]);
      const verdict = chosen
        ? `Chosen threshold ${chosen.threshold}: top-1 ${fixed(chosen.accuracy, 2)}% (full resolution ${fixed(full.accuracy, 2)}%), ${fixed(100 * chosen.macSaving, 1)}% fewer average MACs than always running ${names[names.length - 1]}.`
        : `No threshold saves MACs while staying within ${maxDrop} points of full-resolution accuracy (${fixed(full.accuracy, 2)}%).`;
      const lines = [`${model.path} on ${data.samples.length} samples of ${data.source}, output ${adaptive.output}, batch 1`, '', textTable(header, table), '', verdict];
      if (options.report) {
        await writeReport(options.report as string, {
          title: `sparq resolutions: ${model.path}`,
          subtitle: `${data.samples.length} samples of ${data.source}; sizes ${names.join(', ')}`,
          summary: ['Every sample ran at every size once; each threshold replays the rule "take the first size whose top softmax probability reaches the threshold". Latency points are estimates: the summed measured latencies of the sizes each sample would run.'],
          verdicts: [verdict],
          strategies: rows.map((r) => ({ name: rowName(r), accuracy: r.accuracy, latencyMs: r.estimatedMs, chosen: r === chosen })),
          tables: [{ title: 'Accuracy against compute', header, rows: table }],
        });
        lines.push(`report written to ${options.report}`);
      }
      return { json, text: lines.join('\n') };
    } finally {
      model.engine.dispose();
    }
  },
};
