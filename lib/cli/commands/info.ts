/** `sparq info MODEL`: inputs, outputs, op counts, parameters, MACs and the kernel each layer runs. */
import { Engine } from '../../engine';
import { readSparq } from '../../format/sparq-reader';
import type { Command } from '../command';
import { openModel } from '../open-model';
import { makeFeeds, parseShapes, resolveShapes } from '../model-inputs';
import { modelStats } from '../model-stats';
import { compact, textTable } from '../text-table';

export const info: Command = {
  spec: {
    name: 'info',
    summary: 'Describe a model: inputs, outputs, ops, parameters, MACs and the kernel chosen for each layer on this CPU.',
    positionals: [{ name: 'MODEL', describe: 'an .onnx or .sparq file' }],
    options: {
      shape: { type: 'string', placeholder: 'NAME=DxDxD', describe: 'input shape for MACs and kernels (default: the model\'s, batch 1)' },
      threads: { type: 'number', integer: true, min: 1, describe: 'threads of the engine' },
    },
    examples: ['sparq info model.onnx', 'sparq info model.sparq --json', 'sparq info unet.onnx --shape input=1x3x64x64'],
  },
  async run({ positionals, options }) {
    const model = await openModel(positionals[0], options.threads as number | undefined);
    const { engine } = model;
    try {
      const source = engine.sourceGraph();
      const shapes = resolveShapes(engine, parseShapes(options.shape as string | undefined, engine), 1);
      const stats = modelStats(source, shapes);
      engine.runSync(makeFeeds(engine, shapes, 1)[0]);
      const kernels = engine.profile().map((p) => ({ name: p.name, type: p.type, kernel: p.kernel }));
      const ops: Record<string, number> = {};
      for (const n of source.nodes) ops[n.opType] = (ops[n.opType] ?? 0) + 1;
      const sparq = model.format === 'sparq' ? readSparq(model.bytes, model.path).metadata : undefined;
      const caps = Engine.capabilities();
      // engine.summary() knows each layer's sparsity pattern (2:4, unstructured ...); older builds lack it.
      let sparsity = new Map<string, string>();
      try {
        sparsity = new Map(engine.summary().layers.map((l) => [l.name, l.sparsity]));
      } catch {
        // the table simply has no sparsity column
      }
      const layers = stats.layers.map((l) => (sparsity.has(l.name) ? { ...l, sparsity: sparsity.get(l.name) } : l));
      const json = {
        model: model.path,
        format: model.format,
        inputs: engine.inputs,
        outputs: engine.outputs,
        shapes: Object.fromEntries(shapes),
        ops,
        nodes: source.nodes.length,
        optimizedNodes: engine.optimizedGraph().nodes.length,
        parameters: stats.parameters,
        macs: stats.macs,
        layers,
        kernels,
        cpu: caps.cpu,
        isa: caps.selected,
        ...(sparq ? { provenance: sparq.provenance, writer: sparq.writer, createdAt: sparq.createdAt, quantizedTensors: sparq.quantization.length } : {}),
      };
      const text = [
        `${model.path} (${model.format})`,
        `inputs:  ${engine.inputs.map((i) => `${i.name} ${i.type} [${i.shape.join(', ')}]`).join('; ')}`,
        `outputs: ${engine.outputs.map((o) => `${o.name} ${o.type} [${o.shape.join(', ')}]`).join('; ')}`,
        `ops:     ${Object.entries(ops).map(([k, v]) => `${k} ${v}`).join(', ')} (${source.nodes.length} nodes, ${json.optimizedNodes} after fusion)`,
        `parameters: ${compact(stats.parameters)} (${stats.parameters})`,
        `MACs:       ${compact(stats.macs)} at ${[...shapes].map(([k, v]) => `${k}=${v.join('x')}`).join(', ')}`,
        ...(sparq ? [`written by ${sparq.writer} at ${sparq.createdAt}; source SHA-256 ${sparq.provenance.sourceSha256 ?? '-'}${sparq.provenance.method ? `; method ${sparq.provenance.method}` : ''}`] : []),
        '',
        sparsity.size
          ? textTable(['layer', 'op', 'parameters', 'MACs', 'sparsity'], stats.layers.map((l) => [l.name, l.opType, l.parameters, l.macs, sparsity.get(l.name) ?? '']))
          : textTable(['layer', 'op', 'parameters', 'MACs'], stats.layers.map((l) => [l.name, l.opType, l.parameters, l.macs])),
        '',
        `kernels on ${caps.cpu} (${caps.selected}):`,
        textTable(['op', 'type', 'kernel'], kernels.map((k) => [k.name, k.type, k.kernel])),
      ].join('\n');
      return { json, text };
    } finally {
      engine.dispose();
    }
  },
};
