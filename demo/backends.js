// Backend selection for the browser, shared by the demo page and the browser tests
// (test/browser/): TF.js `wasm`, `webgl`, `webgpu`, `cpu` and onnxruntime-web `wasm`,
// `webgpu`. Each function either gives the backend that was asked for, running its own
// kernels, or throws: nothing here falls back silently.
//
// Expects the UMD globals `tf` (tfjs-core, the backends, tfjs-converter) and `ort`
// (onnxruntime-web's webgpu bundle, which also has the wasm EP) to be loaded.

/**
 * TF.js on `name`. TF.js itself never mixes backends within one op, but its GPU backends
 * hand small ops whose inputs already sit on the CPU to the cpu kernels (`*_CPU_FORWARD`),
 * and webgl drops to float16 textures when float32 rendering is unavailable; both are
 * turned off / checked here so that every kernel is the GPU's, in float32.
 * Returns facts about the backend for the caller to record.
 */
export async function useTfjsBackend(name, { wasmPaths } = {}) {
  const env = tf.env();
  if (name === 'wasm') {
    if (wasmPaths) tf.wasm.setWasmPaths(wasmPaths);
  } else if (name === 'webgl') {
    env.set('WEBGL_CPU_FORWARD', false);
    env.set('WEBGL_FORCE_F16_TEXTURES', false);
  } else if (name === 'webgpu') {
    env.set('WEBGPU_CPU_FORWARD', false);
  } else if (name !== 'cpu') {
    throw new Error(`unknown TF.js backend '${name}' (wasm, webgl, webgpu, cpu)`);
  }
  if (!tf.findBackendFactory(name)) throw new Error(`TF.js backend '${name}' is not loaded on this page`);
  const ok = await tf.setBackend(name);
  await tf.ready();
  if (!ok || tf.getBackend() !== name) throw new Error(`TF.js backend '${name}' did not initialise (setBackend gave ${ok}, active backend '${tf.getBackend()}')`);
  const facts = { backend: tf.getBackend() };
  if (name === 'webgl') {
    facts.webglVersion = env.getNumber('WEBGL_VERSION');
    facts.float32 = env.getBool('WEBGL_RENDER_FLOAT32_ENABLED');
    if (facts.webglVersion !== 2) throw new Error(`TF.js webgl runs on WebGL ${facts.webglVersion}, not WebGL2`);
    if (!facts.float32) throw new Error('TF.js webgl has no float32 render targets here (it would compute in float16)');
    const gl = tf.backend().gpgpu.gl;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    facts.renderer = info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER);
  } else if (name === 'webgpu') {
    const b = tf.backend();
    facts.adapter = b.adapterInfo ? { vendor: b.adapterInfo.vendor, architecture: b.adapterInfo.architecture } : null;
  }
  return facts;
}

/**
 * Every tensor in `tensors` must hold its data on the active backend: a check that the
 * outputs were computed there and not handed over from another backend.
 */
export function assertOnActiveBackend(tensors) {
  const active = tf.backend();
  const info = tf.engine().state.tensorInfo;
  for (const t of tensors) {
    const where = info.get(t.dataId)?.backend;
    if (where !== active) throw new Error(`TF.js output '${t.name ?? t.id}' lives on another backend than '${tf.getBackend()}'`);
  }
}

/**
 * fetch that resolves only once the whole body has arrived. tfjs's weight loader first
 * awaits the response headers of every shard, then reads the bodies; over HTTP/1.1 the
 * browser opens at most 6 connections per host, so with more than 6 shards the unread
 * bodies hold every connection and the remaining shards are never requested (a stall
 * seen with chromium and a plain static server). Reading each body at once frees them.
 */
async function wholeBodyFetch(url, init) {
  const r = await fetch(url, init);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  const body = await r.arrayBuffer();
  return new Response(body, { status: r.status, statusText: r.statusText, headers: r.headers });
}

/** A TF.js graph model from `url` (model.json), its weights placed on the active backend. */
export function loadTfjsModel(url) {
  return tf.loadGraphModel(url, { fetchFunc: wholeBodyFetch });
}

// onnxruntime's wasm module binds console.error when it is first loaded (at the first
// session); the verbose "Node placements" lines it prints go through this wrapper, which
// keeps them for createOrtSession's 'report' mode and forwards everything.
const placementLines = [];
const consoleError = console.error;
console.error = (...args) => {
  const line = args.map(String).join(' ');
  if (line.includes('VerifyEachNodeIsAssignedToAnEp')) placementLines.push(line);
  consoleError.apply(console, args);
};

/**
 * The placement onnxruntime logged last: { nodes: { EP: [{ op, name }] }, counts: { EP: n } }.
 * With several EPs it lists every node ("Node(s) placed on [EP]. Number of nodes: n" and
 * one line per node); with one it logs only "All nodes placed on [EP]. Number of nodes: n".
 */
function parsePlacement(lines) {
  const start = lines.findLastIndex((l) => l.includes('Node placements'));
  const nodes = {};
  const counts = {};
  let ep = null;
  for (const l of lines.slice(start + 1)) {
    const head = /(?:All nodes|Node\(s\)) placed on \[(\w+)\]\. Number of nodes: (\d+)/.exec(l);
    if (head) {
      ep = head[1];
      nodes[ep] = [];
      counts[ep] = Number(head[2]);
      continue;
    }
    const node = /VerifyEachNodeIsAssignedToAnEp\]\s+(\S+) \((.*)\)\s*$/.exec(l);
    if (node && ep) nodes[ep].push({ op: node[1], name: node[2] });
  }
  return { nodes, counts };
}

/**
 * onnxruntime-web session on exactly the execution provider `ep` ('wasm' or 'webgpu').
 * onnxruntime assigns the nodes the WebGPU EP has no kernel for (and the shape arithmetic
 * it prefers on the CPU) to the CPU EP and says so only in a log. With `cpuNodes`
 * 'refuse' (the default) `session.disable_cpu_ep_fallback` makes session creation fail
 * when any node would run on the CPU; with 'report' the session is created with verbose
 * logging and `facts.placement` gives onnxruntime's "Node placements": `counts` per EP and,
 * when several EPs share the graph, `nodes` (op and name) per EP, for the caller to judge. The WebGPU device must exist afterwards.
 */
export async function createOrtSession(model, ep, { wasmPaths, logLevel, cpuNodes = 'refuse' } = {}) {
  if (ep !== 'wasm' && ep !== 'webgpu') throw new Error(`unknown onnxruntime-web execution provider '${ep}' (wasm, webgpu)`);
  if (cpuNodes !== 'refuse' && cpuNodes !== 'report') throw new Error(`cpuNodes must be 'refuse' or 'report', got '${cpuNodes}'`);
  if (wasmPaths) ort.env.wasm.wasmPaths = wasmPaths;
  ort.env.wasm.numThreads = 1;
  if (logLevel) ort.env.logLevel = logLevel;
  const options = { executionProviders: [ep], graphOptimizationLevel: 'all' };
  const report = ep === 'webgpu' && cpuNodes === 'report';
  if (ep === 'webgpu' && !report) options.extra = { session: { disable_cpu_ep_fallback: '1' } };
  if (report) {
    ort.env.logLevel = 'verbose';
    options.logSeverityLevel = 0;
    options.logVerbosityLevel = 0;
  }
  const seen = placementLines.length;
  const session = await ort.InferenceSession.create(model, options);
  const facts = { ep };
  if (report) {
    facts.placement = parsePlacement(placementLines.slice(seen));
    if (Object.keys(facts.placement.counts).length === 0) throw new Error('onnxruntime-web webgpu: no node placement was logged (cannot tell where the nodes run)');
  }
  if (ep === 'webgpu') {
    const device = ort.env.webgpu.device;
    if (!device) throw new Error('onnxruntime-web webgpu: no WebGPU device after the session was created');
    const info = device.adapterInfo ?? ort.env.webgpu.adapter?.info;
    facts.adapter = info ? { vendor: info.vendor, architecture: info.architecture } : null;
  }
  return { session, facts };
}
