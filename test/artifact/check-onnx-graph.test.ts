/**
 * The ONNX graph check (src/artifact/check-onnx-graph.ts) accepts every graph pose-port
 * writes (the 26 zoo manifests' heatmap graphs, and heatmap, keypoint and crop-keypoints
 * artifacts of the bundled checkpoint) and refuses edited constants before onnxruntime sees
 * them: `run` exits 2 naming the node and the attribute or input.
 */
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkOnnxGraph } from '../../src/artifact/check-onnx-graph.js';
import { isPosePortError } from '../../src/core/errors.js';
import { emitOnnx } from '../../src/emit/onnx/index.js';
import { onnx, type INodeProto, type ModelProto } from '../../src/emit/onnx/proto.js';
import { convertCheckpoint } from '../../src/pipeline/convert.js';
import { buildKeypointGraph, type KeypointDecodeMethod } from '../../src/keypoint-graph/index.js';
import { listManifests, ROOT } from '../helpers/ckpt.js';
import { runCli } from '../helpers/cli.js';
import { tensorSetFromManifest } from '../helpers/manifest-tensors.js';
import { buildFolded, testSizeOf } from '../emit/tfjs/family-model.js';

const CKPT = join(ROOT, 'fixtures', 'default', 'tiny_res_simplebaseline.pth');
const IMAGE = join(ROOT, 'test', 'data', 'datasets', 'coco', '000000000785.jpg');
const work = mkdtempSync(join(tmpdir(), 'pose-port-check-onnx-'));
const dirs = { heatmaps: join(work, 'hm'), keypoints: join(work, 'kp'), 'crop-keypoints': join(work, 'crop') };
test.before(async () => {
  for (const [graph, out] of Object.entries(dirs)) await convertCheckpoint(CKPT, { out, formats: ['onnx'], graph: graph as 'heatmaps' });
});
test.after.always(() => rmSync(work, { recursive: true, force: true }));

test('the 26 zoo manifests\' ONNX graphs pass the check', (t) => {
  const models = listManifests();
  t.is(models.length, 26);
  for (const model of models) {
    const size = testSizeOf(model);
    const { graph } = buildFolded(tensorSetFromManifest(model), size);
    t.notThrows(() => checkOnnxGraph(emitOnnx(graph), model, Math.max(...size)), model);
  }
});

test('keypoint graphs of every decoding, with and without flip test and heatmaps output, at opsets 11 and 17, pass the check', (t) => {
  const tensors = tensorSetFromManifest('res50_coco_256x192_dark');
  const size: [number, number] = [64, 64];
  for (const kind of ['keypoints', 'crop-keypoints'] as const)
    for (const method of ['default', 'dark', 'megvii'] as KeypointDecodeMethod[])
      for (const flipTest of [true, false])
        for (const opset of [11, 17]) {
          const { graph } = buildFolded(tensors, size);
          const g = buildKeypointGraph(graph, kind, {
            inputSize: size,
            mean: [123.675, 116.28, 103.53],
            std: [58.395, 57.12, 57.375],
            padding: 1.25,
            flipTest,
            shiftHeatmap: flipTest,
            flipPairs: [[1, 2], [3, 4]],
            method,
            kernel: method === 'megvii' ? 5 : 11,
            heatmapsOutput: flipTest,
          });
          const what = `${kind} ${method} flip ${flipTest} opset ${opset}`;
          t.notThrows(() => checkOnnxGraph(emitOnnx(g, { opset }), what, 64), what);
        }
});

for (const kind of Object.keys(dirs) as (keyof typeof dirs)[])
  test(`a ${kind} artifact passes the check`, (t) => {
    const file = join(dirs[kind], 'model.onnx');
    t.notThrows(() => checkOnnxGraph(readFileSync(file), file, 256));
  });

/** The heatmap (or keypoint) model.onnx edited by `edit`, written to a new file. */
function edited(name: string, edit: (m: ModelProto) => string, kind: keyof typeof dirs = 'heatmaps'): { file: string; node: string } {
  const m = onnx.ModelProto.decode(readFileSync(join(dirs[kind], 'model.onnx')));
  const node = edit(m);
  const file = join(work, `${name}.onnx`);
  writeFileSync(file, onnx.ModelProto.encode(m).finish());
  return { file, node };
}
const nodeOf = (m: ModelProto, op: string) => {
  const n = (m.graph!.node ?? []).find((x: INodeProto) => x.opType === op);
  if (!n) throw new Error(`no ${op} node`);
  return n as INodeProto & { name: string; input: string[] };
};
const setInts = (n: INodeProto, name: string, v: number[]) => {
  const a = n.attribute!.find((x) => x.name === name)!;
  a.ints = v;
};

const CASES: [string, () => { file: string; node: string }, RegExp][] = [
  ['a MaxPool pad of 3000', () => edited('pool-pads', (m) => { const n = nodeOf(m, 'MaxPool'); setInts(n, 'pads', [3000, 3000, 3000, 3000]); return n.name; }), /pads/],
  ['a Conv stride of 0', () => edited('conv-stride', (m) => { const n = nodeOf(m, 'Conv'); setInts(n, 'strides', [0, 1]); return n.name; }), /strides/],
  ['a Conv pad of 3000', () => edited('conv-pads', (m) => { const n = nodeOf(m, 'Conv'); setInts(n, 'pads', [3000, 0, 3000, 0]); return n.name; }), /pads/],
  ['an unknown op', () => edited('unknown-op', (m) => { const n = nodeOf(m, 'Relu'); n.opType = 'Tile'; return n.name; }), /op 'Tile'/],
  [
    'a Reshape to 1e9 values',
    () =>
      edited(
        'reshape',
        (m) => {
          const n = nodeOf(m, 'Reshape');
          const init = (m.graph!.initializer ?? []).find((i: { name?: string | null }) => i.name === n.input[1])!;
          const v = new BigInt64Array(Number(init.dims![0])).fill(1n);
          v[v.length - 1] = 1_000_000_000n;
          init.rawData = new Uint8Array(v.buffer);
          init.int64Data = [];
          return n.name;
        },
        'keypoints',
      ),
    /shape/,
  ],
  [
    // the empty-batch guard's Slice (src/emit/onnx/empty-batch.ts) starts where the count says:
    // allowed on the symbolic batch axis only, where it can only shrink it
    'a computed Slice start moved to a static axis',
    () =>
      edited(
        'computed-start',
        (m) => {
          const n = (m.graph!.node ?? []).find((x: INodeProto) => x.opType === 'Slice' && x.name === 'empty_batch/boxes_nonempty') as INodeProto & { name: string; input: string[] };
          const init = (m.graph!.initializer ?? []).find((i: { name?: string | null }) => i.name === n.input[3])!;
          init.rawData = new Uint8Array(Int32Array.of(1).buffer);
          return n.name;
        },
        'keypoints',
      ),
    /starts/,
  ],
];

for (const [what, make, attr] of CASES)
  test(`run refuses ${what} with exit 2 naming the node and the attribute`, (t) => {
    const { file, node } = make();
    t.throws(() => checkOnnxGraph(readFileSync(file), file, 256), { message: attr });
    try {
      checkOnnxGraph(readFileSync(file), file, 256);
    } catch (e) {
      t.true(isPosePortError(e) && e.code === 'MODEL_FORMAT' && e.key === node, String(e));
    }
    const r = runCli(['run', file, IMAGE, '--json'], { timeoutMs: 120_000 });
    t.is(r.code, 2, r.stderr);
    const err = JSON.parse(r.stdout).error as { key?: string; message: string; file?: string };
    t.is(err.key, node);
    t.is(err.file, file);
    t.regex(err.message, attr);
    t.true(err.message.includes(`'${node}'`));
  });
