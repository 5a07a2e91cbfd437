/**
 * scripts/make-checkpoint.py, the project's checkpoint writer (requireTorch: skipped locally
 * without torch, failing in CI):
 *  - its seed-0 weights are the ones every MMPose reference was computed on: the reference's
 *    state_dict_sha256 (key bytes then raw little-endian tensor bytes, in order) matches, in
 *    both containers;
 *  - zip output is byte-identical across runs for one file name;
 *  - --key-map renames keys and keeps every value; --meta-json markers become numpy arrays,
 *    numpy scalars, tuples and int-keyed dicts; --config-text lands in meta.config;
 *  - bad options are refused with the file or key named, and nothing is written.
 */
import test from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCheckpoint } from '../../src/pth/index.js';
import type { Checkpoint } from '../../src/pth/types.js';
import { CHECKPOINT_WRITER, makeCheckpoint, manifestPath, ndarray, numpyScalar, PYTHON, requireTorch, runPython } from '../helpers/ckpt.js';
import { readReference, referenceModels } from '../helpers/compare.js';

/** The references' state_dict_sha256 recipe over a checkpoint read by pose-port. */
function stateDictSha256(ckpt: Checkpoint): string {
  const h = createHash('sha256');
  for (const e of ckpt.tensors.entries) {
    h.update(Buffer.from(e.name, 'utf8'));
    h.update(e.bytes());
  }
  return h.digest('hex');
}

async function withCheckpoint<T>(file: string, fn: (c: Checkpoint) => T): Promise<T> {
  const c = await openCheckpoint(file);
  try {
    return fn(c);
  } finally {
    c.close();
  }
}

for (const model of referenceModels()) {
  for (const legacy of [false, true]) {
    test.serial(`${model} seed 0 (${legacy ? 'legacy' : 'zip'}) holds the weights its MMPose reference was computed on`, async (t) => {
      if (!requireTorch()) return t.pass('torch absent: skipped locally');
      const weights = readReference(model).meta.weights;
      t.is(weights.seed, 0);
      await withCheckpoint(makeCheckpoint(model, { legacy, meta: true }), (c) => {
        t.is(c.tensors.entries.length, weights.num_entries);
        t.is(stateDictSha256(c), weights.state_dict_sha256);
      });
    });
  }
}

test.serial('zip output is byte-identical across runs for one file name, and differs for another seed', (t) => {
  if (!requireTorch()) return t.pass('torch absent: skipped locally');
  const dir = mkdtempSync(join(tmpdir(), 'pose-port-writer-'));
  try {
    const write = (sub: string, seed: number): Buffer => {
      mkdirSync(join(dir, sub));
      const out = join(dir, sub, 'rsn18.pth');
      execFileSync(PYTHON, [CHECKPOINT_WRITER, manifestPath('rsn18_coco_256x192'), out, '--meta', '--seed', String(seed)], { stdio: 'ignore' });
      return readFileSync(out);
    };
    const a = write('a', 3);
    const b = write('b', 3);
    t.true(a.equals(b));
    t.false(a.equals(write('c', 4)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.serial('--key-map renames after drawing (values equal), --meta-json markers and --config-text reach the file', async (t) => {
  if (!requireTorch()) return t.pass('torch absent: skipped locally');
  const model = 'res50_coco_256x192_dark';
  const plain = await withCheckpoint(makeCheckpoint(model), (c) => c.tensors.entries.map((e) => [e.name, createHash('sha256').update(e.bytes()).digest('hex')]));
  const metaJson = {
    mmengine_version: '0.7.1',
    dataset_meta: {
      sigmas: ndarray([0.026, 0.025], 'float32'),
      keypoint_id2name: { __dict__: [[0, 'nose'], [1, 'left_eye']] },
      skeleton_links: [{ __tuple__: [0, 1] }],
    },
    epoch: numpyScalar(210, 'int64'),
    best: numpyScalar(0.75, 'float64'),
  };
  const file = makeCheckpoint(model, { metaJson, keyMap: [['keypoint_head.', 'head.'], ['backbone.layer1.', 'backbone.res_layer1.']] });
  await withCheckpoint(file, (c) => {
    const renamed = plain.map(([k, h]) => [k.replace(/^keypoint_head\./, 'head.').replace(/^backbone\.layer1\./, 'backbone.res_layer1.'), h]);
    t.deepEqual(c.tensors.entries.map((e) => [e.name, createHash('sha256').update(e.bytes()).digest('hex')]), renamed);
    t.deepEqual(c.wrapperKeys, ['meta', 'state_dict']);
  });
  // what torch.load sees (pose-port's plain view flattens numpy scalars to numbers)
  const seen = runPython(
    `import sys, torch, numpy as np
m = torch.load(sys.argv[1])['meta']
d = m['dataset_meta']
print(type(d['sigmas']).__name__, d['sigmas'].dtype, d['sigmas'].tolist() == np.array([0.026, 0.025], np.float32).tolist(),
      d['keypoint_id2name'], d['skeleton_links'], type(m['epoch']).__name__, type(m['best']).__name__, m['best'], m['mmengine_version'])`,
    [file],
  );
  t.is(seen.trim(), "ndarray float32 True {0: 'nose', 1: 'left_eye'} [(0, 1)] int64 float64 0.75 0.7.1");

  const configText = "model = dict(type='TopDown')\n";
  await withCheckpoint(makeCheckpoint(model, { configText }), (c) => {
    const meta = c.meta as Record<string, any>;
    t.is(meta.config, configText);
    t.is(meta.mmcv_version, '1.2.1', 'the rest of the published-style meta stays');
  });
});

test.serial('bad options are refused, naming the problem, and write nothing', (t) => {
  if (!requireTorch()) return t.pass('torch absent: skipped locally');
  const dir = mkdtempSync(join(tmpdir(), 'pose-port-writer-'));
  try {
    const out = join(dir, 'x.pth');
    const run = (name: string, text: string, flag: string): string => {
      writeFileSync(join(dir, name), text);
      const r = spawnSync(PYTHON, [CHECKPOINT_WRITER, manifestPath('rsn18_coco_256x192'), out, flag, join(dir, name)], { encoding: 'utf8' });
      t.not(r.status, 0);
      t.false(existsSync(out));
      return r.stderr;
    };
    t.regex(run('collide.json', '[["backbone.top.top.0.conv.weight", "w"], ["backbone.top.top.0.bn.weight", "w"]]', '--key-map'), /renames two keys onto 'w'/);
    t.regex(run('pairs.json', '{"a": "b"}', '--key-map'), /pairs\.json: expected a JSON list/);
    t.regex(run('marker.json', '{"a": {"__ndarray__": [1], "dtpye": "int64"}}', '--meta-json'), /meta\.a: unknown or malformed marker/);
    t.regex(run('list.json', '[1]', '--meta-json'), /list\.json: meta must be a JSON object/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
