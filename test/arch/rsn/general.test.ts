/**
 * The builders are general: the key generator (written from the zoo README's naming)
 * reproduces all 8 RSN/MSPN manifests exactly, and key sets it makes for configs no zoo
 * row has (2-5 units, 1-3 blocks, 2-3 steps, 2-4 stages, other keypoint counts) are
 * detected, built with every key consumed, and run in onnxruntime-node.
 */
import test from 'ava';
import { familyByName } from '../../../src/arch/index.js';
import { tensorSetOf } from '../../../src/core/tensor.js';
import { emitOnnx } from '../../../src/emit/onnx/index.js';
import { verifyGraph } from '../../../src/ir/verify.js';
import { readManifest } from '../../helpers/ckpt.js';
import { entryOf } from '../../helpers/manifest-tensors.js';
import { runOrt } from '../../emit/onnx/ort.js';
import { generateParams, type GenConfig } from './keygen.js';
import { detectOrFail } from './msmu-suite.js';

const ZOO = [
  'rsn18_coco_256x192',
  'rsn50_coco_256x192',
  '2xrsn50_coco_256x192',
  '3xrsn50_coco_256x192',
  'mspn50_coco_256x192',
  '2xmspn50_coco_256x192',
  '3xmspn50_coco_256x192',
  '4xmspn50_coco_256x192',
];

for (const model of ZOO)
  test(`the key generator reproduces ${model}'s manifest (names, shapes, order)`, (t) => {
    const m = readManifest(model);
    const b = m.backbone;
    const params = generateParams({
      family: m.family,
      numStages: b.num_stages,
      numUnits: b.num_units,
      numBlocks: b.num_blocks,
      numSteps: b.num_steps,
      unitChannels: b.unit_channels,
      keypoints: m.head.out_channels,
      prm: m.head.use_prm,
    });
    t.deepEqual(params, m.params);
  });

const CASES: GenConfig[] = [
  { family: 'rsn', numStages: 2, numUnits: 3, numBlocks: [1, 2, 1], numSteps: 2 },
  { family: 'rsn', numStages: 3, numUnits: 2, numBlocks: [2, 1], numSteps: 3, keypoints: 16, prm: true },
  { family: 'rsn', numStages: 1, numUnits: 5, numBlocks: [1, 1, 1, 1, 1], numSteps: 5, unitChannels: 128 },
  { family: 'mspn', numStages: 2, numUnits: 3, numBlocks: [2, 1, 1], keypoints: 133 },
  { family: 'mspn', numStages: 4, numUnits: 2, numBlocks: [1, 1], unitChannels: 64, prm: true },
];

for (const c of CASES) {
  const label = `${c.family} ${c.numStages} stage(s), ${c.numUnits} units, blocks [${c.numBlocks}]${c.numSteps ? `, ${c.numSteps} steps` : ''}${c.prm ? ', PRM' : ''}`;
  test(`${label}: detected, built with every key consumed, runs at batch 2`, async (t) => {
    const tensors = tensorSetOf(generateParams(c).map(([n, s, d]) => entryOf(n, s, d)));
    const d = detectOrFail(t, tensors);
    t.is(d.family, c.family);
    t.is(d.preset, undefined);
    t.is(d.config.numStages, c.numStages);
    t.is(d.config.numUnits, c.numUnits);
    t.deepEqual(d.config.numBlocks, c.numBlocks);
    t.is(d.config.numSteps, c.numSteps);
    t.is(d.config.unitChannels, c.unitChannels ?? 256);
    t.is(d.config.head.outChannels, c.keypoints ?? 17);
    t.is(d.config.head.usePrm, c.prm ?? false);
    const [h, w] = [128, 96];
    const r = familyByName(c.family).build(tensors, d.config, { inputSize: [h, w], allOutputs: true });
    verifyGraph(r.graph);
    t.is(r.consumed + r.ignored.length, tensors.entries.length);
    t.is(r.graph.outputs.length, c.numStages * c.numUnits);
    const x = new Float32Array(2 * 3 * h * w).map((_, i) => Math.sin(i * 0.11));
    const out = await runOrt(emitOnnx(r.graph), x, [2, 3, h, w]);
    const hm = out.get('heatmaps')!;
    t.deepEqual(hm.dims, [2, c.keypoints ?? 17, h / 4, w / 4]);
    t.true(hm.data.every(Number.isFinite));
    t.is(out.size, c.numStages * c.numUnits);
  });
}
