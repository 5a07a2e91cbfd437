import test from 'ava';
import { mspnFamily } from '../../../src/arch/mspn/index.js';
import { checkPreset } from '../../../src/arch/preset.js';
import { tensorSetFromManifest } from '../../helpers/manifest-tensors.js';
import { detectOrFail, structureTests } from '../rsn/msmu-suite.js';
import { expectPoseError } from '../../helpers/errors.js';

const MSPN = ['mspn50_coco_256x192', '2xmspn50_coco_256x192', '3xmspn50_coco_256x192', '4xmspn50_coco_256x192'];

structureTests(test, 'mspn', MSPN, 'conv2');

test('a 4xmspn50 key set with preset 2xmspn50 is ARCH_MISMATCH naming what the keys show', (t) => {
  const d = detectOrFail(t, tensorSetFromManifest('4xmspn50_coco_256x192'));
  t.is(d.preset, '4xmspn50');
  const e = expectPoseError(t, () => checkPreset(mspnFamily, '2xmspn50', d), 'ARCH_MISMATCH');
  t.regex(e.message, /--arch 2xmspn50 expects numStages = 2, but the checkpoint keys say 4 \(they match preset '4xmspn50'\)/);
  checkPreset(mspnFamily, '4xmspn50', d);
});

test('the MSPN unit-1 projection shortcut (64 -> 256) is read as downsample.{conv,bn}', (t) => {
  const key = 'backbone.multi_stage_mspn.0.downsample.layer1.0.downsample.conv.weight';
  const tensors = tensorSetFromManifest('mspn50_coco_256x192', { drop: [key] });
  const d = detectOrFail(t, tensors);
  t.is(expectPoseError(t, () => mspnFamily.build(tensors, d.config, { inputSize: [256, 192] }), 'KEY_MISSING').key, key);
});
