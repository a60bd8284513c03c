// Worker body for the terminate-mid-run test: keeps several async runs and sync runs in flight forever, and tells the
// parent once the first result is back, so the parent terminates it while native work is queued or running.
'use strict';
const { parentPort, workerData } = require('worker_threads');
const { readFileSync } = require('fs');
const { Engine, Tensor } = require('../../dist/index.js');
const { loadNpy } = require('../../dist/format/npy.js');

(async () => {
  const engine = await Engine.load(readFileSync(workerData.modelPath), { threads: workerData.threads });
  const input = loadNpy(workerData.inputPath);
  const feeds = { [engine.inputs[0].name]: new Tensor('float32', input.data, input.dims) };
  let told = false;
  const loop = async () => {
    for (;;) {
      await engine.run(feeds);
      if (!told) {
        told = true;
        parentPort.postMessage('running');
      }
      engine.runSync(feeds);
    }
  };
  await Promise.all([loop(), loop(), loop(), loop()]);
})().catch((err) => parentPort.postMessage({ error: String(err && err.stack ? err.stack : err) }));
