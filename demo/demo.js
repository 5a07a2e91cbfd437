// The demo page: runs a keypoint artifact (`pose-port convert --graph keypoints`) with
// TF.js and with onnxruntime-web on the bundled image and a person box, and draws the
// skeletons. The artifacts hold MMPose's whole top-down test (box padding, affine crop,
// normalisation, flip test, decoding, back to image pixels): the page only hands them the
// RGB pixels and the boxes, and draws what comes back. No pre- or post-processing here.
// Query parameters (defaults in brackets):
//   tfjs  URL of model.json   [model/tfjs/model.json]      tfjsBackend  wasm|webgl|webgpu|none [wasm]
//   onnx  URL of the .onnx    [model/model.onnx]           onnxBackend  wasm|webgpu|none [wasm]
//   image URL of the image    [000000000785.jpg]
//   box   x,y,w,h person box  [280.79,44.73,218.7,346.68] (COCO GT of image 785; several: x,y,w,h;x,y,w,h)
// Results go to window.poseDemo = { done, error?, image, tfjs, onnx } for tests.
import { createOrtSession, loadTfjsModel, useTfjsBackend } from './backends.js';

const params = new URLSearchParams(location.search);
const TFJS_URL = params.get('tfjs') ?? 'model/tfjs/model.json';
const ONNX_URL = params.get('onnx') ?? 'model/model.onnx';
const IMAGE_URL = params.get('image') ?? '000000000785.jpg';
const TFJS_BACKEND = params.get('tfjsBackend') ?? 'wasm';
const ONNX_BACKEND = params.get('onnxBackend') ?? 'wasm';
const BOXES = (params.get('box') ?? '280.79,44.73,218.7,346.68').split(';').map((b) => b.split(',').map(Number));
const VENDOR = new URL('../node_modules/', location.href).href;

const state = (window.poseDemo = { done: false });
const status = document.getElementById('status');
const log = (line) => {
  status.textContent = status.textContent === 'loading…' ? line : `${status.textContent}\n${line}`;
};

/** The image as the artifacts take it: uint8 RGB [height, width, 3]. */
async function loadImage(url) {
  const img = new Image();
  img.src = url;
  await img.decode();
  const c = document.createElement('canvas');
  c.width = img.naturalWidth;
  c.height = img.naturalHeight;
  const ctx = c.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(img, 0, 0);
  const rgba = ctx.getImageData(0, 0, c.width, c.height).data;
  const rgb = new Uint8Array(c.width * c.height * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    rgb[j] = rgba[i];
    rgb[j + 1] = rgba[i + 1];
    rgb[j + 2] = rgba[i + 2];
  }
  return { img, rgb, width: c.width, height: c.height };
}

/** [N][K] of [x, y, score] from the artifact's `keypoints` [N, K, 2] and `scores` [N, K] */
function persons(keypoints, scores, n, k) {
  return Array.from({ length: n }, (_, i) => Array.from({ length: k }, (_, j) => [keypoints[(i * k + j) * 2], keypoints[(i * k + j) * 2 + 1], scores[i * k + j]]));
}

async function runTfjs(image, boxes) {
  const facts = await useTfjsBackend(TFJS_BACKEND, { wasmPaths: `${VENDOR}@tensorflow/tfjs-backend-wasm/dist/` });
  const model = await loadTfjsModel(TFJS_URL);
  const feeds = { image: tf.tensor(image.rgb, [image.height, image.width, 3], 'int32'), boxes: tf.tensor(boxes.flat(), [boxes.length, 4], 'float32') };
  const t0 = performance.now();
  const [kp, sc] = await model.executeAsync(feeds, ['keypoints', 'scores']);
  const [k, s] = await Promise.all([kp.data(), sc.data()]);
  const ms = performance.now() - t0;
  const out = { persons: persons(k, s, kp.shape[0], kp.shape[1]), ms, backend: tf.getBackend(), facts, metadata: model.metadata?.pose_port ?? null };
  tf.dispose([feeds.image, feeds.boxes, kp, sc]);
  model.dispose();
  return out;
}

async function runOnnx(image, boxes) {
  const { session, facts } = await createOrtSession(ONNX_URL, ONNX_BACKEND, { wasmPaths: `${VENDOR}onnxruntime-web/dist/`, cpuNodes: 'report' });
  const feeds = {
    image: new ort.Tensor('uint8', image.rgb, [image.height, image.width, 3]),
    boxes: new ort.Tensor('float32', Float32Array.from(boxes.flat()), [boxes.length, 4]),
  };
  const t0 = performance.now();
  const out = await session.run(feeds, ['keypoints', 'scores']);
  const ms = performance.now() - t0;
  const [n, k] = out.keypoints.dims;
  const result = { persons: persons(out.keypoints.data, out.scores.data, n, k), ms, ep: ONNX_BACKEND, facts };
  await session.release();
  return result;
}

function draw(image, boxes, skeleton, results) {
  const canvas = document.getElementById('view');
  canvas.width = image.width;
  canvas.height = image.height;
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image.img, 0, 0);
  ctx.strokeStyle = '#fc0';
  ctx.lineWidth = 2;
  for (const b of boxes) ctx.strokeRect(b[0], b[1], b[2], b[3]);
  for (const { persons: list, color, dash } of results)
    for (const points of list) {
      ctx.strokeStyle = color;
      ctx.fillStyle = color;
      ctx.lineWidth = 3;
      ctx.setLineDash(dash);
      for (const [a, b] of skeleton) {
        ctx.beginPath();
        ctx.moveTo(points[a][0], points[a][1]);
        ctx.lineTo(points[b][0], points[b][1]);
        ctx.stroke();
      }
      ctx.setLineDash([]);
      for (const [x, y] of points) {
        ctx.beginPath();
        ctx.arc(x, y, 4, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
}

async function main() {
  const image = await loadImage(IMAGE_URL);
  state.image = { width: image.width, height: image.height, boxes: BOXES };
  log(`image ${image.width}x${image.height}, ${BOXES.length} box(es)`);
  const drawn = [];
  let skeleton = [];
  if (TFJS_BACKEND !== 'none') {
    state.tfjs = await runTfjs(image, BOXES);
    skeleton = state.tfjs.metadata?.skeleton ?? [];
    drawn.push({ persons: state.tfjs.persons, color: '#0c0', dash: [] });
    log(`TF.js (${state.tfjs.backend}): ${state.tfjs.ms.toFixed(1)} ms`);
  }
  if (ONNX_BACKEND !== 'none') {
    state.onnx = await runOnnx(image, BOXES);
    drawn.push({ persons: state.onnx.persons, color: '#d0d', dash: [8, 6] });
    const cpu = state.onnx.facts.placement?.nodes.CPUExecutionProvider ?? [];
    log(`ONNX (onnxruntime-web ${ONNX_BACKEND}): ${state.onnx.ms.toFixed(1)} ms${cpu.length ? `, ${cpu.length} node(s) on the CPU EP: ${cpu.map((n) => n.op).join(' ')}` : ''}`);
  }
  draw(image, BOXES, skeleton, drawn);
  state.done = true;
}

main().catch((e) => {
  state.error = String(e && e.stack ? e.stack : e);
  state.done = true;
  log(`error: ${state.error}`);
});
