/** `sparq ab A B --data DATA`: accuracy difference with McNemar's test, latency difference with a bootstrap CI, and a plain verdict. */
import type { Command } from '../command';
import { openModel } from '../open-model';
import { DATA_NOTE, DATA_OPTIONS, loadData } from '../data-options';
import { accuracy, runSamples } from '../run-samples';
import { mcnemar } from '../../stats/mcnemar';
import { bootstrapDifference } from '../../stats/bootstrap';
import { summarizeLatency } from '../../stats/percentiles';
import { writeReport } from '../../report/write-report';
import { layerTimes } from '../layer-times';
import { Tensor } from '../../tensor';
import { fixed, textTable } from '../text-table';

export const ab: Command = {
  spec: {
    name: 'ab',
    summary: 'Compare two models on the same data: accuracy (McNemar\'s test) and latency (bootstrap CI), with a plain verdict.',
    positionals: [
      { name: 'A', describe: 'the baseline model (.onnx or .sparq)' },
      { name: 'B', describe: 'the candidate model' },
    ],
    required: ['data'],
    options: {
      data: { type: 'string', placeholder: 'DATA', describe: 'the samples, with labels for the accuracy part' },
      alpha: { type: 'number', min: 0, describe: 'significance level (default 0.05)' },
      threads: { type: 'number', integer: true, min: 1, describe: 'threads per engine' },
      report: { type: 'string', placeholder: 'FILE.html', describe: 'write a self-contained HTML report' },
      ...DATA_OPTIONS,
    },
    notes: [
      'Both models run every sample at batch 1, interleaved sample by sample. Accuracy: McNemar\'s test on the samples where exactly one model is right (exact binomial below 25 such samples, chi-square with continuity correction above). Latency: 95% percentile-bootstrap CI of the difference of median latencies (B - A).',
      DATA_NOTE,
    ],
    examples: ['sparq ab model.onnx model-int8.sparq --data test-images.npy --labels test-labels.npy --report ab.html'],
  },
  async run({ positionals, options }) {
    const a = await openModel(positionals[0], options.threads as number | undefined);
    const b = await openModel(positionals[1], options.threads as number | undefined);
    try {
      const alpha = (options.alpha as number | undefined) ?? 0.05;
      const data = await loadData(options.data as string, options, a.engine);
      const [ra, rb] = await runSamples([a.engine, b.engine], data, 'ab');
      const latency = bootstrapDifference(ra.latencies, rb.latencies, { confidence: 1 - alpha });
      const la = summarizeLatency(ra.latencies);
      const lb = summarizeLatency(rb.latencies);
      const latencySignificant = latency.low > 0 || latency.high < 0;
      const verdicts: string[] = [];
      const json: Record<string, unknown> = { a: a.path, b: b.path, data: data.source, samples: data.samples.length, alpha };
      let agree = 0;
      for (let i = 0; i < data.samples.length; i++) if (ra.predictions[i] === rb.predictions[i]) agree++;
      json.agreement = (100 * agree) / data.samples.length;
      if (data.labels) {
        const accA = accuracy(ra.predictions, data.labels);
        const accB = accuracy(rb.predictions, data.labels);
        const test = mcnemar(Array.from(ra.predictions, (p, i) => p === data.labels![i]), Array.from(rb.predictions, (p, i) => p === data.labels![i]));
        const significant = test.pValue < alpha;
        json.accuracy = { a: accA, b: accB, difference: accB - accA, mcnemar: test, significant };
        const diff = accB - accA;
        verdicts.push(
          significant
            ? `Accuracy: B is ${fixed(Math.abs(diff), 2)} points ${diff < 0 ? 'less' : 'more'} accurate than A (${fixed(accB, 2)}% vs ${fixed(accA, 2)}%); significant (McNemar ${test.method}, p = ${test.pValue.toPrecision(3)}).`
            : `Accuracy: the difference (${diff >= 0 ? '+' : ''}${fixed(diff, 2)} points, ${fixed(accB, 2)}% vs ${fixed(accA, 2)}%) is not significant (McNemar ${test.method}, p = ${test.pValue.toPrecision(3)}; ${test.b} samples only A got right, ${test.c} only B).`,
        );
      } else {
        verdicts.push(`Accuracy: not compared (no labels); the models agree on ${fixed(json.agreement as number, 2)}% of top-1 predictions.`);
      }
      json.latencyMs = { a: la, b: lb, medianDifference: latency, significant: latencySignificant, speedup: la.p50 / lb.p50 };
      verdicts.push(
        latencySignificant
          ? `Latency: B is ${latency.estimate < 0 ? 'faster' : 'slower'} by ${fixed(Math.abs(latency.estimate))} ms at the median (${fixed(la.p50)} -> ${fixed(lb.p50)} ms, ${fixed(la.p50 / lb.p50, 2)}x; ${Math.round(latency.confidence * 100)}% CI of B - A ${fixed(latency.low)} .. ${fixed(latency.high)} ms); significant.`
          : `Latency: the difference (${fixed(latency.estimate)} ms at the median; ${Math.round(latency.confidence * 100)}% CI ${fixed(latency.low)} .. ${fixed(latency.high)} ms) is not significant: the interval includes 0.`,
      );
      json.verdicts = verdicts;
      const acc = json.accuracy as { a: number; b: number } | undefined;
      const rows = [
        ['A ' + a.path, acc ? fixed(acc.a, 2) : '-', fixed(la.p50), fixed(la.p90), fixed(la.p99)],
        ['B ' + b.path, acc ? fixed(acc.b, 2) : '-', fixed(lb.p50), fixed(lb.p90), fixed(lb.p99)],
      ];
      const lines = [`${data.samples.length} samples of ${data.source}, batch 1, interleaved`, '', textTable(['model', 'top-1 %', 'p50 ms', 'p90 ms', 'p99 ms'], rows), '', ...verdicts];
      if (options.report) {
        const feeds = { [b.engine.inputs[0].name]: new Tensor('float32', data.samples[0], [1, ...data.dims]) };
        await writeReport(options.report as string, {
          title: `sparq ab: ${a.path} vs ${b.path}`,
          subtitle: `${data.samples.length} samples of ${data.source}`,
          verdicts,
          strategies: acc ? [{ name: 'A', accuracy: acc.a, latencyMs: la.p50 }, { name: 'B', accuracy: acc.b, latencyMs: lb.p50, chosen: true }] : undefined,
          tables: [{ title: 'Results', header: ['model', 'top-1 %', 'p50 ms', 'p90 ms', 'p99 ms'], rows }],
          latencies: [{ label: 'A', values: Array.from(ra.latencies) }, { label: 'B', values: Array.from(rb.latencies) }],
          layers: await layerTimes(b.engine, feeds),
        });
        lines.push(`report written to ${options.report}`);
      }
      return { json, text: lines.join('\n') };
    } finally {
      a.engine.dispose();
      b.engine.dispose();
    }
  },
};
