import test from 'ava';
import { inputSizeOf, manifestsOf, readManifest } from '../../helpers/ckpt.js';
import { detectAndBuild } from '../../helpers/arch-cases.js';
import { tensorSetFromManifest } from '../../helpers/manifest-tensors.js';
import { expectedHRNet } from '../../helpers/mmpose-config.js';
import { verifyGraph } from '../../../src/ir/verify.js';

const MODELS = manifestsOf('hrnet');

test('the zoo has twelve HRNet rows', (t) => {
  t.is(MODELS.length, 12);
  t.true(MODELS.every((m) => m.startsWith('hrnet_w32_') || m.startsWith('hrnet_w48_')));
});

for (const model of MODELS)
  test(`${model}: keys detect to its MMPose config, build consumes every key, heatmaps have the manifest's shape`, (t) => {
    const m = readManifest(model);
    const tensors = tensorSetFromManifest(model);
    const { detection, built } = detectAndBuild(tensors, inputSizeOf(model));
    t.is(detection.family, 'hrnet');
    t.deepEqual(detection.config, expectedHRNet(m));
    const w = m.backbone.extra.stage4.num_channels[0];
    t.is(detection.preset, `hrnet_w${w}`);
    t.like(detection.facts, {
      stages: 4,
      modules: [1, 1, 4, 3],
      branches: [1, 2, 3, 4],
      widths: [w, 2 * w, 4 * w, 8 * w],
      deconvs: [],
      keypoints: m.num_output_channels,
    });
    t.is(built.consumed + built.ignored.length, m.num_entries);
    t.true(built.ignored.every((k) => k.endsWith('.num_batches_tracked')));
    const g = built.graph;
    t.deepEqual(g.inputs.map((v) => [v.name, v.shape]), [['input', ['N', 3, ...inputSizeOf(model)]]]);
    t.deepEqual(g.outputs.map((v) => [v.name, v.shape]), [['heatmaps', ['N', m.num_output_channels, m.heatmap_size[1], m.heatmap_size[0]]]]);
    t.like(g.meta, { family: 'hrnet', config: detection.config });
    t.is(g.constants.length, built.consumed);
    t.notThrows(() => verifyGraph(g));
  });
