// The part of the Electron app that uses sparq, kept free of Electron so it runs (and is tested) under plain node.
'use strict';
const path = require('path');

// In your app: require('sparq'). Inside a packaged app the addon's .node file must be outside the asar archive
// (see package.json "build.asarUnpack"); `bindings` then finds it under app.asar.unpacked.
const { Engine, Tensor } = require(process.env.SPARQ_DIST || path.join(__dirname, '..', '..', 'dist'));

const CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/** Loads the model once; classify() runs on sparq's worker thread so the main process stays responsive. */
async function createClassifier(modelPath, { threads = 1 } = {}) {
  const engine = await Engine.load(modelPath, { threads });
  const input = engine.inputs[0].name;
  const output = engine.outputs[0].name;
  return {
    /** pixels: 784 floats (28x28, normalized as the model was trained). */
    async classify(pixels) {
      if (!Array.isArray(pixels) && !(pixels instanceof Float32Array)) throw new TypeError('Expected 784 pixel values for pixels');
      const { [output]: logits } = await engine.run({ [input]: new Tensor('float32', Float32Array.from(pixels), [1, 1, 28, 28]) });
      const scores = Array.from(logits.data);
      const best = scores.indexOf(Math.max(...scores));
      return { label: best, name: CLASSES[best], scores };
    },
    dispose: () => engine.dispose(),
  };
}

module.exports = { createClassifier, CLASSES };
