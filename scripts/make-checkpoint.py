#!/usr/bin/python3
"""Writes a deterministic MMPose-layout checkpoint from a zoo manifest with torch.save.

    /usr/bin/python3 scripts/make-checkpoint.py MANIFEST.json[.gz] OUT.pth
        [--seed N] [--legacy] [--meta | --meta-json FILE] [--config-text FILE] [--key-map FILE]

The tests' stand-in for a published checkpoint: the state_dict holds every
entry of the manifest's "params" list ([key, shape, dtype], in that order)
with random values that keep activations O(1) through the deepest zoo nets in
eval mode. The MMPose reference outputs under test/data/reference were
computed on these values (seed 0; test/scripts/make-checkpoint.test.ts checks
their state_dict_sha256), so the recipe below is fixed: changing a
draw, its order or a constant breaks every parity test.

Values: one numpy.random.RandomState(seed); first one draw
randint(100000, 400000), the num_batches_tracked of every norm layer (int64
entries named otherwise are zero and draw nothing); then, for each float
entry in manifest order, one draw of its whole shape:
  norm layer P (P.running_mean is in the manifest):
    P.weight        uniform(0.5, 1.5) * g   (g = 0.5 for family "hrnet", else 0.55)
    P.bias          normal(0, 0.02)
    P.running_mean  normal(0, 0.1)
    P.running_var   uniform(0.5, 1.5)
    anything else   normal(0, 0.02)
  weight with >= 2 dims: normal(0, 0.9 * sqrt(2 / fan_in)) where
    fan_in = shape[1] * prod(shape[2:]); a 4-d key containing "deconv" is a
    transposed conv [in, out, kh, kw] of stride 2: fan_in = max(1, in*kh*kw/4)
  any other tensor (biases): normal(0, 0.02)
drawn in float64 and then cast to the manifest dtype.

Container: zip (torch >= 1.6, the default; byte-identical across runs for one
OUT file name, since torch names the archive folder after it) or --legacy
(pre-1.6 stream; same values, storage keys differ between runs).

Wrapper: the bare OrderedDict state_dict, or {"meta": ..., "state_dict": ...}:
  --meta           a meta as mmcv 1.x runners leave in published 0.x checkpoints
                   (env_info, seed, config text rebuilt from the manifest,
                   mmcv_version, time, epoch, iter, hook_msgs with a numpy
                   float64 and a numpy int64 scalar), drawn from RandomState(seed + 1)
  --meta-json FILE a JSON object used as meta verbatim, except these markers
                   (an object with exactly these keys) that JSON cannot spell:
                     {"__ndarray__": [nested lists], "dtype": "float32"}  numpy array
                     {"__numpy__": 0.5, "dtype": "float64"}               numpy scalar
                     {"__tuple__": [...]}                                  tuple
                     {"__dict__": [[key, value], ...]}                     dict with any
                                                                           keys (e.g. int)
  --config-text F  the text of F as meta["config"] (MMPose 0.x style); implies
                   --meta unless --meta-json is given
Keys: --key-map FILE, a JSON list of [from_prefix, to_prefix]; each key is
renamed by the first pair whose from_prefix starts it, after all values are
drawn (values equal the unrenamed file's), e.g. [["keypoint_head.", "head."]]
for the MMPose 1.x layout. Two keys renamed onto one name are refused.

Needs numpy and torch (Debian python3-numpy and python3-torch).
"""
import argparse
import gzip
import json
import math
import os
import sys
from collections import OrderedDict

import numpy as np
import torch

DTYPES = {'float16': np.float16, 'float32': np.float32, 'float64': np.float64, 'int64': np.int64}
NORM_WEIGHT_SCALE = {'hrnet': 0.5}
NORM_WEIGHT_SCALE_DEFAULT = 0.55


def fan_in(key, shape):
    receptive = math.prod(shape[2:])
    if len(shape) == 4 and 'deconv' in key:
        return max(1.0, shape[0] * receptive / 4.0)
    return float(shape[1] * receptive)


def draw(rs, key, shape, norm_prefixes, gamma):
    prefix, _, leaf = key.rpartition('.')
    if prefix in norm_prefixes:
        if leaf == 'weight':
            return rs.uniform(0.5, 1.5, shape) * gamma
        if leaf == 'running_var':
            return rs.uniform(0.5, 1.5, shape)
        return rs.normal(0.0, 0.1 if leaf == 'running_mean' else 0.02, shape)
    if len(shape) >= 2:
        return rs.normal(0.0, np.sqrt(2.0 / fan_in(key, shape)) * 0.9, shape)
    return rs.normal(0.0, 0.02, shape)


def state_dict(params, seed, family):
    """OrderedDict of torch tensors for the manifest's params list."""
    rs = np.random.RandomState(seed)
    norm_prefixes = {k[:-len('.running_mean')] for k, _, _ in params if k.endswith('.running_mean')}
    gamma = NORM_WEIGHT_SCALE.get(family, NORM_WEIGHT_SCALE_DEFAULT)
    batches = int(rs.randint(100000, 400000))
    out = OrderedDict()
    for key, shape, dtype in params:
        shape = tuple(int(d) for d in shape)
        if dtype not in DTYPES:
            raise SystemExit(f'{key}: unsupported dtype {dtype!r}')
        if dtype == 'int64':
            fill = batches if key.rpartition('.')[2] == 'num_batches_tracked' else 0
            values = np.full(shape, fill, dtype=np.int64)
        else:
            values = np.asarray(draw(rs, key, shape, norm_prefixes, gamma), dtype=DTYPES[dtype])
        out[key] = torch.from_numpy(np.ascontiguousarray(values).reshape(shape))
    return out


def rename(sd, pairs):
    out = OrderedDict()
    for key, value in sd.items():
        new = next((to + key[len(frm):] for frm, to in pairs if key.startswith(frm)), key)
        if new in out:
            raise SystemExit(f'--key-map renames two keys onto {new!r}')
        out[new] = value
    return out


def config_value(v, indent):
    """A JSON value spelled as an mmcv config file spells it."""
    inner = ' ' * (indent + 4)
    if isinstance(v, dict):
        if not v:
            return 'dict()'
        return 'dict(\n' + ',\n'.join(f'{inner}{k}={config_value(x, indent + 4)}' for k, x in v.items()) + ')'
    if isinstance(v, list):
        if any(isinstance(x, dict) for x in v):
            return '[\n' + ',\n'.join(inner + config_value(x, indent + 4) for x in v) + '\n' + inner + ']'
        return '[' + ', '.join(config_value(x, indent) for x in v) + ']'
    return repr(v)


def config_text(man):
    """The config text of an mmcv 0.x run, rebuilt from the manifest's model and data facts."""
    model = OrderedDict([('type', 'TopDown'), ('pretrained', man.get('pretrained')),
                         ('backbone', man['backbone']), ('keypoint_head', man['head']),
                         ('train_cfg', {}), ('test_cfg', man.get('test_cfg', {}))])
    return '\n'.join([
        "log_level = 'INFO'", 'load_from = None', 'resume_from = None',
        "dist_params = dict(backend='nccl')", "workflow = [('train', 1)]",
        'checkpoint_config = dict(interval=10)',
        "evaluation = dict(interval=10, metric='mAP', key_indicator='AP')",
        'total_epochs = 210',
        'model = ' + config_value(model, 0),
        'data_cfg = ' + config_value(man.get('data_cfg', {}), 0),
        '',
    ])


def published_meta(man, seed):
    """What an mmcv 1.2 EpochBasedRunner leaves in meta after 210 epochs."""
    name = man.get('model', 'model')
    rs = np.random.RandomState(seed + 1)
    iters = int(rs.randint(200000, 300000))
    best_epoch = 200 if ('rsn' in name or 'mspn' in name) else 210
    env = ['sys.platform: linux', 'Python: 3.7.9 (default, Aug 31 2020, 12:42:55) [GCC 7.3.0]',
           'CUDA available: True', 'GPU 0,1,2,3,4,5,6,7: Tesla V100-SXM2-32GB', 'PyTorch: 1.6.0',
           'TorchVision: 0.7.0', 'OpenCV: 4.4.0', 'MMCV: 1.2.1', 'MMPose: 0.9.0+unknown']
    return {
        'env_info': '\n'.join(env),
        'seed': None,
        'config': config_text(man),
        'mmcv_version': '1.2.1',
        'time': 'Fri Nov 27 03:14:15 2020',
        'epoch': 210,
        'iter': iters,
        'hook_msgs': {
            'last_ckpt': f'work_dirs/{name}/epoch_210.pth',
            'best_score': np.float64(0.7 + rs.uniform(0, 0.05)),
            'best_ckpt': f'work_dirs/{name}/best_AP_epoch_{best_epoch}.pth',
            'best_epoch': np.int64(best_epoch),
        },
    }


def from_json(v, where='meta'):
    """Decodes the --meta-json markers (module docstring) into numpy values, tuples and dicts."""
    if isinstance(v, list):
        return [from_json(x, f'{where}[{i}]') for i, x in enumerate(v)]
    if not isinstance(v, dict):
        return v
    keys = set(v)
    if keys == {'__ndarray__', 'dtype'}:
        return np.array(v['__ndarray__'], dtype=np.dtype(v['dtype']))
    if keys == {'__numpy__', 'dtype'}:
        return np.dtype(v['dtype']).type(v['__numpy__'])
    if keys == {'__tuple__'}:
        return tuple(from_json(x, f'{where}[{i}]') for i, x in enumerate(v['__tuple__']))
    if keys == {'__dict__'}:
        return {from_json(k, where): from_json(x, f'{where}[{k!r}]') for k, x in v['__dict__']}
    if any(k.startswith('__') and k.endswith('__') for k in keys):
        raise SystemExit(f'{where}: unknown or malformed marker object with keys {sorted(keys)}')
    return {k: from_json(x, f'{where}.{k}') for k, x in v.items()}


def read_json(path):
    """A JSON file, gunzipped when its name ends in .gz (the committed manifests are)."""
    with (gzip.open if path.endswith('.gz') else open)(path, 'rt', encoding='utf-8') as f:
        return json.load(f)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('manifest')
    ap.add_argument('out')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--legacy', action='store_true')
    wrap = ap.add_mutually_exclusive_group()
    wrap.add_argument('--meta', action='store_true')
    wrap.add_argument('--meta-json', metavar='FILE')
    ap.add_argument('--config-text', metavar='FILE')
    ap.add_argument('--key-map', metavar='FILE')
    args = ap.parse_args(argv)

    man = read_json(args.manifest)
    sd = state_dict(man['params'], args.seed, man.get('family'))
    if args.key_map:
        pairs = read_json(args.key_map)
        if not (isinstance(pairs, list) and all(isinstance(p, list) and len(p) == 2 and all(isinstance(s, str) for s in p) for p in pairs)):
            raise SystemExit(f'{args.key_map}: expected a JSON list of [from_prefix, to_prefix] string pairs')
        sd = rename(sd, pairs)

    meta = None
    if args.meta_json:
        meta = read_json(args.meta_json)
        if not isinstance(meta, dict):
            raise SystemExit(f'{args.meta_json}: meta must be a JSON object')
        meta = from_json(meta)
    elif args.meta or args.config_text:
        meta = published_meta(man, args.seed)
    if args.config_text:
        with open(args.config_text, encoding='utf-8') as f:
            meta['config'] = f.read()

    obj = sd if meta is None else {'meta': meta, 'state_dict': sd}
    torch.save(obj, args.out, _use_new_zipfile_serialization=not args.legacy)
    floats = sum(t.numel() for t in sd.values() if t.is_floating_point())
    print(f'{args.out}: {len(sd)} tensors, {floats} floats, {os.path.getsize(args.out)} bytes, '
          f'{"legacy" if args.legacy else "zip"}, seed {args.seed}{", with meta" if meta is not None else ""}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
