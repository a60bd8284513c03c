// An HTTP inference service on node:http: engines are loaded once and kept warm, every request runs with the async
// engine.run (native worker thread), so the event loop keeps serving while models compute. JSON in, JSON out.
'use strict';
const http = require('http');
const path = require('path');

// In your own app: const { Engine, Tensor } = require('sparq');
const { Engine, Tensor } = require(process.env.SPARQ_DIST || path.join(__dirname, '..', '..', 'dist'));

const MAX_BODY_BYTES = 16 * 1024 * 1024;

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, `Expected a request body of at most ${MAX_BODY_BYTES} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** {"inputs": {"input": {"dims": [1, 1, 28, 28], "data": [...]}}} -> feeds; float32 unless "type" says otherwise. */
function toFeeds(body, engine) {
  let parsed;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new HttpError(400, `Expected a JSON body but could not parse it: ${err.message}`);
  }
  if (!parsed || typeof parsed.inputs !== 'object' || parsed.inputs === null) throw new HttpError(400, 'Expected a JSON body {"inputs": {"<name>": {"dims": [...], "data": [...]}}}');
  const feeds = {};
  for (const input of engine.inputs) {
    const v = parsed.inputs[input.name];
    if (!v || !Array.isArray(v.dims) || !Array.isArray(v.data)) throw new HttpError(400, `Expected inputs.${input.name} = {"dims": [...], "data": [...]}`);
    feeds[input.name] = new Tensor(v.type || input.type, v.type === 'int64' || input.type === 'int64' ? v.data.map(BigInt) : v.data, v.dims);
  }
  return feeds;
}

function fromOutputs(outputs) {
  const out = {};
  for (const [name, t] of Object.entries(outputs)) {
    out[name] = { type: t.type, dims: t.dims, data: t.type === 'int64' ? Array.from(t.data, Number) : Array.from(t.data) };
  }
  return out;
}

function send(res, status, value) {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * Starts the service. `models` maps a name to an .onnx or .sparq path; all are loaded before it listens.
 * @returns { server, port, engines, close() }
 */
async function startServer({ models, port = 0, host = '127.0.0.1', threads } = {}) {
  const engines = new Map();
  for (const [name, file] of Object.entries(models)) engines.set(name, await Engine.load(file, threads ? { threads } : undefined));
  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://service');
      if (req.method === 'GET' && url.pathname === '/health') return send(res, 200, { ok: true, models: [...engines.keys()] });
      if (req.method === 'GET' && url.pathname === '/models') {
        return send(res, 200, Object.fromEntries([...engines].map(([k, e]) => [k, { inputs: e.inputs, outputs: e.outputs }])));
      }
      const m = /^\/models\/([^/]+)\/infer$/.exec(url.pathname);
      if (!m) throw new HttpError(404, `Expected GET /health, GET /models or POST /models/<name>/infer but received ${req.method} ${url.pathname}`);
      if (req.method !== 'POST') throw new HttpError(405, `Expected POST for ${url.pathname}`);
      const engine = engines.get(decodeURIComponent(m[1]));
      if (!engine) throw new HttpError(404, `Expected a model name of ${[...engines.keys()].join(', ')} but received "${m[1]}"`);
      const feeds = toFeeds(await readBody(req), engine);
      const t0 = performance.now();
      const outputs = await engine.run(feeds); // native worker thread: the event loop stays free
      send(res, 200, { outputs: fromOutputs(outputs), ms: performance.now() - t0 });
    } catch (err) {
      const status = err instanceof HttpError ? err.status : err instanceof TypeError || err instanceof RangeError ? 400 : 500;
      send(res, status, { error: err.message });
    }
  });
  server.keepAliveTimeout = 30000;
  await new Promise((resolve) => server.listen(port, host, resolve));
  return {
    server,
    port: server.address().port,
    engines,
    async close() {
      await new Promise((resolve) => server.close(resolve));
      server.closeAllConnections?.();
      for (const e of engines.values()) e.dispose();
    },
  };
}

module.exports = { startServer };

// node examples/service/server.js [name=model.onnx ...] [--port 8080]
if (require.main === module) {
  const args = process.argv.slice(2);
  const portAt = args.indexOf('--port');
  const port = portAt >= 0 ? Number(args.splice(portAt, 2)[1]) : 8080;
  const pairs = args.length ? args : [`fashion=${path.join(__dirname, '..', '..', 'test', 'fixtures', 'fashion-mnist', 'resnet-fmnist.onnx')}`];
  const models = Object.fromEntries(pairs.map((p) => p.split('=')));
  const threads = process.env.SPARQ_SERVICE_THREADS ? Number(process.env.SPARQ_SERVICE_THREADS) : undefined;
  startServer({ models, port, threads }).then(
    (s) => {
      console.log(`sparq service on http://127.0.0.1:${s.port} serving ${Object.keys(models).join(', ')}`);
      const stop = () => s.close().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    },
    (err) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
