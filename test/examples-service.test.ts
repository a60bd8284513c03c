/**
 * examples/service end to end: a real HTTP server on a random loopback port with warm engines; responses equal
 * engine.run's outputs exactly, concurrent requests are all answered correctly, errors map to 4xx with messages, and
 * the event loop keeps turning while inferences are in flight. The load generator of `npm run bench -- service`
 * is exercised briefly.
 */
import * as http from 'http';
import { join } from 'path';
import { Engine, Tensor } from '../lib';
import { loadNpy } from '../lib/format/npy';
import { ensureDist } from './support/cli-run';

const MODEL = join(__dirname, 'fixtures', 'fashion-mnist', 'resnet-fmnist.onnx');
const images = loadNpy(join(__dirname, 'fixtures', 'fashion-mnist', 'test-images.npy')).data as Float32Array;
const image = (i: number) => Array.from(images.subarray(i * 784, (i + 1) * 784));

interface Service {
  port: number;
  close(): Promise<void>;
}
let service: Service;
let reference: Engine;

beforeAll(async () => {
  ensureDist();
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { startServer } = require('../examples/service/server.js');
  service = await startServer({ models: { fashion: MODEL }, threads: 1 });
  reference = await Engine.load(MODEL, { threads: 1 });
});
afterAll(async () => {
  await service.close();
  reference.dispose();
});

function call(method: string, path: string, body?: unknown, agent?: http.Agent): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const req = http.request({ host: '127.0.0.1', port: service.port, method, path, agent, headers: data ? { 'content-type': 'application/json', 'content-length': data.length } : {} }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

test('health and model description', async () => {
  expect(await call('GET', '/health')).toEqual({ status: 200, json: { ok: true, models: ['fashion'] } });
  const models = await call('GET', '/models');
  expect(models.json.fashion.inputs).toEqual([{ name: 'input', type: 'float32', shape: ['batch', 1, 28, 28] }]);
});

test('inference over HTTP returns exactly what engine.run returns', async () => {
  const r = await call('POST', '/models/fashion/infer', { inputs: { input: { dims: [1, 1, 28, 28], data: image(0) } } });
  expect(r.status).toBe(200);
  const direct = reference.runSync({ input: new Tensor('float32', images.slice(0, 784), [1, 1, 28, 28]) }).logits;
  expect(r.json.outputs.logits.dims).toEqual([1, 10]);
  expect(r.json.outputs.logits.data).toEqual(Array.from(direct.data as Float32Array));
  expect(r.json.ms).toBeGreaterThan(0);
});

test('32 concurrent keep-alive requests all come back right, and the event loop turns while they run', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  let ticks = 0;
  const timer = setInterval(() => ticks++, 0);
  const pending = Array.from({ length: 32 }, (_, i) => call('POST', '/models/fashion/infer', { inputs: { input: { dims: [1, 1, 28, 28], data: image(i) } } }, agent));
  const results = await Promise.all(pending);
  clearInterval(timer);
  agent.destroy();
  for (let i = 0; i < 32; i++) {
    const direct = reference.runSync({ input: new Tensor('float32', images.slice(i * 784, (i + 1) * 784), [1, 1, 28, 28]) }).logits;
    expect(results[i].status).toBe(200);
    expect(results[i].json.outputs.logits.data).toEqual(Array.from(direct.data as Float32Array));
  }
  // The server shares this process: timers fire between requests only because inference runs off the event loop.
  expect(ticks).toBeGreaterThan(5);
});

test('bad requests get 4xx and a message', async () => {
  expect(await call('POST', '/models/nope/infer', { inputs: {} })).toEqual({ status: 404, json: { error: 'Expected a model name of fashion but received "nope"' } });
  expect((await call('POST', '/models/fashion/infer', '{not json')).status).toBe(400);
  const missing = await call('POST', '/models/fashion/infer', { inputs: {} });
  expect(missing).toEqual({ status: 400, json: { error: 'Expected inputs.input = {"dims": [...], "data": [...]}' } });
  const wrongShape = await call('POST', '/models/fashion/infer', { inputs: { input: { dims: [1, 1, 28, 27], data: image(0).slice(0, 756) } } });
  expect(wrongShape.status).toBe(400);
  expect(wrongShape.json.error).toMatch(/^Expected /);
  expect((await call('GET', '/models/fashion/infer')).status).toBe(405);
  expect((await call('GET', '/elsewhere')).status).toBe(404);
});

test('the bench load generator drives the service without errors', async () => {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { loadTest } = require('../examples/service/load-generator.js');
  const body = JSON.stringify({ inputs: { input: { dims: [1, 1, 28, 28], data: image(3) } } });
  const r = await loadTest({ port: service.port, path: '/models/fashion/infer', body, concurrency: 4, durationMs: 400, warmupMs: 50 });
  expect(r.errors).toBe(0);
  expect(r.requests).toBeGreaterThan(0);
  expect(r.latencyMs.p50).toBeLessThanOrEqual(r.latencyMs.p99);
});
