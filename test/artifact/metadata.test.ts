import test from 'ava';
import { readFileSync } from 'node:fs';
import { PosePortError } from '../../src/core/errors.js';
import { validateJson } from '../../src/core/json-schema.js';
import { emitOnnx, validateOnnx } from '../../src/emit/onnx/index.js';
import { checkModelMetadata, MODEL_METADATA_SCHEMA, onnxMetadataProps, type ModelMetadata } from '../../src/artifact/metadata.js';
import { inputSizeOf, readManifest } from '../helpers/ckpt.js';
import { headGraph } from '../ir/graphs.js';
import { expectPoseError } from '../helpers/errors.js';

const COCO_NAMES = [
  'nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear', 'left_shoulder', 'right_shoulder', 'left_elbow',
  'right_elbow', 'left_wrist', 'right_wrist', 'left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle', 'right_ankle',
];
const COCO_SKELETON: [number, number][] = [
  [15, 13], [13, 11], [16, 14], [14, 12], [11, 12], [5, 11], [6, 12], [5, 6], [5, 7], [6, 8], [7, 9], [8, 10], [1, 2], [0, 1], [0, 2], [1, 3], [2, 4], [3, 5], [4, 6],
];

/** A sample built from a real zoo manifest (res50 DARK): its test_cfg, sizes and normalisation. */
function sample(model = 'res50_coco_256x192_dark'): ModelMetadata {
  const m = readManifest(model);
  const { post_process, ...rest } = m.test_cfg;
  return {
    poseport_version: '0.1.0',
    source: { file: `${model}.pth`, sha256: 'ab'.repeat(32) },
    family: m.family,
    arch: 'res50',
    config: { depth: 50 },
    dataset: m.dataset,
    num_keypoints: m.num_output_channels,
    keypoint_names: COCO_NAMES,
    flip_pairs: m.flip_pairs,
    skeleton: COCO_SKELETON,
    input: { name: 'input', layout: 'NCHW', size_hw: inputSizeOf(model), mean: m.normalize.mean, std: m.normalize.std, color: 'RGB', range: '0..1 before normalisation' },
    heatmap: { name: 'heatmaps', size_hw: [m.heatmap_size[1], m.heatmap_size[0]] },
    decode: { method: post_process, ...rest },
    zoo: { name: model, metrics: { AP: 0.724, AR: 0.78 } },
  };
}

test('the schema file parses, and a manifest-derived sample is valid', (t) => {
  JSON.parse(readFileSync(new URL('../../schemas/model-metadata.schema.json', import.meta.url), 'utf8'));
  t.is(validateJson(MODEL_METADATA_SCHEMA, sample()), null);
  t.is(validateJson(MODEL_METADATA_SCHEMA, { ...sample('rsn50_coco_256x192'), family: 'rsn', arch: null, zoo: undefined }), null);
  t.notThrows(() => checkModelMetadata(sample()));
});

test('the schema is strict: each broken field is reported by path', (t) => {
  const cases: [string, (m: any) => void, string, RegExp][] = [
    ['extra top-level key', (m) => (m.extra = 1), '$.extra', /unexpected property 'extra'/],
    ['missing decode', (m) => delete m.decode, '$', /missing required property 'decode'/],
    ['short sha', (m) => (m.source.sha256 = 'abc'), '$.source.sha256', /does not match/],
    ['unknown dataset', (m) => (m.dataset = 'crowdpose'), '$.dataset', /one of/],
    ['unknown decode method', (m) => (m.decode.method = 'udp'), '$.decode.method', /one of/],
    ['unknown decode key', (m) => (m.decode.blur = 3), '$.decode.blur', /unexpected property/],
    ['triple in flip_pairs', (m) => m.flip_pairs.push([1, 2, 3]), '$.flip_pairs[8]', /at most 2 items/],
    ['negative index', (m) => (m.skeleton[0] = [-1, 2]), '$.skeleton[0][0]', /below the minimum 0/],
    ['BGR', (m) => (m.input.color = 'BGR'), '$.input.color', /expected "RGB"/],
    ['zero std', (m) => (m.input.std[1] = 0), '$.input.std[1]', /greater than 0/],
    ['size as string', (m) => (m.heatmap.size_hw = ['64', 48]), '$.heatmap.size_hw[0]', /expected integer/],
    ['arch with spaces', (m) => (m.arch = 'res 50'), '$.arch', /does not match/],
    ['metric not a number', (m) => (m.zoo.metrics.AP = '72.4'), '$.zoo.metrics.AP', /expected number/],
    ['duplicate names', (m) => (m.keypoint_names[1] = 'nose'), '$.keypoint_names', /items 0 and 1 are equal/],
  ];
  for (const [what, edit, path, re] of cases) {
    const m = structuredClone(sample());
    edit(m);
    const f = validateJson(MODEL_METADATA_SCHEMA, m);
    t.truthy(f, what);
    t.is(f?.path, path, what);
    t.regex(f?.message ?? '', re, what);
  }
});

test('checkModelMetadata relates lengths and indices to num_keypoints', (t) => {
  const m = sample();
  m.keypoint_names = m.keypoint_names.slice(1);
  t.throws(() => checkModelMetadata(m), { instanceOf: PosePortError, message: /\$\.keypoint_names: 16 names for num_keypoints 17/ });
  const m2 = sample();
  m2.flip_pairs[3] = [7, 17];
  t.throws(() => checkModelMetadata(m2), { instanceOf: PosePortError, message: /\$\.flip_pairs\[3\]: \[7, 17\]/ });
});

test('metadata_props carry the JSON and flat keys, and survive the ONNX round trip', (t) => {
  const props = onnxMetadataProps(sample());
  t.deepEqual(Object.keys(props), ['pose_port', 'pose_port.version', 'dataset', 'num_keypoints', 'input_size', 'heatmap_size', 'decode', 'source_sha256', 'zoo']);
  t.is(props.input_size, '256x192');
  t.is(props.heatmap_size, '64x48');
  t.is(props.decode, 'unbiased');
  const s = validateOnnx(emitOnnx(headGraph(), { metadata: props }));
  t.deepEqual(JSON.parse(s.metadata.pose_port), sample());
  const bad = sample();
  (bad as any).decode.method = 'fancy';
  const e = expectPoseError(t, () => onnxMetadataProps(bad));
  t.is(e!.code, 'EMIT_FORMAT');
});
