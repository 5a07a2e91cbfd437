import test from 'ava';
import { familyByName } from '../../../src/arch/index.js';
import { resnet } from '../../../src/arch/resnet/index.js';
import { inputSizeOf, manifestsOf, readManifest } from '../../helpers/ckpt.js';
import { detectAndBuild } from '../../helpers/arch-cases.js';
import { tensorSetFromManifest } from '../../helpers/manifest-tensors.js';
import { expectedResNet } from '../../helpers/mmpose-config.js';
import { verifyGraph } from '../../../src/ir/verify.js';

const MODELS = manifestsOf('resnet');

test('the zoo has the six ResNet rows', (t) => {
  t.deepEqual(MODELS.sort(), [
    'res101_coco_256x192_dark',
    'res101_coco_384x288_dark',
    'res152_coco_256x192_dark',
    'res152_coco_384x288_dark',
    'res50_coco_256x192_dark',
    'res50_coco_384x288_dark',
  ]);
});

for (const model of MODELS)
  test(`${model}: keys detect to its MMPose config, build consumes every key, heatmaps have the manifest's shape`, (t) => {
    const m = readManifest(model);
    const tensors = tensorSetFromManifest(model);
    const { detection, built } = detectAndBuild(tensors, inputSizeOf(model));
    t.is(detection.family, 'resnet');
    t.is(familyByName('resnet'), resnet);
    t.deepEqual(detection.config, expectedResNet(m));
    t.is(detection.preset, `res${m.backbone.depth}`);
    t.like(detection.facts, { depth: m.backbone.depth, keypoints: m.num_output_channels, widths: [256, 512, 1024, 2048], deconvs: [256, 256, 256] });
    t.is(built.consumed + built.ignored.length, m.num_entries);
    t.true(built.ignored.every((k) => k.endsWith('.num_batches_tracked')));
    t.is(built.ignored.length, m.params.filter(([k]: [string]) => k.endsWith('num_batches_tracked')).length);
    const g = built.graph;
    t.deepEqual(g.inputs.map((v) => [v.name, v.shape]), [['input', ['N', 3, ...inputSizeOf(model)]]]);
    t.deepEqual(g.outputs.map((v) => [v.name, v.shape]), [['heatmaps', ['N', m.num_output_channels, m.heatmap_size[1], m.heatmap_size[0]]]]);
    t.like(g.meta, { family: 'resnet', config: detection.config });
    t.is(g.constants.length, built.consumed);
    t.notThrows(() => verifyGraph(g));
  });
