/**
 * engine.distill: fine-tunes the student's last layers on the teacher's softened outputs and returns a new engine —
 * or a copy of the student when a validation split (or `evaluate`) says it was better: distillation never degrades.
 */
import { CalibrationData, readCalibration } from '../calibration/calibration-data';
import { Engine } from '../engine';
import { UnsupportedError } from '../errors';
import { CheckedDistillOptions, DistillOptions, DistillResult, Labels, checkDistillOptions } from './distill-options';
import { DistillSample, argmax, collectSamples, featuresOf } from './distill-samples';
import { meanLoss, tailAgreement, trainTail } from './distill-training';
import { buildTail, resolveLayers } from './tail-graph';
import { shuffle } from './optimizer';
import { seededRandom } from '../stats/bootstrap';
import { writeTail } from './tail-writeback';

/** Top-1 of each engine on `data` against the labels, or without labels against the teacher's top-1. */
async function validationTop1(engines: Engine[], teacher: Engine, data: CalibrationData, labels: Labels | undefined, inputs: Engine['inputs']): Promise<number[]> {
  const hits = engines.map(() => 0);
  let rows = 0;
  for await (const feeds of readCalibration(data, inputs, 'options.validation.data')) {
    const target: number[] = [];
    const count = feeds[inputs[0].name].dims[0] ?? 1;
    if (labels) {
      for (let r = 0; r < count; r++) {
        if (rows + r >= labels.length) throw new RangeError(`Expected one label per sample row of options.validation.data for options.validation.labels but received ${labels.length} labels for more rows`);
        target.push(Number(labels[rows + r]));
      }
    } else {
      const t = (await teacher.run(feeds))[teacher.outputs[0].name].data as Float32Array;
      const classes = t.length / count;
      for (let r = 0; r < count; r++) target.push(argmax(t.subarray(r * classes, (r + 1) * classes)));
    }
    for (let e = 0; e < engines.length; e++) {
      const out = (await engines[e].run(feeds))[engines[e].outputs[0].name].data as Float32Array;
      const classes = out.length / count;
      for (let r = 0; r < count; r++) if (argmax(out.subarray(r * classes, (r + 1) * classes)) === target[r]) hits[e]++;
    }
    rows += count;
  }
  if (labels && labels.length !== rows) throw new RangeError(`Expected one label per sample row of options.validation.data (${rows}) for options.validation.labels but received ${labels.length}`);
  return hits.map((h) => (100 * h) / rows);
}

/** The held-out share of the samples (seeded) and the rest. */
function splitSamples(samples: DistillSample[], share: number | undefined, seed: number): { train: DistillSample[]; held: DistillSample[] } {
  if (share === undefined) return { train: samples, held: [] };
  const order = shuffle(samples.map((_, i) => i), seededRandom(seed ^ 0x5eed));
  const count = Math.max(1, Math.round(share * samples.length));
  if (count >= samples.length) throw new RangeError(`Expected a validation share that leaves training samples for options.validation but received ${share} of ${samples.length} samples`);
  const heldSet = new Set(order.slice(0, count));
  return { train: samples.filter((_, i) => !heldSet.has(i)), held: samples.filter((_, i) => heldSet.has(i)) };
}

/**
 * @throws (rejects) TypeError / RangeError for bad options or data, UnsupportedError when the student has several
 *   outputs, its output and the teacher's differ in size, or the tail holds an op without a gradient here.
 */
export async function distillEngine(student: Engine, options: DistillOptions): Promise<DistillResult> {
  const started = Date.now();
  const o: CheckedDistillOptions = checkDistillOptions(options);
  const source = student.sourceGraph();
  if (source.outputs.length !== 1) {
    throw new UnsupportedError(`Expected a student with one output (the logits) but received ${source.outputs.length} outputs`);
  }
  const layers = resolveLayers(source, o.layers);
  const tail = buildTail(source, layers);
  const samples = await collectSamples({ student, teacher: o.teacher, frontier: tail.frontier, temperature: o.temperature, onProgress: o.onProgress }, o.data, o.labels, 'options.data');
  const studentClasses = tail.forward(featuresOf(samples[0])).data.length;
  if (studentClasses !== samples[0].teacherSoft.length) {
    throw new UnsupportedError(`Expected a teacher output of ${studentClasses} values per sample like the student's but received ${samples[0].teacherSoft.length}`);
  }
  const { train, held } = splitSamples(samples, o.holdout, o.seed);
  const heldBefore = held.length ? 100 * tailAgreement(tail, held) : undefined;
  const before = meanLoss(tail, train, o);
  const lossCurve = await trainTail(tail, train, o);
  const after = meanLoss(tail, train, o);
  const distilled = Engine.fromGraph(writeTail(source, tail), student.engineOptions());

  let metric: DistillResult['metric'];
  try {
    if (o.evaluate) {
      const studentMetric = await o.evaluate(student);
      o.onProgress?.({ phase: 'validate', done: 1, total: 2 });
      metric = { student: studentMetric, distilled: await o.evaluate(distilled) };
      o.onProgress?.({ phase: 'validate', done: 2, total: 2 });
    } else if (o.validation) {
      const [s, d] = await validationTop1([student, distilled], o.teacher, o.validation.data, o.validation.labels, student.inputs);
      metric = { student: s, distilled: d };
    } else if (heldBefore !== undefined) {
      metric = { student: heldBefore, distilled: 100 * tailAgreement(tail, held) };
    }
  } catch (err) {
    distilled.dispose();
    throw err;
  }
  const keepStudent = metric !== undefined && !(metric.distilled > metric.student);
  let engine = distilled;
  if (keepStudent) {
    distilled.dispose();
    engine = Engine.fromGraph(student.sourceGraph(), student.engineOptions());
  }
  return {
    engine,
    lossCurve,
    trainingLoss: { before, after },
    kept: keepStudent ? 'student' : 'distilled',
    ...(metric ? { metric } : {}),
    layers: layers.slice(),
    samples: train.length,
    seconds: (Date.now() - started) / 1000,
  };
}
