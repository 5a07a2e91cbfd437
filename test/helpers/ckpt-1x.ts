/**
 * MMPose 1.x (mmengine) checkpoints of a zoo manifest, written by the project's
 * checkpoint writer (scripts/make-checkpoint.py) with the same seed's weights as the 0.x
 * file and the keys renamed by its `--key-map` (mmpose1KeyMap). A published-style file
 * ({meta, state_dict}) is the writer's own output; a full training file adds what
 * mmengine's Runner.save_checkpoint writes beside them (message_hub, optimizer,
 * param_schedulers), through test/helpers/mmengine_ckpt.py, which draws the weights with
 * the writer's functions. Cached under .cache/ckpt.
 */
import { createHash } from 'node:crypto';
import { familyByName } from '../../src/arch/index.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cachedCheckpoint, CHECKPOINT_WRITER, makeCheckpoint, manifestPath, ndarray, readManifest, ROOT } from './ckpt.js';
import { mmpose1KeyMap } from './mmpose1-keys.js';

export interface Make1xOptions {
  legacy?: boolean;
  seed?: number;
  /** training: meta + state_dict + message_hub + optimizer + param_schedulers (default); converted: meta + state_dict; bare: state_dict */
  kind?: 'training' | 'converted' | 'bare';
  /** training only: add data_preprocessor.mean/std to the state_dict (older mmengine kept them) */
  preprocessorBuffers?: boolean;
  /** training only. extra-field: a HistoryBuffer with a field mmengine's never has; message-hub: a MessageHub object pickled itself */
  hostile?: 'extra-field' | 'message-hub';
}

export const MMENGINE_SCRIPT = join(ROOT, 'test', 'helpers', 'mmengine_ckpt.py');

/** A short config in mmengine's pretty_text style for the row (issue 11a owns the full config texts). */
function configText(man: any): string {
  const [w, h] = man.image_size;
  const [hw, hh] = man.heatmap_size;
  const k = man.num_output_channels;
  const head = familyByName(man.family).head;
  const codec = head.multiStage
    ? `dict(type='MegviiHeatmap', input_size=(${w}, ${h}), heatmap_size=(${hw}, ${hh}), kernel_size=5)`
    : `dict(type='MSRAHeatmap', input_size=(${w}, ${h}), heatmap_size=(${hw}, ${hh}), sigma=2, unbiased=${man.test_cfg?.post_process === 'unbiased' ? 'True' : 'False'})`;
  const stages = man.backbone.num_stages ?? 1;
  const headDict = head.multiStage
    ? `dict(type='${head.v1}', out_shape=(${hh}, ${hw}), unit_channels=256, out_channels=${k}, num_stages=${stages}, num_units=4, norm_cfg=dict(type='BN'), level_indices=[0, 1, 2, 3] * ${stages}, decoder=codec)`
    : `dict(type='${head.v1}', out_channels=${k}, decoder=codec)`;
  const py = (v: unknown): string =>
    typeof v === 'string' ? `'${v}'` : Array.isArray(v) ? `[${v.map(py).join(', ')}]` : v === true ? 'True' : v === false ? 'False' : v === null ? 'None' : typeof v === 'object' ? `dict(${Object.entries(v as object).map(([a, b]) => `${a}=${py(b)}`).join(', ')})` : String(v);
  return [
    "default_scope = 'mmpose'",
    'train_cfg = dict(max_epochs=210, val_interval=10)',
    `codec = ${codec}`,
    'model = dict(',
    "    type='TopdownPoseEstimator',",
    "    data_preprocessor=dict(type='PoseDataPreprocessor', mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], bgr_to_rgb=True),",
    `    backbone=${py(man.backbone)},`,
    `    head=${headDict},`,
    "    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True))",
    "dataset_type = 'CocoDataset'",
    "data_mode = 'topdown'",
    '',
  ].join('\n');
}

/** The meta mmengine's Runner.save_checkpoint writes (runner.py), in the writer's --meta-json markers. */
export function mmengineMeta(model: string, seed = 0): object {
  const man = readManifest(model);
  const k: number = man.num_output_channels;
  const names = Array.from({ length: k }, (_, i) => `keypoint_${i}`);
  const flipIndices = names.map((_, i) => i);
  for (const [a, b] of man.flip_pairs as [number, number][]) [flipIndices[a], flipIndices[b]] = [b, a];
  const links = Array.from({ length: Math.min(k, 20) - 1 }, (_, i) => ({ __tuple__: [i, i + 1] }));
  return {
    epoch: 210,
    iter: 250000 + seed,
    cfg: configText(man),
    seed,
    experiment_name: `${model}_20230101_000000`,
    time: '20230101_120000',
    mmengine_version: '0.10.3',
    dataset_meta: {
      dataset_name: man.dataset,
      num_keypoints: k,
      keypoint_id2name: { __dict__: names.map((n, i) => [i, n]) },
      keypoint_name2id: Object.fromEntries(names.map((n, i) => [n, i])),
      upper_body_ids: names.slice(0, 11).map((_, i) => i),
      lower_body_ids: names.slice(11).map((_, i) => i + 11),
      flip_indices: flipIndices,
      flip_pairs: (man.flip_pairs as number[][]).map((p) => ({ __tuple__: p })),
      keypoint_colors: ndarray(names.map(() => [51, 153, 255]), 'uint8'),
      num_skeleton_links: links.length,
      skeleton_links: links,
      skeleton_link_colors: ndarray(links.map(() => [0, 255, 0]), 'uint8'),
      dataset_keypoint_weights: ndarray(names.map(() => 1), 'float32'),
      sigmas: ndarray(names.map(() => 0.05), 'float32'),
    },
  };
}

/** Path of an MMPose 1.x checkpoint of `model` (cached). */
export function makeCheckpoint1x(model: string, opts: Make1xOptions = {}): string {
  const seed = opts.seed ?? 0;
  const kind = opts.kind ?? 'training';
  const keyMap = mmpose1KeyMap(readManifest(model).head.extra?.num_conv_layers ?? 0);
  if (kind !== 'training') {
    if (opts.preprocessorBuffers || opts.hostile) throw new Error('preprocessorBuffers and hostile are options of training files');
    return makeCheckpoint(model, { legacy: opts.legacy, seed, keyMap, ...(kind === 'converted' ? { metaJson: mmengineMeta(model, seed) } : {}) });
  }
  const meta = mmengineMeta(model, seed);
  const digest = createHash('sha256').update(JSON.stringify([keyMap, meta])).digest('hex').slice(0, 12);
  const tag = [model, `s${seed}`, opts.legacy ? 'legacy' : 'zip', 'mmengine-training', opts.preprocessorBuffers ? 'dp' : '', opts.hostile ?? '', digest]
    .filter(Boolean)
    .join('-');
  return cachedCheckpoint(tag, (tmp, tmpDir) => {
    writeFileSync(join(tmpDir, 'key-map.json'), JSON.stringify(keyMap));
    writeFileSync(join(tmpDir, 'meta.json'), JSON.stringify(meta));
    const args = [MMENGINE_SCRIPT, CHECKPOINT_WRITER, manifestPath(model), tmp, '--seed', String(seed)];
    args.push('--key-map', join(tmpDir, 'key-map.json'), '--meta-json', join(tmpDir, 'meta.json'));
    if (opts.legacy) args.push('--legacy');
    if (opts.preprocessorBuffers) args.push('--preprocessor-buffers');
    if (opts.hostile) args.push('--hostile', opts.hostile);
    return args;
  });
}
