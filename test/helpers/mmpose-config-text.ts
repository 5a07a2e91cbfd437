/**
 * Config texts of the real shape, generated from a zoo manifest (its config dicts), in
 * the layouts MMPose writes into checkpoints:
 *  - 0.x as a hand-written file (v0.12: channel_cfg referenced by name, `list(range(K))`,
 *    f-strings, `test_pipeline = val_pipeline`; v0.29: `_base_` files and
 *    `dataset_info={{_base_.dataset_info}}`), or as mmcv `Config.pretty_text` stores it
 *    (every value inlined; strings quoted as f"'{v}'" without escaping; for v0.29 the
 *    base's dataset_info inlined as `{0: dict(...)}` keypoint_info);
 *  - 1.x (configs/body_2d_keypoint/topdown_heatmap/) as a hand-written file (codec
 *    referenced, MSPNHead loss as list arithmetic, `{{_base_...}}`) or as mmengine's dump
 *    (repr strings, tuples over lines with trailing commas, values inlined).
 * Shapes follow MMPose's own files at v0.12.0, v0.29.0 and v1.3.2 (read in the
 * open-mmlab/mmpose history); nothing here is parsed by Python.
 */
import { DATASETS } from '../../src/eval/datasets.js';

export type Form = 'file' | 'pretty';

export interface TextOptions {
  form: Form;
  /** '0.12' (no dataset_info), '0.29' (dataset_info from _base_), '1.x' */
  version: '0.12' | '0.29' | '1.x';
  /** overrides of the manifest's test_cfg (0.x names) */
  testCfg?: Partial<{ flip_test: boolean; post_process: string; shift_heatmap: boolean; modulate_kernel: number }>;
  /** a custom keypoint set (names, swap partners, skeleton links, sigmas) instead of the manifest's dataset */
  keypoints?: CustomKeypoints;
}

export interface CustomKeypoints {
  name: string;
  names: string[];
  /** per keypoint: the name it swaps with, or '' */
  swap: string[];
  links: [string, string][];
  sigmas: number[];
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PAD = (n: number) => ' '.repeat(n);

/** A Python literal for a JSON value. `pretty`: mmcv's f"'{v}'" strings; else repr-like. */
export function py(v: unknown, ind = 0, opts: { mmcvStrings?: boolean; tuples?: boolean } = {}): string {
  const pad = PAD(ind + 4);
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(v);
  if (typeof v === 'string') return opts.mmcvStrings ? `'${v}'` : pyRepr(v);
  if (v instanceof Tuple) {
    if (opts.tuples) return '(\n' + v.items.map((x) => `${pad}${py(x, ind + 4, opts)},\n`).join('') + PAD(ind) + ')';
    return v.items.length === 1 ? `(${py(v.items[0], ind, opts)}, )` : `(${v.items.map((x) => py(x, ind, opts)).join(', ')})`;
  }
  if (v instanceof Raw) return v.text;
  if (Array.isArray(v)) {
    if (v.some((x) => x !== null && typeof x === 'object' && !(x instanceof Tuple) && !Array.isArray(x)))
      return '[\n' + v.map((x) => pad + py(x, ind + 4, opts)).join(',\n') + '\n' + pad + ']';
    return '[' + v.map((x) => py(x, ind, opts)).join(', ') + ']';
  }
  if (v instanceof Map) {
    if (v.size === 0) return '{}';
    return '{\n' + [...v].map(([k, x]) => `${pad}${typeof k === 'string' ? pyRepr(k) : k}:\n${pad}${py(x, ind + 4, opts)}`).join(',\n') + '}';
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 0) return 'dict()';
  if (keys.every((k) => IDENT.test(k))) return 'dict(\n' + keys.map((k) => `${pad}${k}=${py(o[k], ind + 4, opts)}`).join(',\n') + ')';
  return '{\n' + keys.map((k) => `${pad}${pyRepr(k)}: ${py(o[k], ind + 4, opts)}`).join(',\n') + '}';
}

function pyRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  return q + s.replace(/\\/g, '\\\\').replace(new RegExp(q, 'g'), '\\' + q).replace(/\n/g, '\\n') + q;
}

/** A tuple (JSON has none). */
export class Tuple {
  constructor(readonly items: unknown[]) {}
}
/** Text placed as is (a reference, a call, an expression). */
export class Raw {
  constructor(readonly text: string) {}
}
const raw = (t: string) => new Raw(t);

function datasetInfo(man: any, kp: CustomKeypoints | undefined): Record<string, unknown> {
  const names = kp ? kp.names : [...DATASETS[man.dataset as 'coco'].keypoints];
  const swap = kp ? kp.swap : swapsOf(man);
  const links = kp ? kp.links : DATASETS[man.dataset as 'coco'].skeleton.map(([a, b]) => [names[a], names[b]] as [string, string]);
  const sigmas = kp ? kp.sigmas : (DATASETS[man.dataset as 'coco'].sigmas ?? names.map(() => 0.025));
  return {
    dataset_name: kp ? kp.name : man.dataset,
    paper_info: { author: 'Lin, Tsung-Yi and Maire, Michael and Doll{\\\'a}r, Piotr', title: 'Microsoft coco: Common objects in context', year: '2014' },
    keypoint_info: new Map(names.map((n, i) => [i, { name: n, id: i, color: [51, 153, 255], type: 'upper', swap: swap[i] }])),
    skeleton_info: new Map(links.map((l, i) => [i, { link: new Tuple(l), id: i, color: [0, 255, 0] }])),
    joint_weights: names.map(() => 1.0),
    sigmas,
  };
}

function swapsOf(man: any): string[] {
  const names = [...DATASETS[man.dataset as 'coco'].keypoints];
  const swap = names.map(() => '');
  for (const [a, b] of man.flip_pairs as [number, number][]) {
    swap[a] = names[b];
    swap[b] = names[a];
  }
  return swap;
}

/** 0.x (mmcv) config text for `man` (a zoo manifest). */
export function config0x(man: any, o: TextOptions): string {
  const file = o.form === 'file';
  const k = o.keypoints ? o.keypoints.names.length : man.num_output_channels;
  const testCfg = { ...man.test_cfg, ...o.testCfg };
  const head = { ...man.head, out_channels: file ? raw("channel_cfg['num_output_channels']") : k };
  const channels = file ? raw(`list(range(${k}))`) : Array.from({ length: k }, (_, i) => i);
  const channelCfg = { num_output_channels: k, dataset_joints: k, dataset_channel: [channels], inference_channel: channels };
  const ref = (name: string, v: unknown) => (file ? raw(name) : v);
  const dataCfg = {
    image_size: man.image_size,
    heatmap_size: man.heatmap_size,
    num_output_channels: ref("channel_cfg['num_output_channels']", k),
    num_joints: ref("channel_cfg['dataset_joints']", k),
    dataset_channel: ref("channel_cfg['dataset_channel']", [channels]),
    inference_channel: ref("channel_cfg['inference_channel']", channels),
    ...Object.fromEntries(Object.entries(man.data_cfg).filter(([key]) => !(key in { image_size: 1, heatmap_size: 1, num_output_channels: 1, num_joints: 1, dataset_channel: 1, inference_channel: 1 }))),
  };
  const valPipeline = man.test_pipeline;
  const info = o.version === '0.29' ? datasetInfo(man, o.keypoints) : undefined;
  const dsType = o.keypoints ? 'TopDownCustomDataset' : man.dataset_type;
  const test = {
    type: dsType,
    ann_file: file ? raw("f'{data_root}/annotations/val.json'") : 'data/coco/annotations/val.json',
    img_prefix: file ? raw("f'{data_root}/val2017/'") : 'data/coco/val2017/',
    data_cfg: ref('data_cfg', dataCfg),
    pipeline: ref('test_pipeline', valPipeline),
    ...(info ? { dataset_info: file ? raw('{{_base_.dataset_info}}') : info } : {}),
  };
  const model = { type: 'TopDown', pretrained: man.pretrained, backbone: man.backbone, keypoint_head: head, train_cfg: {}, test_cfg: testCfg };
  const s = { mmcvStrings: !file };
  const lines: string[] = [];
  if (o.version === '0.29' && file) lines.push("_base_ = [\n    '../../../../_base_/default_runtime.py',\n    '../../../../_base_/datasets/coco.py'\n]");
  lines.push("log_level = 'INFO'", 'load_from = None', "dist_params = dict(backend='nccl')", "workflow = [('train', 1)]");
  lines.push("optimizer = dict(\n    type='Adam',\n    lr=5e-4,\n)", 'total_epochs = 210');
  if (file) lines.push("log_config = dict(\n    interval=50,\n    hooks=[\n        dict(type='TextLoggerHook'),\n        # dict(type='TensorboardLoggerHook')\n    ])");
  if (info && !file) lines.push('dataset_info = ' + py(info, 0, s));
  lines.push('channel_cfg = ' + py(channelCfg, 0, s));
  lines.push('# model settings\nmodel = ' + py(model, 0, s));
  lines.push('data_cfg = ' + py(dataCfg, 0, s));
  lines.push('val_pipeline = ' + py(valPipeline, 0, s));
  lines.push('test_pipeline = ' + (file ? 'val_pipeline' : py(valPipeline, 0, s)));
  lines.push("data_root = 'data/coco'");
  lines.push('data = ' + py({ samples_per_gpu: 64, workers_per_gpu: 2, test }, 0, s));
  return lines.join('\n') + '\n';
}

/** 1.x (mmengine) config text for `man`. */
export function config1x(man: any, o: TextOptions): string {
  const file = o.form === 'file';
  const t = { ...man.test_cfg, ...o.testCfg };
  const k = o.keypoints ? o.keypoints.names.length : man.num_output_channels;
  const tup = (a: number[]) => new Tuple(a);
  const codec =
    t.post_process === 'megvii'
      ? { type: 'MegviiHeatmap', input_size: tup(man.image_size), heatmap_size: tup(man.heatmap_size), kernel_size: t.modulate_kernel }
      : {
          type: 'MSRAHeatmap',
          input_size: tup(man.image_size),
          heatmap_size: tup(man.heatmap_size),
          sigma: 2,
          ...(t.post_process === 'unbiased' ? { unbiased: true, blur_kernel_size: t.modulate_kernel } : {}),
        };
  const msmu = man.head.type === 'TopDownMSMUHead';
  const h = man.head;
  const head = msmu
    ? {
        type: 'MSPNHead',
        out_shape: tup(h.out_shape),
        unit_channels: h.unit_channels,
        out_channels: k,
        num_stages: h.num_stages,
        num_units: h.num_units,
        norm_cfg: { type: 'BN' },
        loss: file
          ? raw("([dict(type='KeypointMSELoss', use_target_weight=True, loss_weight=0.25)] * 3 + [dict(type='KeypointOHKMMSELoss', use_target_weight=True, loss_weight=1.)]) * " + h.num_stages)
          : [{ type: 'KeypointMSELoss', use_target_weight: true, loss_weight: 0.25 }],
        decoder: file ? raw('codec') : codec,
      }
    : {
        type: 'HeatmapHead',
        in_channels: h.in_channels,
        out_channels: k,
        deconv_out_channels: h.num_deconv_layers === 0 ? null : tup([256, 256, 256]),
        loss: { type: 'KeypointMSELoss', use_target_weight: true },
        decoder: file ? raw('codec') : codec,
      };
  const backbone = { ...man.backbone };
  if (backbone.type === 'ResNet') backbone.init_cfg = { type: 'Pretrained', checkpoint: 'torchvision://resnet50' };
  const model = {
    type: 'TopdownPoseEstimator',
    data_preprocessor: { type: 'PoseDataPreprocessor', mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375], bgr_to_rgb: true },
    backbone,
    head,
    test_cfg: { flip_test: t.flip_test, flip_mode: 'heatmap', shift_heatmap: t.shift_heatmap },
  };
  const dsType = o.keypoints ? 'CustomDataset' : ({ coco: 'CocoDataset', coco_wholebody: 'CocoWholeBodyDataset', mpii: 'MpiiDataset' } as any)[man.dataset];
  const valPipeline = [
    file ? { type: 'LoadImage', file_client_args: raw('{{_base_.file_client_args}}') } : { type: 'LoadImage', file_client_args: { backend: 'disk' } },
    { type: 'GetBBoxCenterScale' },
    { type: 'TopdownAffine', input_size: file ? raw("codec['input_size']") : tup(man.image_size) },
    { type: 'PackPoseInputs' },
  ];
  const dataset: Record<string, unknown> = {
    type: dsType,
    data_root: file ? raw('data_root') : 'data/coco/',
    data_mode: 'topdown',
    ann_file: 'annotations/person_keypoints_val2017.json',
    bbox_file: 'data/coco/person_detection_results/COCO_val2017_detections_AP_H_56_person.json',
    data_prefix: { img: 'val2017/' },
    test_mode: true,
    pipeline: file ? raw('val_pipeline') : valPipeline,
  };
  if (o.keypoints) dataset.metainfo = datasetInfo(man, o.keypoints);
  const val = { batch_size: 32, num_workers: 2, persistent_workers: true, drop_last: false, sampler: { type: 'DefaultSampler', shuffle: false, round_up: false }, dataset };
  const s = { tuples: !file };
  const lines: string[] = [];
  if (file) lines.push("_base_ = ['../../../_base_/default_runtime.py']");
  else lines.push("default_scope = 'mmpose'", "backend_args = dict(backend='local')");
  lines.push('train_cfg = dict(max_epochs=210, val_interval=10)');
  lines.push("optim_wrapper = dict(optimizer=dict(\n    type='Adam',\n    lr=5e-4,\n))");
  lines.push('# codec settings\ncodec = ' + py(codec, 0, s));
  lines.push('# model settings\nmodel = ' + py(model, 0, s));
  lines.push("dataset_type = '" + dsType + "'", "data_mode = 'topdown'", "data_root = 'data/coco/'");
  lines.push('val_pipeline = ' + py(valPipeline, 0, s));
  lines.push('val_dataloader = ' + py(val, 0, s));
  lines.push('test_dataloader = ' + (file ? 'val_dataloader' : py(val, 0, s)));
  lines.push(file ? "val_evaluator = dict(\n    type='CocoMetric',\n    ann_file=data_root + 'annotations/person_keypoints_val2017.json')" : "val_evaluator = dict(ann_file='data/coco/annotations/person_keypoints_val2017.json', type='CocoMetric')");
  lines.push('test_evaluator = ' + (file ? 'val_evaluator' : "dict(ann_file='data/coco/annotations/person_keypoints_val2017.json', type='CocoMetric')"));
  return lines.join('\n') + '\n';
}

/** A custom 5-keypoint set (a hand: wrist and four fingertips, two mirrored pairs). */
export const FIVE_KEYPOINTS: CustomKeypoints = {
  name: 'toy_hand5',
  names: ['wrist', 'left_tip', 'right_tip', 'left_knuckle', 'right_knuckle'],
  swap: ['', 'right_tip', 'left_tip', 'right_knuckle', 'left_knuckle'],
  links: [['wrist', 'left_knuckle'], ['wrist', 'right_knuckle'], ['left_knuckle', 'left_tip'], ['right_knuckle', 'right_tip']],
  sigmas: [0.05, 0.03, 0.03, 0.04, 0.04],
};
