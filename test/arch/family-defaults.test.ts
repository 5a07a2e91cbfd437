import test from 'ava';
import { detectArchitecture, FAMILIES } from '../../src/arch/index.js';
import { inputSizeOf, manifestsOf } from '../helpers/ckpt.js';
import { tensorSetFromManifest } from '../helpers/manifest-tensors.js';

// MMPose 0.x: TopDownSimpleHead (ResNet, HRNet) defaults to post_process 'default' with
// shift_heatmap and OKS-NMS; TopDownMSMUHead (RSN, MSPN) to 'megvii' (kernel 5), no
// shift, and its configs switch NMS off.
test('each family carries the decoding and NMS defaults of its head', (t) => {
  const byName = Object.fromEntries(FAMILIES.map((f) => [f.name, f.defaults]));
  for (const f of ['resnet', 'hrnet']) {
    t.deepEqual(byName[f].decode, { method: 'default', flip_test: true, shift_heatmap: true, modulate_kernel: 11 }, f);
    t.true(byName[f].useNms, f);
  }
  for (const f of ['rsn', 'mspn']) {
    t.deepEqual(byName[f].decode, { method: 'megvii', flip_test: true, shift_heatmap: false, modulate_kernel: 5 }, f);
    t.false(byName[f].useNms, f);
  }
  t.deepEqual(Object.keys(byName).sort(), ['hrnet', 'mspn', 'resnet', 'rsn']);
});

test('each family names its MMPose backbone and head (0.x and 1.x class)', (t) => {
  const of = (f: string) => FAMILIES.find((x) => x.name === f)!;
  t.deepEqual(FAMILIES.map((f) => f.backboneType), ['ResNet', 'HRNet', 'RSN', 'MSPN']);
  for (const f of ['resnet', 'hrnet']) t.deepEqual(of(f).head, { v0: 'TopDownSimpleHead', v1: 'HeatmapHead', multiStage: false }, f);
  for (const f of ['rsn', 'mspn']) t.deepEqual(of(f).head, { v0: 'TopDownMSMUHead', v1: 'MSPNHead', multiStage: true }, f);
});

// the multi-stage families' stage/unit names are checked against the manifests in test/arch/rsn/msmu-suite.ts
test('each family names the outputs its build marks, with and without allOutputs', (t) => {
  for (const f of FAMILIES) {
    const model = manifestsOf(f.name)[0];
    const tensors = tensorSetFromManifest(model);
    const d = detectArchitecture(tensors)!;
    for (const allOutputs of [false, true]) {
      const { graph } = f.build(tensors, d.config, { inputSize: inputSizeOf(model), allOutputs });
      t.deepEqual(graph.outputs.map((o) => o.name), f.outputNames(d.config, allOutputs), `${model} allOutputs ${allOutputs}`);
      t.is(graph.outputs[0].name, 'heatmaps');
    }
  }
});
