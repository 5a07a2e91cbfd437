/**
 * Settings read from config texts of the real shape (test/helpers/mmpose-config-text.ts)
 * for all 26 zoo manifests, 0.x (v0.12 and v0.29, file and pretty_text) and 1.x (file
 * and mmengine dump): the input and heatmap sizes, decoding and flip settings,
 * normalisation, dataset and keypoint set equal the manifest's.
 */
import test from 'ava';
import { readCheckpointConfig } from '../../src/config/index.js';
import { inputSizeOf, listManifests, readManifest } from '../helpers/ckpt.js';
import { config0x, config1x, FIVE_KEYPOINTS, type TextOptions } from '../helpers/mmpose-config-text.js';
import { expectPoseError } from '../helpers/errors.js';

const FORMS: Pick<TextOptions, 'form' | 'version'>[] = [
  { version: '0.12', form: 'file' },
  { version: '0.12', form: 'pretty' },
  { version: '0.29', form: 'file' },
  { version: '0.29', form: 'pretty' },
  { version: '1.x', form: 'file' },
  { version: '1.x', form: 'pretty' },
];

const settingsOf = (man: any, o: TextOptions) => {
  const text = o.version === '1.x' ? config1x(man, o) : config0x(man, o);
  const c = readCheckpointConfig(o.version === '1.x' ? { cfg: text } : { config: text })!;
  if (c.refused) throw new Error(c.refused);
  return c.settings!;
};

const manifests = listManifests();

test('every zoo row, every layout: sizes, decoding, flip, normalisation and dataset as the config states them', (t) => {
  t.is(manifests.length, 26);
  for (const name of manifests) {
    const man = readManifest(name);
    for (const f of FORMS) {
      const s = settingsOf(man, f);
      const what = `${name} ${f.version} ${f.form}`;
      t.deepEqual(s.inputSizeHW?.value, inputSizeOf(name), what);
      t.deepEqual(s.heatmapSizeHW?.value, [man.heatmap_size[1], man.heatmap_size[0]], what);
      t.is(s.method?.value, man.test_cfg.post_process, what);
      t.is(s.flipTest?.value, man.test_cfg.flip_test, what);
      t.is(s.shiftHeatmap?.value, man.test_cfg.shift_heatmap, what);
      if (man.test_cfg.post_process !== 'default' || f.version !== '1.x') t.is(s.modulateKernel?.value, man.test_cfg.modulate_kernel, what);
      t.is(s.dataset?.value, man.dataset, what);
      t.is(s.numKeypoints?.value, man.num_output_channels, what);
      for (let i = 0; i < 3; i++) {
        t.true(Math.abs(s.normalize!.value.mean[i] - man.normalize.mean[i]) < 1e-12, what);
        t.true(Math.abs(s.normalize!.value.std[i] - man.normalize.std[i]) < 1e-12, what);
      }
      t.is(s.mmpose, f.version === '1.x' ? '1.x' : '0.x', what);
      if (f.version === '0.29' && f.form === 'pretty') t.deepEqual(s.keypoints?.value.flipPairs, man.flip_pairs, what);
      if (f.version === '0.29' && f.form === 'file') t.true(s.notes.some((n) => /dataset_info: '\{\{\.\.\.\}\}' base-config substitution/.test(n)), what);
    }
  }
});

test('flip_test False and each decode method are read as stated', (t) => {
  const man = readManifest('res50_coco_256x192_dark');
  for (const f of FORMS)
    for (const pp of ['default', 'unbiased', 'megvii'] as const) {
      const s = settingsOf(man, { ...f, testCfg: { flip_test: false, post_process: pp, modulate_kernel: 7 } });
      t.is(s.flipTest?.value, false);
      t.is(s.method?.value, pp);
      if (pp !== 'default' || f.version !== '1.x') t.is(s.modulateKernel?.value, 7);
    }
});

test('a custom 5-keypoint set: names, flip pairs, skeleton and sigmas from dataset_info (0.x) and metainfo (1.x)', (t) => {
  const man = readManifest('hrnet_w32_coco_256x192_dark');
  for (const f of [{ version: '0.29', form: 'pretty' }, { version: '1.x', form: 'pretty' }, { version: '1.x', form: 'file' }] as const) {
    const s = settingsOf(man, { ...f, keypoints: FIVE_KEYPOINTS });
    const kp = s.keypoints!.value;
    t.deepEqual(kp.names, FIVE_KEYPOINTS.names);
    t.deepEqual(kp.flipPairs, [[1, 2], [3, 4]]);
    t.deepEqual(kp.skeleton, [[0, 3], [0, 4], [3, 1], [4, 2]]);
    t.deepEqual(kp.sigmas, FIVE_KEYPOINTS.sigmas);
    t.is(kp.datasetName, 'toy_hand5');
    t.is(s.numKeypoints?.value, 5);
    t.is(s.dataset, undefined, 'no built-in dataset');
  }
});

test("1.x dataset_meta (parse_pose_metainfo's output, numpy sigmas) gives the keypoints", (t) => {
  const man = readManifest('rsn18_coco_256x192');
  const text = config1x(man, { version: '1.x', form: 'pretty' });
  const dm = {
    dataset_name: 'toy',
    num_keypoints: 3,
    keypoint_id2name: new Map<number, string>([[0, 'a'], [1, 'l'], [2, 'r']]),
    flip_pairs: [[1, 2], [2, 1]],
    skeleton_links: [[0, 1], [0, 2]],
    sigmas: { dtype: 'float32', shape: [3], data: new Float32Array([0.5, 0.25, 0.25]) },
  };
  const s = readCheckpointConfig({ cfg: text, dataset_meta: dm })!.settings!;
  t.deepEqual(s.keypoints?.value, { datasetName: 'toy', names: ['a', 'l', 'r'], flipPairs: [[1, 2]], skeleton: [[0, 1], [0, 2]], sigmas: [0.5, 0.25, 0.25] });
  t.is(s.keypoints?.field, "meta['dataset_meta']");
});

test('UDP, other codecs, BGR input and post_process=None are refused, naming the field', (t) => {
  const man = readManifest('hrnet_w32_coco_256x192_dark');
  const refuse = (meta: Record<string, string>, field: RegExp) => {
    t.regex(expectPoseError(t, () => readCheckpointConfig(meta), 'CONFIG_UNSUPPORTED').key ?? '', field);
  };
  const v1 = config1x(man, { version: '1.x', form: 'pretty' });
  refuse({ cfg: v1.replaceAll("type='MSRAHeatmap'", "type='UDPHeatmap'") }, /decoder\.type/);
  refuse({ cfg: v1.replace("bgr_to_rgb=True", 'bgr_to_rgb=False') }, /bgr_to_rgb/);
  const v0 = config0x(man, { version: '0.12', form: 'file' });
  refuse({ config: v0.replace("post_process='unbiased'", 'post_process=None') }, /post_process/);
  refuse({ config: v0.replace('flip_test=True,', 'flip_test=True, use_udp=True,') }, /use_udp/);
  refuse({ config: v0.replace(/type='TopDownAffine'/, "type='TopDownAffine', use_udp=True") }, /pipeline\.1\.use_udp/);
});

test('old 0.x spellings: post_process=True with unbiased_decoding, and MMPose defaults for absent test_cfg keys', (t) => {
  const man = readManifest('res50_coco_256x192_dark');
  const v0 = config0x(man, { version: '0.12', form: 'file' });
  const old = v0.replace(/test_cfg=dict\([^)]*\)/, 'test_cfg=dict(flip_test=True, post_process=True, unbiased_decoding=True)');
  const s = readCheckpointConfig({ config: old })!.settings!;
  t.is(s.method?.value, 'unbiased');
  t.is(s.modulateKernel?.value, 11);
  t.regex(s.modulateKernel!.field, /absent: MMPose default/);
  t.is(s.shiftHeatmap?.value, false);
});
