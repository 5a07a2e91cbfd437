import test from 'ava';
import { FAMILIES } from '../../src/arch/index.js';

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
