/** The package entry exports the documented library API and it works without the CLI. */
import test from 'ava';
import { join } from 'node:path';
import * as api from '../src/index.js';
import { ROOT } from './helpers/ckpt.js';
import { asMmpose1 } from './helpers/mmpose1-keys.js';

test('the entry exports the documented functions', (t) => {
  for (const name of [
    'openCheckpoint',
    'convertCheckpoint',
    'inspectCheckpoint',
    'verifyArtifacts',
    'detectArchitecture',
    'applyKeyLayout',
    'openModelCheckpoint',
    'emitOnnx',
    'emitTfjs',
    'decodeHeatmaps',
    'loadModel',
    'estimatePoses',
    'evaluateModel',
    'listZoo',
    'fetchCheckpoint',
    'runCli',
  ] as const)
    t.is(typeof (api as Record<string, unknown>)[name], 'function', name);
});

test('openCheckpoint + detectArchitecture on the bundled default', async (t) => {
  const ckpt = await api.openCheckpoint(join(ROOT, 'fixtures', 'default', 'tiny_res_simplebaseline.pth'));
  try {
    t.is(ckpt.format, 'legacy');
    t.is(ckpt.tensors.entries.length, 122);
    const first = ckpt.tensors.entries[0];
    t.is(first.name, 'backbone.conv1.weight');
    t.deepEqual([...first.shape], [8, 3, 7, 7]);
    t.is((first.data() as Float32Array).length, 8 * 3 * 7 * 7);
    const d = api.detectArchitecture(ckpt.tensors);
    t.is(d?.family, 'resnet');
    t.is(d?.facts.keypoints, 17);
  } finally {
    ckpt.close();
  }
});

test('applyKeyLayout reads MMPose 1.x key names as the families do; openModelCheckpoint applies it', async (t) => {
  const file = join(ROOT, 'fixtures', 'default', 'tiny_res_simplebaseline.pth');
  const ckpt = await api.openCheckpoint(file);
  try {
    const renamed = asMmpose1(ckpt.tensors);
    const read = api.applyKeyLayout(renamed);
    t.is(read.layout.name, 'mmpose-1.x');
    t.is(api.detectArchitecture(read.tensors)?.facts.keypoints, 17);
    t.deepEqual(api.detectArchitecture(read.tensors)?.config, api.detectArchitecture(ckpt.tensors)?.config);
  } finally {
    ckpt.close();
  }
  const m = await api.openModelCheckpoint(file);
  t.is(m.layout.name, 'mmpose-0.x');
  t.is(m.tensors.entries.length, 122);
  m.close();
});

test('decodeHeatmaps with the documented options maps a peak back to the image', (t) => {
  const [n, k, h, w] = [1, 1, 64, 48];
  const hm = new Float32Array(n * k * h * w);
  hm[32 * w + 24] = 1; // peak at heatmap (24, 32): the crop centre
  const r = api.decodeHeatmaps(hm, { shape: [n, k, h, w], method: 'default', center: [[100, 200]], scale: [[1, 4 / 3]] });
  const out = r instanceof Promise ? undefined : r;
  t.truthy(out);
  // the map covers scale*200 = 200 x 266.7 px around the centre: its cell (24, 32) is the centre (no neighbours, no quarter shift)
  t.true(Math.abs(out!.keypoints[0] - 100) < 1e-3, String(out!.keypoints[0]));
  t.true(Math.abs(out!.keypoints[1] - 200) < 1e-3, String(out!.keypoints[1]));
  t.is(out!.scores[0], 1);
});
