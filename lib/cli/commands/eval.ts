/** `sparq eval MODEL --data DATA`: top-1 accuracy against labels, or agreement with a reference model. */
import type { Command } from '../command';
import { openModel } from '../open-model';
import { DATA_NOTE, DATA_OPTIONS, loadData } from '../data-options';
import { accuracy, runSamples } from '../run-samples';
import { summarizeLatency } from '../../stats/percentiles';
import { UsageError } from '../args';
import { fixed } from '../text-table';

export const evaluate: Command = {
  spec: {
    name: 'eval',
    summary: 'Measure top-1 accuracy on labelled data, or agreement with a reference model.',
    positionals: [{ name: 'MODEL', describe: 'an .onnx or .sparq file' }],
    required: ['data'],
    options: {
      data: { type: 'string', placeholder: 'DATA', describe: 'the samples (see below)' },
      reference: { type: 'string', placeholder: 'MODEL', describe: 'compare predictions and outputs with this model (e.g. the fp32 original)' },
      threads: { type: 'number', integer: true, min: 1, describe: 'threads per engine' },
      ...DATA_OPTIONS,
    },
    notes: [DATA_NOTE],
    examples: ['sparq eval model.sparq --data test-images.npy --labels test-labels.npy', 'sparq eval int8.sparq --data images/ --reference model.onnx --json'],
  },
  async run({ positionals, options }) {
    const model = await openModel(positionals[0], options.threads as number | undefined);
    const reference = options.reference ? await openModel(options.reference as string, options.threads as number | undefined) : undefined;
    try {
      const data = await loadData(options.data as string, options, model.engine);
      if (!data.labels && !reference) throw new UsageError('Expected labels (--labels FILE, or labels in DATA) or --reference MODEL to evaluate against');
      const engines = reference ? [model.engine, reference.engine] : [model.engine];
      const [ours, ref] = await runSamples(engines, data, 'eval', Boolean(reference));
      const json: Record<string, unknown> = { model: model.path, data: data.source, samples: data.samples.length, latencyMs: summarizeLatency(ours.latencies) };
      const lines = [`${model.path} on ${data.samples.length} samples of ${data.source}`];
      if (data.labels) {
        json.top1 = accuracy(ours.predictions, data.labels);
        lines.push(`top-1 accuracy ${fixed(json.top1 as number, 2)}%`);
        if (ref) {
          json.referenceTop1 = accuracy(ref.predictions, data.labels);
          lines.push(`reference ${reference!.path}: top-1 ${fixed(json.referenceTop1 as number, 2)}%`);
        }
      }
      if (ref) {
        let agree = 0;
        let maxAbs = 0;
        for (let i = 0; i < data.samples.length; i++) {
          if (ours.predictions[i] === ref.predictions[i]) agree++;
          const a = ours.outputs[i];
          const b = ref.outputs[i];
          for (let k = 0; k < Math.min(a.length, b.length); k++) maxAbs = Math.max(maxAbs, Math.abs(a[k] - b[k]));
        }
        json.reference = reference!.path;
        json.agreement = (100 * agree) / data.samples.length;
        json.maxAbsDifference = maxAbs;
        lines.push(`agreement with ${reference!.path}: ${fixed(json.agreement as number, 2)}% of top-1 predictions; max |output difference| ${maxAbs.toPrecision(3)}`);
      }
      lines.push(`latency p50 ${fixed((json.latencyMs as { p50: number }).p50)} ms per sample (batch 1)`);
      return { json, text: lines.join('\n') };
    } finally {
      model.engine.dispose();
      reference?.engine.dispose();
    }
  },
};
