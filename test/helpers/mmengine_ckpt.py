#!/usr/bin/env python3
"""An MMPose 1.x (mmengine) training checkpoint of a zoo manifest, for tests.

    python3 mmengine_ckpt.py WRITER MANIFEST OUT --key-map FILE --meta-json FILE
        [--seed N] [--legacy] [--preprocessor-buffers]
        [--hostile extra-field|message-hub]

WRITER is the project's checkpoint writer (scripts/make-checkpoint.py): the weights
are its state_dict(params, seed, family), renamed by its rename() with the
--key-map prefix pairs, and the meta is its from_json() of --meta-json; so weights
and meta equal what the writer itself writes with those options. What this script
adds is the rest of what mmengine's Runner.save_checkpoint (runner.py) writes:

  state_dict        with `_metadata` (module versions), as weights_to_cpu keeps it
  message_hub       MessageHub.state_dict(): log_scalars (one HistoryBuffer per
                    logged scalar), runtime_info (cfg text, epoch, iter,
                    dataset_meta, best score as a numpy float64, ...) and
                    resumed_keys
  optimizer         a real torch Adam state_dict (step, exp_avg, exp_avg_sq), over
                    the last two tensors only to keep the files small
  param_schedulers  LinearLR warm-up and MultiStepLR states, the latter with its
                    collections.Counter of milestones

--preprocessor-buffers  adds data_preprocessor.mean/std to the state_dict, as
                  mmengine versions that kept them persistent did.
--hostile extra-field   a HistoryBuffer whose state has a field mmengine's never
                  has; --hostile message-hub pickles a MessageHub object itself
                  (a class outside any allowlist).

HistoryBuffer and MessageHub are stand-ins registered under mmengine's module
names, so torch.save pickles the real global names without mmengine installed.
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


def register(module, name, cls):
    parts = module.split('.')
    for i in range(1, len(parts) + 1):
        sys.modules.setdefault('.'.join(parts[:i]), types.ModuleType('.'.join(parts[:i])))
    cls.__module__ = module
    cls.__qualname__ = name
    setattr(sys.modules[module], name, cls)


class HistoryBuffer:
    """mmengine.logging.history_buffer.HistoryBuffer's pickled shape."""

    def __init__(self, max_length=1000000):
        self.max_length = max_length
        self._log_history = np.array([])
        self._count_history = np.array([])

    def update(self, value, count=1):
        self._log_history = np.append(self._log_history, value)
        self._count_history = np.append(self._count_history, count)


class MessageHub:
    def __init__(self, state):
        self._log_scalars = state['log_scalars']
        self._runtime_info = state['runtime_info']
        self._resumed_keys = state['resumed_keys']


register('mmengine.logging.history_buffer', 'HistoryBuffer', HistoryBuffer)
register('mmengine.logging.message_hub', 'MessageHub', MessageHub)


def history(values):
    buf = HistoryBuffer()
    for v in values:
        buf.update(float(v))
    return buf


def training_state(name, meta, sd, seed, hostile):
    rs = np.random.RandomState(seed + 2)
    epoch, iters = meta['epoch'], meta['iter']
    log_scalars = OrderedDict([
        ('train/lr', history(5e-3 * (1 - rs.uniform(0, 0.1, 5)))),
        ('train/loss', history(rs.uniform(0.0005, 0.001, 5))),
        ('train/loss_kpt', history(rs.uniform(0.0005, 0.001, 5))),
        ('train/acc_pose', history(rs.uniform(0.7, 0.9, 5))),
        ('train/time', history(rs.uniform(0.2, 0.4, 5))),
        ('train/data_time', history(rs.uniform(0.001, 0.01, 5))),
        ('coco/AP', history(rs.uniform(0.70, 0.75, 1))),
    ])
    if hostile == 'extra-field':
        log_scalars['train/lr'].note = 'a field HistoryBuffer never has'
    runtime_info = OrderedDict([
        ('cfg', meta['cfg']), ('seed', seed), ('experiment_name', meta['experiment_name']),
        ('mmengine_version', meta['mmengine_version']), ('loop_stage', 'train'),
        ('epoch', epoch), ('iter', iters), ('max_epochs', 210), ('max_iters', iters),
        ('dataset_meta', meta['dataset_meta']), ('keep_ckpt_ids', [epoch - 10, epoch]),
        ('last_ckpt', f'work_dirs/{name}/epoch_{epoch}.pth'),
        ('best_score', np.float64(rs.uniform(0.70, 0.75))),
        ('best_ckpt', f'work_dirs/{name}/best_coco_AP_epoch_{epoch}.pth'),
    ])
    resumed = OrderedDict((k, True) for k in list(log_scalars) + list(runtime_info))
    hub = {'log_scalars': log_scalars, 'runtime_info': runtime_info, 'resumed_keys': resumed}
    if hostile == 'message-hub':
        hub = MessageHub(hub)

    params = [torch.nn.Parameter(v.clone().float()) for v in list(sd.values())[-2:]]
    opt = torch.optim.Adam(params, lr=5e-3)
    for p in params:
        p.grad = torch.full_like(p, 1e-3)
    opt.step()
    optimizer = opt.state_dict()
    for g in optimizer['param_groups']:
        g['initial_lr'] = 5e-3

    common = {'param_name': 'lr', 'begin': 0, 'by_epoch': False, 'base_values': [5e-3],
              'last_step': iters, '_global_step': iters, 'verbose': False,
              '_get_value_called_within_step': False, '_last_value': [5e-5]}
    linear = dict(common, end=500, start_factor=0.001, end_factor=1.0, total_iters=499)
    multistep = dict(common, end=210, by_epoch=True, last_step=epoch,
                     milestones=Counter([170, 200]), gamma=0.1)
    return hub, optimizer, [linear, multistep]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('writer')
    ap.add_argument('manifest')
    ap.add_argument('out')
    ap.add_argument('--key-map', required=True)
    ap.add_argument('--meta-json', required=True)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--legacy', action='store_true')
    ap.add_argument('--preprocessor-buffers', action='store_true')
    ap.add_argument('--hostile', choices=['extra-field', 'message-hub'])
    args = ap.parse_args(argv)
    writer = load_writer(args.writer)
    man = writer.read_json(args.manifest)
    sd = writer.rename(writer.state_dict(man['params'], args.seed, man.get('family')),
                       writer.read_json(args.key_map))
    if args.preprocessor_buffers:
        sd['data_preprocessor.mean'] = torch.tensor([123.675, 116.28, 103.53]).view(-1, 1, 1)
        sd['data_preprocessor.std'] = torch.tensor([58.395, 57.12, 57.375]).view(-1, 1, 1)
    sd._metadata = OrderedDict([('', {'version': 2}), ('backbone', {'version': 1}),
                                ('head', {'version': 2})])
    meta = writer.from_json(writer.read_json(args.meta_json))
    hub, optimizer, schedulers = training_state(man['model'], meta, sd, args.seed, args.hostile)
    obj = {'meta': meta, 'state_dict': sd, 'message_hub': hub,
           'optimizer': optimizer, 'param_schedulers': schedulers}
    torch.save(obj, args.out, _use_new_zipfile_serialization=not args.legacy)
    return 0


if __name__ == '__main__':
    sys.exit(main())
