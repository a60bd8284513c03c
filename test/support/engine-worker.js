// Worker body for test/engine-workers.test.ts: loads its own Engine from the compiled dist/ and runs a fixture.
'use strict';
const { parentPort, workerData } = require('worker_threads');
const { readFileSync } = require('fs');
const { Engine, Tensor } = require('../../dist/index.js');
const { loadNpy } = require('../../dist/format/npy.js');

(async () => {
  const engine = await Engine.load(readFileSync(workerData.modelPath), { threads: 1 });
  const input = loadNpy(workerData.inputPath);
  const feeds = { [engine.inputs[0].name]: new Tensor('float32', input.data, input.dims) };
  const outputs = [];
  for (let i = 0; i < workerData.runs; i += 1) {
    const result = i % 2 === 0 ? await engine.run(feeds) : engine.runSync(feeds);
    outputs.push(Array.from(result[engine.outputs[0].name].data));
  }
  engine.dispose();
  parentPort.postMessage({ outputs });
})().catch((err) => parentPort.postMessage({ error: String(err && err.stack ? err.stack : err) }));
