/**
 * Checkpoints whose meta carries a given MMPose config text, written by torch.save:
 * the state_dict of a zoo manifest (makeckpt.py's build_state_dict) or of a .pth file,
 * optionally cut to the first K heatmap channels (a custom keypoint set), wrapped as
 * MMPose 0.x ({meta: {config, ...}}) or 1.x ({meta: {cfg, dataset_meta, ...}}) write it.
 * Cached under .cache/ckpt by a digest of everything that goes in.
 *
 * (One place to switch to the project's own checkpoint writer once it lands.)
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE, SHARED, manifestPath, runPython } from './ckpt.js';

export interface ConfigCheckpointOptions {
  /** a zoo manifest name (its makeckpt.py state_dict, seed 0) or a path to a .pth ({meta, state_dict} or a bare state_dict) */
  base: { manifest: string } | { pth: string };
  /** 'config' (mmcv, 0.x) or 'cfg' (mmengine, 1.x) */
  metaKey: 'config' | 'cfg';
  text: string;
  /** 1.x: meta['dataset_meta'] as parse_pose_metainfo leaves it (sigmas become a float32 numpy array) */
  datasetMeta?: { dataset_name: string; num_keypoints: number; keypoint_id2name: Record<number, string>; flip_pairs: number[][]; skeleton_links: number[][]; sigmas: number[] };
  /** keep only the first K channels of keypoint_head.final_layer */
  keypoints?: number;
  legacy?: boolean;
}

const WRITER = `
import importlib.util, json, sys
from collections import OrderedDict
import numpy as np, torch
spec = json.load(open(sys.argv[1]))
if 'manifest' in spec['base']:
    m = importlib.util.spec_from_file_location('makeckpt', spec['makeckpt'])
    mk = importlib.util.module_from_spec(m); m.loader.exec_module(mk)
    man = json.load(open(spec['base']['manifest']))
    sd = mk.build_state_dict(man['params'], 0, man.get('family'))
else:
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
  const spec = {
    ...o,
    base: 'manifest' in o.base ? { manifest: manifestPath(o.base.manifest) } : { pth: o.base.pth },
    makeckpt: join(SHARED, 'bin', 'makeckpt.py'),
  };
  const json = JSON.stringify(spec);
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
