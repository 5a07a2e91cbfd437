import test from 'ava';
import { resnet } from '../../../src/arch/resnet/index.js';
import { checkPreset } from '../../../src/arch/preset.js';
import { hrnet } from '../../../src/arch/hrnet/index.js';
import { alteredShape, detectAndBuild, sampleKeys } from '../../helpers/arch-cases.js';
import { inputSizeOf } from '../../helpers/ckpt.js';
import { expectPoseError } from '../../helpers/errors.js';
import { tensorSetFromManifest } from '../../helpers/manifest-tensors.js';

const MODELS = ['res50_coco_256x192_dark', 'res101_coco_384x288_dark', 'res152_coco_256x192_dark'];
/** keys detection reads (stem, widths, head) besides the evenly spread sample */
const ALWAYS = [
  'backbone.conv1.weight',
  'backbone.bn1.running_mean',
  'backbone.layer1.0.conv1.weight',
  'backbone.layer1.0.bn1.weight',
  'backbone.layer1.0.downsample.0.weight',
  'backbone.layer4.2.conv3.weight',
  'keypoint_head.deconv_layers.0.weight',
  'keypoint_head.deconv_layers.1.running_var',
  'keypoint_head.deconv_layers.6.weight',
  'keypoint_head.final_layer.weight',
  'keypoint_head.final_layer.bias',
];

for (const model of MODELS) {
  const size = inputSizeOf(model);
  test(`${model}: a removed key is KEY_MISSING naming it`, (t) => {
    for (const { name } of sampleKeys(model, 24, ALWAYS)) {
      const e = expectPoseError(t, () => detectAndBuild(tensorSetFromManifest(model, { drop: [name] }), size));
      t.is(e?.code, 'KEY_MISSING', `dropping ${name}: ${e?.message}`);
      t.is(e?.key, name);
      t.true(e!.message.includes(`'${name}'`));
    }
  });

  test(`${model}: an altered shape is SHAPE_MISMATCH naming the key`, (t) => {
    for (const { name, shape } of sampleKeys(model, 24, ALWAYS)) {
      const e = expectPoseError(t, () => detectAndBuild(tensorSetFromManifest(model, { reshape: { [name]: alteredShape(shape) } }), size));
      t.is(e?.code, 'SHAPE_MISMATCH', `reshaping ${name}: ${e?.message}`);
      t.is(e?.key, name, e?.message);
    }
  });

  test(`${model}: an extra key is KEY_UNEXPECTED listing it`, (t) => {
    for (const extra of ['backbone.fc.weight', 'keypoint_head.final_layer.scale', 'backbone.layer4.0.se.weight']) {
      const e = expectPoseError(t, () => detectAndBuild(tensorSetFromManifest(model, { add: [[extra, [8]]] }), size));
      t.is(e?.code, 'KEY_UNEXPECTED', `adding ${extra}: ${e?.message}`);
      t.deepEqual(e?.details?.unexpected, [extra]);
      t.true(e!.message.includes(extra));
    }
  });
}

test('a preset that disagrees with the keys is ARCH_MISMATCH naming what the keys say', (t) => {
  const size = inputSizeOf('res50_coco_256x192_dark');
  const tensors = tensorSetFromManifest('res50_coco_256x192_dark');
  t.notThrows(() => detectAndBuild(tensors, size, 'res50'));
  for (const [preset, field] of [
    ['res101', 'depth = 101, but the checkpoint keys say 50'],
    ['res152', 'depth = 152, but the checkpoint keys say 50'],
  ]) {
    const e = expectPoseError(t, () => detectAndBuild(tensors, size, preset));
    t.is(e?.code, 'ARCH_MISMATCH');
    t.true(e!.message.includes(field), e!.message);
    t.true(e!.message.includes("preset 'res50'"), e!.message);
  }
  const wrongFamily = expectPoseError(t, () => checkPreset(hrnet, 'hrnet_w32', resnet.detect(tensors)!));
  t.is(wrongFamily?.code, 'ARCH_MISMATCH');
  t.regex(wrongFamily!.message, /hrnet preset, but the checkpoint keys are a resnet model \(res50\)/);
  t.is(expectPoseError(t, () => checkPreset(resnet, 'res18', resnet.detect(tensors)!))?.code, 'ARCH_UNKNOWN');
  const r101 = tensorSetFromManifest('res101_coco_256x192_dark');
  const e = expectPoseError(t, () => detectAndBuild(r101, size, 'res50'));
  t.is(e?.code, 'ARCH_MISMATCH');
  t.true(e!.message.includes('--arch res50 expects depth = 50, but the checkpoint keys say 101'), e!.message);
});
