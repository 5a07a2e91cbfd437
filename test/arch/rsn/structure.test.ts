import test from 'ava';
import { checkPreset } from '../../../src/arch/preset.js';
import { rsnFamily } from '../../../src/arch/rsn/index.js';
import { mspnFamily } from '../../../src/arch/mspn/index.js';
import { tensorSetFromManifest } from '../../helpers/manifest-tensors.js';
import { detectOrFail, structureTests } from './msmu-suite.js';
import { expectPoseError } from '../../helpers/errors.js';

const RSN = ['rsn18_coco_256x192', 'rsn50_coco_256x192', '2xrsn50_coco_256x192', '3xrsn50_coco_256x192'];

structureTests(test, 'rsn', RSN, 'conv_bn_relu2_3_2.conv');

test('rsn18 has 2 blocks per unit, rsn50 3/4/6/3; both 4 steps and expand_times 26', (t) => {
  const a = detectOrFail(t, tensorSetFromManifest('rsn18_coco_256x192')).config as any;
  const b = detectOrFail(t, tensorSetFromManifest('rsn50_coco_256x192')).config as any;
  t.deepEqual(a.numBlocks, [2, 2, 2, 2]);
  t.deepEqual(b.numBlocks, [3, 4, 6, 3]);
  t.is(a.numSteps, 4);
  t.is(a.expandTimes, 26);
  t.is(b.expandTimes, 26);
});

// the one preset checker, the one convert calls for --arch: these are the messages users see
test('a 2xrsn50 key set with preset rsn50 is ARCH_MISMATCH naming what the keys show', (t) => {
  const d = detectOrFail(t, tensorSetFromManifest('2xrsn50_coco_256x192'));
  t.is(d.preset, '2xrsn50');
  const e = expectPoseError(t, () => checkPreset(rsnFamily, 'rsn50', d), 'ARCH_MISMATCH');
  t.regex(e.message, /--arch rsn50 expects numStages = 1, but the checkpoint keys say 2/);
  t.regex(e.message, /match preset '2xrsn50'/);
  checkPreset(rsnFamily, '2xrsn50', d);
});

test('rsn18 keys with preset rsn50 name the blocks per unit', (t) => {
  const d = detectOrFail(t, tensorSetFromManifest('rsn18_coco_256x192'));
  const e = expectPoseError(t, () => checkPreset(rsnFamily, 'rsn50', d), 'ARCH_MISMATCH');
  t.regex(e.message, /--arch rsn50 expects numBlocks = \[3,4,6,3\], but the checkpoint keys say \[2,2,2,2\]/);
});

test('an MSPN key set with an RSN preset (and the reverse) is ARCH_MISMATCH naming the family', (t) => {
  const mspn = detectOrFail(t, tensorSetFromManifest('mspn50_coco_256x192'));
  t.regex(expectPoseError(t, () => checkPreset(rsnFamily, 'rsn50', mspn), 'ARCH_MISMATCH').message, /--arch rsn50 is a rsn preset, but the checkpoint keys are a mspn model \(mspn50\)/);
  const rsn = detectOrFail(t, tensorSetFromManifest('rsn50_coco_256x192'));
  expectPoseError(t, () => checkPreset(mspnFamily, 'mspn50', rsn), 'ARCH_MISMATCH');
  expectPoseError(t, () => checkPreset(rsnFamily, 'rsn101', rsn), 'ARCH_UNKNOWN');
});

test('the RSN step count comes from the conv_bn_relu2_<i>_<j> keys', (t) => {
  // drop step 4 everywhere: the keys then describe a 3-step RSN whose widths no longer fit
  const model = 'rsn18_coco_256x192';
  const all = tensorSetFromManifest(model);
  const drop = all.entries.map((e) => e.name).filter((k) => /\.conv_bn_relu2_4_\d\./.test(k));
  const d = detectOrFail(t, tensorSetFromManifest(model, { drop }));
  t.is(d.config.numSteps, 3);
  // conv_bn_relu1 still produces 4 * w channels: the builder names it
  const e = expectPoseError(t, () => rsnFamily.build(tensorSetFromManifest(model, { drop }), d.config as any, { inputSize: [256, 192] }), 'SHAPE_MISMATCH');
  t.regex(e.key ?? '', /conv_bn_relu1/);
});
