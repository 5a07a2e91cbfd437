/**
 * MMPose 1.x key names (HeatmapHead, MSPNHead, data_preprocessor buffers) read through
 * the layout: all 26 manifests in 1.x naming detect and build exactly as their 0.x key
 * sets do (same config, same preset, same weights in the same order), head variants the
 * zoo lacks (extra conv layers, no final layer, other stage counts) too, and keys that
 * fit neither layout are refused naming the key as the file stores it.
 */
import test, { type ExecutionContext } from 'ava';
import { familyByName } from '../../src/arch/index.js';
import { applyKeyLayout, detectKeyLayout, inStoredNames } from '../../src/arch/layout.js';
import type { ResNetConfig } from '../../src/arch/resnet/index.js';
import { isPosePortError, PosePortError } from '../../src/core/errors.js';
import { tensorSetOf, type TensorSet } from '../../src/core/tensor.js';
import { detectAndBuild } from '../helpers/arch-cases.js';
import { inputSizeOf } from '../helpers/ckpt.js';
import { expectPoseError } from '../helpers/errors.js';
import { listManifests, readManifest } from '../helpers/ckpt.js';
import { entryOf, tensorSetFromManifest } from '../helpers/manifest-tensors.js';
import { asMmpose1 } from '../helpers/mmpose1-keys.js';
import { resnetKeys } from '../helpers/synthetic-keys.js';
import { generateParams } from './rsn/keygen.js';

/** detect + build of the 0.x set and of its 1.x naming read through the layout: what must agree */
function both(old: TensorSet, renamed: TensorSet, inputSize: [number, number]) {
  const read = applyKeyLayout(renamed);
  const a = detectAndBuild(old, inputSize);
  const b = detectAndBuild(read.tensors, inputSize);
  const weights = (g: typeof a.built.graph) => g.constants.map((v) => v.name);
  return { layout: read.layout, a, b, weightsA: weights(a.built.graph), weightsB: weights(b.built.graph) };
}

const MANIFESTS = listManifests();

test('there are 26 manifests', (t) => t.is(MANIFESTS.length, 26));

for (const model of MANIFESTS)
  test(`${model} in MMPose 1.x naming detects and builds as its 0.x key set`, (t) => {
    const family = readManifest(model).family;
    const old = tensorSetFromManifest(model);
    const renamed = asMmpose1(old);
    t.true(renamed.entries.every((e) => !e.name.startsWith('keypoint_head.')));
    const r = both(old, renamed, inputSizeOf(model));
    t.is(r.layout.name, 'mmpose-1.x');
    t.is(r.layout.head, familyByName(family).head.v1);
    t.is(r.b.detection.family, r.a.detection.family);
    t.is(r.b.detection.preset, r.a.detection.preset);
    t.deepEqual(r.b.detection.config, r.a.detection.config);
    t.is(r.b.built.consumed, r.a.built.consumed);
    t.deepEqual(r.weightsB, r.weightsA);
    t.is(r.b.built.graph.nodes.length, r.a.built.graph.nodes.length);
  });

test('a 0.x key set is read as it is', (t) => {
  const old = tensorSetFromManifest('res50_coco_256x192_dark');
  const read = applyKeyLayout(old);
  t.is(read.layout.name, 'mmpose-0.x');
  t.is(read.layout.head, null);
  t.deepEqual(read.tensors.entries.map((e) => e.name), old.entries.map((e) => e.name));
  t.is(read.tensors.entries[5], old.entries[5]);
});

const WITH_CONVS: ResNetConfig = {
  depth: null, block: 'bottleneck', blocks: [1, 2, 1, 1], inChannels: 3, stemChannels: 16, baseChannels: 4, deepStem: true, strides: [1, 2, 2, 2],
  head: { inChannels: 128, deconvLayers: 3, deconvChannels: [16, 16, 8], deconvKernels: [2, 2, 2], convKernels: [1, 3], finalKernel: 1, numKeypoints: 3 },
};

test("HeatmapHead's conv_layers and final_layer map onto the 0.x final_layer.<i> (two extra convs)", (t) => {
  const old = resnetKeys(WITH_CONVS);
  const renamed = asMmpose1(old, 2);
  t.true(renamed.has('head.conv_layers.0.weight') && renamed.has('head.conv_layers.4.running_var') && renamed.has('head.final_layer.bias'));
  const r = both(old, renamed, [64, 64]);
  t.is(r.layout.convLayers, 2);
  t.deepEqual(r.b.detection.config, WITH_CONVS);
  t.deepEqual(r.weightsB, r.weightsA);
  t.is(r.layout.stored('keypoint_head.final_layer.3.running_mean'), 'head.conv_layers.3.running_mean');
  t.is(r.layout.stored('keypoint_head.final_layer.6.weight'), 'head.final_layer.weight');
  t.is(r.layout.canonical('head.final_layer.weight'), 'keypoint_head.final_layer.6.weight');
});

test('HeatmapHead without deconvolutions or without a final layer', (t) => {
  const noDeconv: ResNetConfig = { ...WITH_CONVS, head: { ...WITH_CONVS.head, deconvLayers: 0, deconvChannels: [], deconvKernels: [], convKernels: [] } };
  const r1 = both(resnetKeys(noDeconv), asMmpose1(resnetKeys(noDeconv)), [64, 64]);
  t.deepEqual(r1.b.detection.config, noDeconv);
  const noFinal: ResNetConfig = { ...WITH_CONVS, head: { ...WITH_CONVS.head, convKernels: [], finalKernel: 0, numKeypoints: 8 } };
  const r2 = both(resnetKeys(noFinal), asMmpose1(resnetKeys(noFinal)), [64, 64]);
  t.is(r2.layout.head, 'HeatmapHead');
  t.deepEqual(r2.b.detection.config, noFinal);
});

for (const [family, stages, prm] of [
  ['rsn', 3, true],
  ['mspn', 5, false],
] as const)
  test(`MSPNHead of a ${stages}-stage ${family}${prm ? ' with PRM' : ''} (5 keypoints) reads as its 0.x keys`, (t) => {
    const params = generateParams({ family, numStages: stages, numUnits: 3, numBlocks: [1, 1, 1], unitChannels: 32, keypoints: 5, prm });
    const old = tensorSetOf(params.map(([n, s, d]) => entryOf(n, s, d)));
    const r = both(old, asMmpose1(old), [64, 64]);
    t.is(r.layout.head, 'MSPNHead');
    t.deepEqual(r.b.detection.config, r.a.detection.config);
    t.deepEqual(r.weightsB, r.weightsA);
  });

test('data_preprocessor.mean/std of a 1.x file are set aside, not weights', (t) => {
  const extra = [entryOf('data_preprocessor.mean', [3, 1, 1]), entryOf('data_preprocessor.std', [3, 1, 1])];
  const read = applyKeyLayout(asMmpose1(tensorSetFromManifest('rsn18_coco_256x192'), 0, extra));
  t.deepEqual(read.layout.setAside, ['data_preprocessor.mean', 'data_preprocessor.std']);
  t.false(read.tensors.has('data_preprocessor.mean'));
  t.notThrows(() => detectAndBuild(read.tensors, [256, 192]));
});

function refused(t: ExecutionContext, names: string[]): PosePortError {
  return expectPoseError(t, () => detectKeyLayout(names));
}

test('keys that fit neither layout are refused, naming the key', (t) => {
  const mixed = refused(t, ['backbone.conv1.weight', 'keypoint_head.final_layer.weight', 'head.final_layer.bias']);
  t.is(mixed.code, 'KEY_UNEXPECTED');
  t.is(mixed.key, 'head.final_layer.bias');
  t.regex(mixed.message, /'keypoint_head\.final_layer\.weight' is an MMPose 0\.x one/);
  const twoHeads = refused(t, ['head.deconv_layers.0.weight', 'head.predict_layers.0.conv_layers.0.conv.weight']);
  t.is(twoHeads.key, 'head.predict_layers.0.conv_layers.0.conv.weight');
  t.regex(twoHeads.message, /'head\.deconv_layers\.0\.weight' is a HeatmapHead one/);
  const nested = refused(t, ['head.final_layer.0.weight']);
  t.is(nested.key, 'head.final_layer.0.weight');
  t.regex(nested.message, /one Conv2d/);
  const deep = refused(t, ['head.conv_layers.0.x.weight']);
  t.is(deep.key, 'head.conv_layers.0.x.weight');
  const noFinal = refused(t, ['head.deconv_layers.0.weight', 'head.conv_layers.0.weight', 'head.conv_layers.0.bias']);
  t.is(noFinal.code, 'KEY_MISSING');
  t.is(noFinal.key, 'head.final_layer.weight');
  t.regex(noFinal.message, /conv_layers and no final layer/);
});

test("the builders' errors about a 1.x file name its keys as stored", (t) => {
  const renamed = asMmpose1(resnetKeys(WITH_CONVS), 2);
  const drop = (name: string) => tensorSetOf(renamed.entries.filter((e) => e.name !== name));
  for (const gone of ['head.conv_layers.4.running_var', 'head.final_layer.bias']) {
    const read = applyKeyLayout(drop(gone));
    let err: unknown;
    try {
      detectAndBuild(read.tensors, [64, 64]);
    } catch (e) {
      err = inStoredNames(e, read.layout);
    }
    t.true(isPosePortError(err), String(err));
    const e = err as PosePortError;
    t.is(e.code, 'KEY_MISSING');
    t.is(e.key, gone);
    t.regex(e.message, new RegExp(`missing '${gone.replace(/\./g, '\\.')}'`));
    t.notRegex(e.message, /keypoint_head/);
  }
  // a tensor of the wrong shape
  const bad = tensorSetOf(renamed.entries.map((e) => (e.name === 'head.final_layer.weight' ? entryOf(e.name, [3, 8, 1, 2]) : e)));
  const read = applyKeyLayout(bad);
  const e = inStoredNames(expectPoseError(t, () => detectAndBuild(read.tensors, [64, 64])), read.layout) as PosePortError;
  t.is(e.key, 'head.final_layer.weight');
  t.notRegex(e.message, /keypoint_head/);
});
