/**
 * examples/electron without Electron (its binary cannot be downloaded here): the sparq part (classifier.js) runs
 * under node and agrees with the engine, the Electron files parse, and the packaging keeps .node files out of asar.
 */
import { execFileSync } from 'child_process';
import { readFileSync } from 'fs';
import { join } from 'path';
import { Engine, Tensor } from '../lib';
import { loadNpy } from '../lib/format/npy';
import { ensureDist } from './support/cli-run';

const DIR = join(__dirname, '..', 'examples', 'electron');
const MODEL = join(__dirname, 'fixtures', 'fashion-mnist', 'resnet-fmnist.onnx');

beforeAll(() => ensureDist());

test('classifier.js classifies test images like the engine does, with the Fashion-MNIST class names', async () => {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { createClassifier, CLASSES } = require(join(DIR, 'classifier.js'));
  const classifier = await createClassifier(MODEL);
  const engine = await Engine.load(MODEL, { threads: 1 });
  const images = loadNpy(join(__dirname, 'fixtures', 'fashion-mnist', 'test-images.npy')).data as Float32Array;
  const labels = loadNpy(join(__dirname, 'fixtures', 'fashion-mnist', 'test-labels.npy')).data as BigInt64Array;
  let correct = 0;
  for (let i = 0; i < 20; i++) {
    const pixels = images.slice(i * 784, (i + 1) * 784);
    const r = await classifier.classify(Array.from(pixels));
    const logits = Array.from(engine.runSync({ input: new Tensor('float32', pixels, [1, 1, 28, 28]) }).logits.data as Float32Array);
    expect(r.scores).toEqual(logits);
    expect(r.label).toBe(logits.indexOf(Math.max(...logits)));
    expect(r.name).toBe(CLASSES[r.label]);
    if (r.label === Number(labels[i])) correct++;
  }
  expect(correct).toBeGreaterThanOrEqual(16);
  await expect(classifier.classify('nope')).rejects.toThrow('Expected 784 pixel values for pixels');
  classifier.dispose();
  engine.dispose();
});

test('main.js and preload.js parse; packaging unpacks .node files from asar', () => {
  for (const f of ['main.js', 'preload.js', 'classifier.js']) execFileSync(process.execPath, ['--check', join(DIR, f)]);
  const pkg = JSON.parse(readFileSync(join(DIR, 'package.json'), 'utf8'));
  expect(pkg.main).toBe('main.js');
  expect(pkg.build.asarUnpack).toContain('**/*.node');
  expect(pkg.build.files).toEqual(expect.arrayContaining(['main.js', 'preload.js', 'classifier.js', 'index.html']));
  expect(readFileSync(join(DIR, 'README.md'), 'utf8')).toContain('The Electron binary cannot be downloaded');
});
