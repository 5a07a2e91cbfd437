import test from 'ava';
import { hrnet } from '../../../src/arch/hrnet/index.js';
import { checkPreset } from '../../../src/arch/preset.js';
import { resnet } from '../../../src/arch/resnet/index.js';
import { alteredShape, detectAndBuild, sampleKeys } from '../../helpers/arch-cases.js';
import { inputSizeOf } from '../../helpers/ckpt.js';
import { expectPoseError } from '../../helpers/errors.js';
import { tensorSetFromManifest } from '../../helpers/manifest-tensors.js';

const MODELS = ['hrnet_w32_coco_256x192_dark', 'hrnet_w48_coco_wholebody_384x288'];
/** keys detection reads (stem, widths, head) and one of each transition / fuse kind */
const ALWAYS = [
  'backbone.conv1.weight',
  'backbone.bn2.running_var',
  'backbone.layer1.0.conv1.weight',
  'backbone.layer1.0.downsample.0.weight',
  'backbone.transition1.0.0.weight',
  'backbone.transition1.1.0.0.weight',
  'backbone.transition3.3.0.1.running_mean',
  'backbone.stage2.0.branches.0.0.conv1.weight',
  'backbone.stage2.0.branches.1.0.bn1.bias',
  'backbone.stage3.3.fuse_layers.2.0.1.0.weight',
  'backbone.stage4.0.fuse_layers.3.0.2.1.running_var',
  'backbone.stage4.2.fuse_layers.0.3.0.weight',
  'backbone.stage4.2.branches.3.3.bn2.weight',
  'keypoint_head.final_layer.weight',
  'keypoint_head.final_layer.bias',
];

for (const model of MODELS) {
  const size = inputSizeOf(model);
  test(`${model}: a removed key is KEY_MISSING naming it`, (t) => {
    for (const { name } of sampleKeys(model, 30, ALWAYS)) {
      const e = expectPoseError(t, () => detectAndBuild(tensorSetFromManifest(model, { drop: [name] }), size));
      t.is(e?.code, 'KEY_MISSING', `dropping ${name}: ${e?.message}`);
      t.is(e?.key, name);
      t.true(e!.message.includes(`'${name}'`));
    }
  });

  test(`${model}: an altered shape is SHAPE_MISMATCH naming the key`, (t) => {
    for (const { name, shape } of sampleKeys(model, 30, ALWAYS)) {
      const e = expectPoseError(t, () => detectAndBuild(tensorSetFromManifest(model, { reshape: { [name]: alteredShape(shape) } }), size));
      t.is(e?.code, 'SHAPE_MISMATCH', `reshaping ${name}: ${e?.message}`);
      t.is(e?.key, name, e?.message);
    }
  });

  test(`${model}: an extra key is KEY_UNEXPECTED listing it`, (t) => {
    for (const extra of ['backbone.stage4.2.fuse_layers.0.0.weight', 'keypoint_head.final_layer.scale', 'backbone.incre_modules.0.weight']) {
      const e = expectPoseError(t, () => detectAndBuild(tensorSetFromManifest(model, { add: [[extra, [8]]] }), size));
      t.is(e?.code, 'KEY_UNEXPECTED', `adding ${extra}: ${e?.message}`);
      t.deepEqual(e?.details?.unexpected, [extra]);
    }
  });
}

test('a preset that disagrees with the keys is ARCH_MISMATCH naming what the keys say', (t) => {
  const size = inputSizeOf('hrnet_w32_coco_256x192_dark');
  const w32 = tensorSetFromManifest('hrnet_w32_coco_256x192_dark');
  t.notThrows(() => detectAndBuild(w32, size, 'hrnet_w32'));
  const e = expectPoseError(t, () => detectAndBuild(w32, size, 'hrnet_w48'));
  t.is(e?.code, 'ARCH_MISMATCH');
  t.true(
    e!.message.includes("--arch hrnet_w48 expects stages[1].numChannels = [48,96], but the checkpoint keys say [32,64] (they match preset 'hrnet_w32')"),
    e!.message,
  );
  const w48 = tensorSetFromManifest('hrnet_w48_coco_256x192_dark');
  t.regex(expectPoseError(t, () => detectAndBuild(w48, size, 'hrnet_w32'))!.message, /expects stages\[1\]\.numChannels = \[32,64\], but the checkpoint keys say \[48,96\]/);
  const cross = expectPoseError(t, () => checkPreset(resnet, 'res50', hrnet.detect(w32)!));
  t.is(cross?.code, 'ARCH_MISMATCH');
  t.regex(cross!.message, /resnet preset, but the checkpoint keys are a hrnet model \(hrnet_w32\)/);
});
