#!/usr/bin/env python3
"""MMPose 1.x (mmengine) checkpoints of a zoo manifest's weights, for tests.

    python3 mmengine_ckpt.py WRITER MANIFEST OUT [--legacy] [--seed N]
        [--kind training|converted|bare] [--preprocessor-buffers]
        [--hostile extra-field|message-hub]

The weights are the project writer's (WRITER: the path of
scripts/make-checkpoint.py; its state_dict with the same seed), so values are
identical to the 0.x file;
only the key names change, by `mmpose1_key` below (the one place that knows
them), following MMPose 1.x's own conversion of 0.x files:
TopdownPoseEstimator renames `keypoint_head` to `head`
(pose_estimators/base.py `_load_state_dict_pre_hook`) and HeatmapHead splits the
old `final_layer.<i>` into `conv_layers.<i>` and `final_layer`
(heads/heatmap_heads/heatmap_head.py `_load_state_dict_pre_hook`); MSPNHead keeps
`predict_layers.<n>.*` as they were.

--kind training   what mmengine's Runner.save_checkpoint writes (runner.py):
                  meta {cfg, seed, experiment_name, time, mmengine_version,
                  epoch, iter, dataset_meta}, state_dict (an OrderedDict with
                  `_metadata`, as weights_to_cpu keeps it), message_hub
                  (MessageHub.state_dict(): log_scalars of HistoryBuffer
                  objects, runtime_info, resumed_keys), optimizer (a real
                  torch Adam state_dict, over the head's final layer only to
                  keep files small) and param_schedulers (LinearLR warm-up and
                  MultiStepLR with its Counter of milestones).
--kind converted  what MMPose's tools/misc/publish_model.py leaves: meta and
                  state_dict.
--kind bare       the state_dict alone.
--preprocessor-buffers  adds data_preprocessor.mean/std to the state_dict, as
                  mmengine versions that kept them persistent did.
--hostile extra-field   a HistoryBuffer whose state carries a field mmengine's
                  never has; --hostile message-hub pickles a MessageHub object
                  itself (a class outside any allowlist).

HistoryBuffer and MessageHub here are stand-ins registered under mmengine's
module names, so torch.save pickles the real global names without mmengine.
"""
import argparse
import importlib.util
import sys
import types
from collections import Counter, OrderedDict

import numpy as np
import torch


def load_writer(path):
    spec = importlib.util.spec_from_file_location('make_checkpoint', path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def mmpose1_key(key, num_conv_layers):
    """A 0.x state_dict key as MMPose 1.x names it."""
    if not key.startswith('keypoint_head.'):
        return key
    rest = key[len('keypoint_head.'):].split('.')
    if rest[0] == 'final_layer' and len(rest) == 3:
        if int(rest[1]) < 3 * num_conv_layers:
            return 'head.conv_layers.' + '.'.join(rest[1:])
        return 'head.final_layer.' + rest[2]
    return 'head.' + '.'.join(rest)


def register_module(name, **attrs):
    parts = name.split('.')
    for i in range(1, len(parts) + 1):
        sys.modules.setdefault('.'.join(parts[:i]),
                               types.ModuleType('.'.join(parts[:i])))
    mod = sys.modules[name]
    for k, v in attrs.items():
        v.__module__ = name
        v.__qualname__ = k
        setattr(mod, k, v)


class HistoryBuffer:
    """mmengine.logging.history_buffer.HistoryBuffer's pickled shape."""

    def __init__(self, log_history=(), count_history=(), max_length=1000000):
        self.max_length = max_length
        self._log_history = np.array(log_history)
        self._count_history = np.array(count_history)

    def update(self, value, count=1):
        self._log_history = np.append(self._log_history, value)
        self._count_history = np.append(self._count_history, count)


class MessageHub:
    def __init__(self, state):
        self._log_scalars = state['log_scalars']
        self._runtime_info = state['runtime_info']
        self._resumed_keys = state['resumed_keys']


register_module('mmengine.logging.history_buffer', HistoryBuffer=HistoryBuffer)
register_module('mmengine.logging.message_hub', MessageHub=MessageHub)


def codec_and_head(man):
    w, h = man['image_size']
    hw, hh = man['heatmap_size']
    k = man['num_output_channels']
    post = man.get('test_cfg', {}).get('post_process', 'default')
    if man['family'] in ('rsn', 'mspn'):
        codec = f"dict(type='MegviiHeatmap', input_size=({w}, {h}), heatmap_size=({hw}, {hh}), kernel_size=5)"
        stages = man['backbone'].get('num_stages', 1)
        head = (f"dict(type='MSPNHead', out_shape=({hh}, {hw}), unit_channels=256, out_channels={k}, "
                f"num_stages={stages}, num_units=4, norm_cfg=dict(type='BN'), "
                f"level_indices=[0, 1, 2, 3] * {stages}, decoder=codec)")
    else:
        unbiased = 'True' if post == 'unbiased' else 'False'
        codec = (f"dict(type='MSRAHeatmap', input_size=({w}, {h}), heatmap_size=({hw}, {hh}), "
                 f"sigma=2, unbiased={unbiased})")
        head = f"dict(type='HeatmapHead', out_channels={k}, decoder=codec)"
    return codec, head


def config_text(man):
    """A short config in mmengine's pretty_text style (issue 11a owns the full ones)."""
    codec, head = codec_and_head(man)
    backbone = dict(man['backbone'])
    backbone_text = 'dict(' + ', '.join(f'{k}={v!r}' for k, v in backbone.items()) + ')'
    return '\n'.join([
        "default_scope = 'mmpose'",
        'train_cfg = dict(max_epochs=210, val_interval=10)',
        f'codec = {codec}',
        'model = dict(',
        "    type='TopdownPoseEstimator',",
        "    data_preprocessor=dict(type='PoseDataPreprocessor', mean=[123.675, 116.28, 103.53], "
        'std=[58.395, 57.12, 57.375], bgr_to_rgb=True),',
        f'    backbone={backbone_text},',
        f'    head={head},',
        "    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True))",
        "dataset_type = 'CocoDataset'",
        "data_mode = 'topdown'",
        '',
    ])


def dataset_meta(man):
    k = man['num_output_channels']
    names = [f'keypoint_{i}' for i in range(k)]
    flip_pairs = [tuple(p) for p in man.get('flip_pairs', [])]
    flip_indices = list(range(k))
    for a, b in flip_pairs:
        flip_indices[a], flip_indices[b] = b, a
    links = [(i, i + 1) for i in range(min(k, 20) - 1)]
    return {
        'dataset_name': man.get('dataset', 'coco'),
        'num_keypoints': k,
        'keypoint_id2name': {i: n for i, n in enumerate(names)},
        'keypoint_name2id': {n: i for i, n in enumerate(names)},
        'upper_body_ids': list(range(min(k, 11))),
        'lower_body_ids': list(range(min(k, 11), k)),
        'flip_indices': flip_indices,
        'flip_pairs': flip_pairs,
        'keypoint_colors': np.array([[51, 153, 255]] * k, dtype=np.uint8),
        'num_skeleton_links': len(links),
        'skeleton_links': links,
        'skeleton_link_colors': np.array([[0, 255, 0]] * len(links), dtype=np.uint8),
        'dataset_keypoint_weights': np.ones(k, dtype=np.float32),
        'sigmas': np.full(k, 0.05, dtype=np.float32),
    }


def history(values, counts=None):
    buf = HistoryBuffer()
    for i, v in enumerate(values):
        buf.update(v, 1 if counts is None else counts[i])
    return buf


def training_state(man, cfg, meta, sd, seed, hostile):
    rs = np.random.RandomState(seed + 2)
    epoch, iters = meta['epoch'], meta['iter']
    log_scalars = OrderedDict([
        ('train/lr', history(list(5e-3 * (1 - rs.uniform(0, 0.1, 5))))),
        ('train/loss', history(list(rs.uniform(0.0005, 0.001, 5)))),
        ('train/loss_kpt', history(list(rs.uniform(0.0005, 0.001, 5)))),
        ('train/acc_pose', history(list(rs.uniform(0.7, 0.9, 5)))),
        ('train/time', history(list(rs.uniform(0.2, 0.4, 5)))),
        ('train/data_time', history(list(rs.uniform(0.001, 0.01, 5)))),
        ('val/coco/AP', history([float(rs.uniform(0.70, 0.75))], [1])),
    ])
    if hostile == 'extra-field':
        log_scalars['train/lr'].note = 'a field HistoryBuffer never has'
    runtime_info = OrderedDict([
        ('cfg', cfg), ('seed', seed), ('experiment_name', meta['experiment_name']),
        ('mmengine_version', meta['mmengine_version']), ('loop_stage', 'train'),
        ('epoch', epoch), ('iter', iters), ('max_epochs', 210), ('max_iters', iters),
        ('dataset_meta', meta['dataset_meta']), ('keep_ckpt_ids', [epoch - 10, epoch]),
        ('last_ckpt', f"work_dirs/{man['model']}/epoch_{epoch}.pth"),
        ('best_score', np.float64(rs.uniform(0.70, 0.75))),
        ('best_ckpt', f"work_dirs/{man['model']}/best_coco_AP_epoch_{epoch}.pth"),
        ('coco/AP', float(rs.uniform(0.70, 0.75))),
    ])
    resumed = OrderedDict((k, True) for k in list(log_scalars) + list(runtime_info))
    hub = {'log_scalars': log_scalars, 'runtime_info': runtime_info, 'resumed_keys': resumed}
    if hostile == 'message-hub':
        hub = MessageHub(hub)

    # a real Adam state_dict (step, exp_avg, exp_avg_sq), over the last two head tensors
    params = [torch.nn.Parameter(v.clone().float()) for v in list(sd.values())[-2:]]
    opt = torch.optim.Adam(params, lr=5e-3)
    for p in params:
        p.grad = torch.full_like(p, 1e-3)
    opt.step()
    optimizer = opt.state_dict()
    for g in optimizer['param_groups']:
        g['initial_lr'] = 5e-3

    common = {'optimizer': None, 'param_name': 'lr', 'begin': 0, 'by_epoch': False,
              'base_values': [5e-3], 'last_step': iters, '_global_step': iters,
              'verbose': False, '_get_value_called_within_step': False,
              '_last_value': [5e-5]}
    common.pop('optimizer')
    linear = dict(common, end=500, start_factor=0.001, end_factor=1.0, total_iters=499)
    multistep = dict(common, end=210, by_epoch=True, last_step=epoch,
                     milestones=Counter([170, 200]), gamma=0.1)
    return hub, optimizer, [linear, multistep]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('writer')
    ap.add_argument('manifest')
    ap.add_argument('out')
    ap.add_argument('--legacy', action='store_true')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--kind', choices=['training', 'converted', 'bare'], default='training')
    ap.add_argument('--preprocessor-buffers', action='store_true')
    ap.add_argument('--hostile', choices=['extra-field', 'message-hub'])
    args = ap.parse_args(argv)
    mk = load_writer(args.writer)
    man = mk.read_json(args.manifest)
    sd0 = mk.state_dict(man['params'], args.seed, man.get('family'))
    n_conv = man['head'].get('extra', {}).get('num_conv_layers', 0) or 0
    sd = OrderedDict()
    for k, v in sd0.items():
        sd[mmpose1_key(k, n_conv)] = v
    assert len(sd) == len(sd0)
    if args.preprocessor_buffers:
        sd['data_preprocessor.mean'] = torch.tensor([123.675, 116.28, 103.53]).view(-1, 1, 1)
        sd['data_preprocessor.std'] = torch.tensor([58.395, 57.12, 57.375]).view(-1, 1, 1)
    # what torch's and mmengine's state_dict() attach (kept by weights_to_cpu)
    sd._metadata = OrderedDict([('', {'version': 2}), ('backbone', {'version': 1}),
                                ('head', {'version': 2})])

    cfg = config_text(man)
    name = man['model']
    meta = {
        'epoch': 210,
        'iter': int(np.random.RandomState(args.seed + 1).randint(200000, 300000)),
        'cfg': cfg,
        'seed': args.seed,
        'experiment_name': f'{name}_20230101_000000',
        'time': '20230101_120000',
        'mmengine_version': '0.10.3',
        'dataset_meta': dataset_meta(man),
    }
    if args.kind == 'bare':
        obj = sd
    elif args.kind == 'converted':
        obj = {'meta': meta, 'state_dict': sd}
    else:
        hub, optimizer, schedulers = training_state(man, cfg, meta, sd, args.seed, args.hostile)
        obj = {'meta': meta, 'state_dict': sd, 'message_hub': hub,
               'optimizer': optimizer, 'param_schedulers': schedulers}
    torch.save(obj, args.out, _use_new_zipfile_serialization=not args.legacy)
    return 0


if __name__ == '__main__':
    sys.exit(main())
