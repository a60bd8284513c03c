/** `sparq bench MODEL`: latency percentiles, throughput and peak RSS of a model on this CPU, optionally next to onnxruntime-node. */
import { Engine } from '../../engine';
import { loadDataset } from '../../data/load-dataset';
import { summarizeLatency, LatencySummary } from '../../stats/percentiles';
import { writeReport } from '../../report/write-report';
import type { Command } from '../command';
import { openModel } from '../open-model';
import { makeFeeds, parseShapes, resolveShapes } from '../model-inputs';
import { onnxruntimePeer, Peer } from '../onnxruntime-peer';
import { createProgress } from '../progress';
import { fixed, textTable } from '../text-table';
import { layerTimes } from '../layer-times';

function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

export const bench: Command = {
  spec: {
    name: 'bench',
    summary: 'Measure latency (p50/p90/p99), throughput and peak memory of a model on this CPU.',
    positionals: [{ name: 'MODEL', describe: 'an .onnx or .sparq file' }],
    options: {
      threads: { type: 'number', integer: true, min: 1, describe: 'threads of the engine (default: all cores)' },
      runs: { type: 'number', integer: true, min: 1, describe: 'timed runs (default 100)' },
      warmup: { type: 'number', integer: true, min: 0, describe: 'untimed runs first (default 10)' },
      batch: { type: 'number', integer: true, min: 1, describe: 'batch size for a symbolic batch dim (default 1)' },
      shape: { type: 'string', placeholder: 'NAME=DxDxD', describe: 'input shape(s), needed when dims other than the batch are symbolic' },
      data: { type: 'string', placeholder: 'DATA', describe: 'feed real samples instead of seeded random inputs' },
      vs: { type: 'string', placeholder: 'PEER', choices: ['onnxruntime'], describe: 'also measure onnxruntime-node on the same model, runs interleaved' },
      isa: { type: 'string', describe: 'force an ISA level (scalar, avx2, avx512, ...)' },
      report: { type: 'string', placeholder: 'FILE.html', describe: 'write a self-contained HTML report (per-layer times)' },
    },
    notes: ['Latency is the wall time of one async engine.run, from call to result. Peak RSS is the process high-water mark after the sparq runs.'],
    examples: ['sparq bench model.onnx --threads 1 --runs 200', 'sparq bench model.sparq --vs onnxruntime --json', 'sparq bench unet.onnx --shape input=1x3x64x64 --report bench.html'],
  },
  async run({ positionals, options }) {
    const model = await openModel(positionals[0], options.threads as number | undefined, options.isa as string | undefined);
    const { engine } = model;
    let peer: Peer | undefined;
    try {
      const runs = (options.runs as number | undefined) ?? 100;
      const warmup = (options.warmup as number | undefined) ?? 10;
      const batch = (options.batch as number | undefined) ?? 1;
      const data = options.data ? await loadDataset(options.data as string, { inputShape: engine.inputs[0].shape }) : undefined;
      const shapes = resolveShapes(engine, parseShapes(options.shape as string | undefined, engine), batch, data);
      const feeds = makeFeeds(engine, shapes, 8, data);
      const threads = engine.engineOptions().threads ?? 1;

      for (let i = 0; i < warmup; i++) await engine.run(feeds[i % feeds.length]);
      const progress = createProgress('bench', runs);
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        await engine.run(feeds[i % feeds.length]);
        times.push(performance.now() - t0);
        progress.update(i + 1);
      }
      progress.finish();
      const ours = summarizeLatency(times);
      const rss = peakRssMiB();

      let comparison: { label: string; sparq: LatencySummary; peer: LatencySummary; ratio: number } | undefined;
      if (options.vs === 'onnxruntime') {
        peer = await onnxruntimePeer(engine, threads);
        for (let i = 0; i < warmup; i++) await peer.run(feeds[i % feeds.length]);
        const a: number[] = [];
        const b: number[] = [];
        const p2 = createProgress(`sparq vs ${peer.label}`, runs);
        for (let i = 0; i < runs; i++) {
          const f = feeds[i % feeds.length];
          let t0 = performance.now();
          await engine.run(f);
          a.push(performance.now() - t0);
          t0 = performance.now();
          await peer.run(f);
          b.push(performance.now() - t0);
          p2.update(i + 1);
        }
        p2.finish();
        const sa = summarizeLatency(a);
        const sb = summarizeLatency(b);
        comparison = { label: peer.label, sparq: sa, peer: sb, ratio: sb.p50 / sa.p50 };
      }
      const layers = await layerTimes(engine, feeds[0]);
      const caps = Engine.capabilities();
      const json = {
        model: model.path,
        cpu: caps.cpu,
        isa: engine.engineOptions().isa ?? caps.selected,
        threads,
        shapes: Object.fromEntries(shapes),
        loadMs: model.loadMs,
        latencyMs: ours,
        throughput: (1000 / ours.mean) * batch,
        throughputUnit: 'samples/s',
        peakRssMiB: rss,
        ...(comparison ? { vs: comparison } : {}),
        layers,
      };
      const lines = [
        `${model.path} on ${caps.cpu}, ${json.isa}, ${threads} thread${threads > 1 ? 's' : ''}, input ${[...shapes].map(([k, v]) => `${k}=${v.join('x')}`).join(' ')}`,
        `load ${fixed(model.loadMs, 1)} ms; ${runs} runs after ${warmup} warm-up`,
        '',
        textTable(
          ['engine', 'p50 ms', 'p90 ms', 'p99 ms', 'mean ms', 'throughput/s'],
          [
            ['sparq', fixed(ours.p50), fixed(ours.p90), fixed(ours.p99), fixed(ours.mean), fixed(json.throughput, 1)],
            ...(comparison
              ? [
                  ['sparq (interleaved)', fixed(comparison.sparq.p50), fixed(comparison.sparq.p90), fixed(comparison.sparq.p99), fixed(comparison.sparq.mean), fixed((1000 / comparison.sparq.mean) * batch, 1)],
                  [comparison.label, fixed(comparison.peer.p50), fixed(comparison.peer.p90), fixed(comparison.peer.p99), fixed(comparison.peer.mean), fixed((1000 / comparison.peer.mean) * batch, 1)],
                ]
              : []),
          ],
        ),
        '',
        `peak RSS ${fixed(rss, 1)} MiB`,
        ...(comparison ? [`p50 ratio onnxruntime/sparq ${fixed(comparison.ratio, 2)}x (> 1: sparq faster)`] : []),
      ];
      if (options.report) {
        await writeReport(options.report as string, {
          title: `sparq bench: ${model.path}`,
          subtitle: `${caps.cpu}, ${json.isa}, ${threads} thread(s)`,
          summary: lines.slice(0, 2),
          tables: [{ title: 'Latency', header: ['engine', 'p50 ms', 'p90 ms', 'p99 ms'], rows: [['sparq', fixed(ours.p50), fixed(ours.p90), fixed(ours.p99)], ...(comparison ? [[comparison.label, fixed(comparison.peer.p50), fixed(comparison.peer.p90), fixed(comparison.peer.p99)]] : [])] }],
          latencies: [{ label: 'sparq', values: times }],
          layers,
        });
        lines.push(`report written to ${options.report}`);
      }
      return { json, text: lines.join('\n') };
    } finally {
      engine.dispose();
      if (peer) await peer.release();
    }
  },
};
