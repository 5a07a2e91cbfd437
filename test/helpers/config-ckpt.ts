/**
 * Checkpoints whose meta carries a given MMPose config text, written by torch.save.
 * From a zoo manifest: the project's writer (scripts/make-checkpoint.py through
 * makeCheckpoint) with meta {config | cfg, dataset_meta} and, for 1.x, the keys renamed
 * as MMPose 1.x names them (`keypoint_head.` -> `head.`; enough for heads without extra
 * convolutions, which is every zoo row). From a .pth file (the small bundled fixture):
 * its state_dict, optionally cut to the first K heatmap channels (a custom keypoint
 * set), re-saved here. Cached under .cache/ckpt by a digest of everything that goes in.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE, makeCheckpoint, ndarray, runPython } from './ckpt.js';

export interface ConfigCheckpointOptions {
  /** a zoo manifest name (the writer's seed-0 state_dict) or a path to a .pth ({meta, state_dict} or a bare state_dict) */
  base: { manifest: string } | { pth: string };
  /** 'config' (mmcv, 0.x) or 'cfg' (mmengine, 1.x) */
  metaKey: 'config' | 'cfg';
  text: string;
  /** 1.x: meta['dataset_meta'] as parse_pose_metainfo leaves it (sigmas become a float32 numpy array) */
  datasetMeta?: { dataset_name: string; num_keypoints: number; keypoint_id2name: Record<number, string>; flip_pairs: number[][]; skeleton_links: number[][]; sigmas: number[] };
  /** .pth base only: keep the first K channels of keypoint_head.final_layer */
  keypoints?: number;
  /** manifest base: MMPose 1.x key names (`head.` instead of `keypoint_head.`) */
  layout1x?: boolean;
  legacy?: boolean;
}

const WRITER = `
import json, sys
from collections import OrderedDict
import numpy as np, torch
spec = json.load(open(sys.argv[1]))
obj = torch.load(spec['base']['pth'])
sd = obj['state_dict'] if 'state_dict' in obj else obj
k = spec.get('keypoints')
if k:
    sd = OrderedDict((n, t[:k].clone() if n.startswith('keypoint_head.final_layer.') else t) for n, t in sd.items())
meta = {'mmcv_version': '1.3.8', 'time': 'Mon Jun 14 10:00:00 2021', 'epoch': 210, spec['metaKey']: spec['text']}
dm = spec.get('datasetMeta')
if dm:
    dm = dict(dm)
    dm['keypoint_id2name'] = {int(i): n for i, n in dm['keypoint_id2name'].items()}
    dm['keypoint_name2id'] = {n: i for i, n in dm['keypoint_id2name'].items()}
    dm['flip_pairs'] = [list(p) for p in dm['flip_pairs']]
    dm['skeleton_links'] = [tuple(p) for p in dm['skeleton_links']]
    dm['sigmas'] = np.array(dm['sigmas'], dtype=np.float32)
    meta['dataset_meta'] = dm
    meta['mmengine_version'] = '0.7.4'
torch.save({'meta': meta, 'state_dict': sd}, sys.argv[2], _use_new_zipfile_serialization=not spec.get('legacy'))
`;

/** Path of the checkpoint (cached). */
export function configCheckpoint(o: ConfigCheckpointOptions): string {
  if ('manifest' in o.base) {
    const meta: Record<string, unknown> = { mmcv_version: '1.3.8', time: 'Mon Jun 14 10:00:00 2021', epoch: 210, [o.metaKey]: o.text };
    if (o.datasetMeta) {
      const d = o.datasetMeta;
      meta.mmengine_version = '0.7.4';
      meta.dataset_meta = {
        ...d,
        keypoint_id2name: { __dict__: Object.entries(d.keypoint_id2name).map(([i, n]) => [Number(i), n]) },
        skeleton_links: d.skeleton_links.map((l) => ({ __tuple__: l })),
        sigmas: ndarray(d.sigmas, 'float32'),
      };
    }
    return makeCheckpoint(o.base.manifest, { legacy: o.legacy, metaJson: meta, keyMap: o.layout1x ? [['keypoint_head.', 'head.']] : undefined });
  }
  const json = JSON.stringify(o);
  const tag = createHash('sha256').update(WRITER).update(json).digest('hex').slice(0, 16);
  const out = join(CACHE, `config-${tag}.pth`);
  if (existsSync(out)) return out;
  const tmpDir = join(CACHE, `.tmp-config-${process.pid}-${Date.now()}`);
  mkdirSync(tmpDir, { recursive: true });
  try {
    const specFile = join(tmpDir, 'spec.json');
    writeFileSync(specFile, json);
    const tmp = join(tmpDir, `config-${tag}.pth`);
    runPython(WRITER, [specFile, tmp]);
    renameSync(tmp, out);
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
  return out;
}
