/**
 * MMPose 1.x (mmengine) checkpoints through the safe reader. A training checkpoint
 * pickles more than the state_dict and meta: message_hub (HistoryBuffer objects,
 * numpy arrays, the config text), the optimizer's state and param_schedulers (a
 * collections.Counter of milestones). The data-only classes among them are rebuilt as
 * inert records (never called); a field they never have, a call instead of NEWOBJ, or a
 * class outside the allowlist is still refused, naming it and the byte offset.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { PosePortError } from '../../src/core/errors.js';
import { openCheckpoint, openCheckpointBytes } from '../../src/pth/index.js';
import { makeCheckpoint1x } from '../helpers/ckpt-1x.js';
import { makeCheckpoint, readManifest, requireTorch } from '../helpers/ckpt.js';
import { P, stateDictPickle, torchZip, f32bytes } from './build.js';
import { expectPoseError, expectPoseRejection } from '../helpers/errors.js';

const MODEL = 'rsn18_coco_256x192';

for (const legacy of [false, true])
  test(`a 1.x training checkpoint (${legacy ? 'legacy' : 'zip'}): message_hub, optimizer and param_schedulers read; weights equal the 0.x file's`, async (t) => {
    if (!requireTorch()) return t.pass('PyTorch not installed (required in CI)');
    const ckpt = await openCheckpoint(makeCheckpoint1x(MODEL, { legacy, preprocessorBuffers: true }));
    const old = await openCheckpoint(makeCheckpoint(MODEL, { legacy }));
    try {
      t.is(ckpt.format, legacy ? 'legacy' : 'zip');
      t.deepEqual(ckpt.wrapperKeys, ['meta', 'state_dict', 'message_hub', 'optimizer', 'param_schedulers']);
      t.deepEqual(ckpt.warnings, []);
      const meta = ckpt.meta as Record<string, any>;
      t.deepEqual(Object.keys(meta).sort(), ['cfg', 'dataset_meta', 'epoch', 'experiment_name', 'iter', 'mmengine_version', 'seed', 'time']);
      t.regex(meta.cfg, /type='TopdownPoseEstimator'/);
      t.is(meta.mmengine_version, '0.10.3');
      // numpy arrays of dataset_meta come back as typed arrays; int keys as a Map
      t.deepEqual(meta.dataset_meta.sigmas.shape, [17]);
      t.true(meta.dataset_meta.sigmas.data instanceof Float32Array);
      t.deepEqual(meta.dataset_meta.keypoint_colors.shape, [17, 3]);
      t.true(meta.dataset_meta.keypoint_id2name instanceof Map);
      t.is(meta.dataset_meta.keypoint_id2name.get(3), 'keypoint_3');

      const manifest = readManifest(MODEL);
      t.is(ckpt.tensors.entries.length, manifest.params.length + 2);
      t.deepEqual(
        ckpt.tensors.entries.slice(-2).map((e) => e.name),
        ['data_preprocessor.mean', 'data_preprocessor.std'],
      );
      // same values in the same order, only the head's prefix renamed
      old.tensors.entries.forEach((e, i) => {
        const n = ckpt.tensors.entries[i];
        t.is(n.name, e.name.replace(/^keypoint_head\./, 'head.'));
        if (i % 50 === 0 || i === old.tensors.entries.length - 1) t.deepEqual(Buffer.from(n.bytes()), Buffer.from(e.bytes()), n.name);
      });
    } finally {
      ckpt.close();
      old.close();
    }
  });

test('a HistoryBuffer whose state has a field mmengine never writes is refused, naming the class, the field and the offset', async (t) => {
  if (!requireTorch()) return t.pass('PyTorch not installed (required in CI)');
  const file = makeCheckpoint1x(MODEL, { hostile: 'extra-field' });
  const e = await expectPoseRejection(t, openCheckpoint(file));
  t.is(e.code, 'PICKLE_FORMAT');
  t.regex(e.message, /mmengine\.logging\.history_buffer\.HistoryBuffer' has field 'note'/);
  t.true(Number.isInteger(e.offset) && e.offset! > 0);
});

test('a MessageHub object (a class outside the allowlist) is refused with its name and the offset of its GLOBAL', async (t) => {
  if (!requireTorch()) return t.pass('PyTorch not installed (required in CI)');
  const file = makeCheckpoint1x(MODEL, { hostile: 'message-hub' });
  const e = await expectPoseRejection(t, openCheckpoint(file));
  t.is(e.code, 'PICKLE_GLOBAL');
  t.is(e.key, 'mmengine.logging.message_hub.MessageHub');
  // the zip's data.pkl is stored, so the offset points into the file's own bytes
  const op = readFileSync(file)[e.offset!];
  t.true(op === 0x63 || op === 0x93, `byte ${e.offset} is GLOBAL or STACK_GLOBAL (0x${op.toString(16)})`);
});

// --- hand-built pickles: what torch never writes

const HB = ['mmengine.logging.history_buffer', 'HistoryBuffer'] as const;
const W = { name: 'w', numel: 4, shape: [4] };
const withMeta = (meta: (p: P) => void) => torchZip(stateDictPickle([W], meta), { '0': f32bytes([1, 2, 3, 4]) });
const open = (b: Uint8Array) => openCheckpointBytes(b, { name: 'crafted.pth' });
/** NEWOBJ of HistoryBuffer with `args`, then BUILD with `state` */
const historyBuffer = (state: (p: P) => void, args: (p: P) => void = (p) => p.emptyTuple()) => (p: P) =>
  p.global(...HB).call(args).raw(0x81).call(state).build();

test('HistoryBuffer in meta becomes an inert { __class__, state } record', (t) => {
  const ckpt = open(
    withMeta(
      historyBuffer((p) =>
        p.emptyDict().str('max_length').int(1000).setitem().str('_log_history').emptyList().setitem().str('_count_history').emptyList().setitem(),
      ),
    ),
  );
  const m = ckpt.meta as Record<string, any>;
  t.is(m.__class__, 'mmengine.logging.history_buffer.HistoryBuffer');
  t.is(m.state.max_length, 1000);
  t.deepEqual(m.state._log_history, []);
});

test("HistoryBuffer called (REDUCE) instead of NEWOBJ is refused: its constructor never runs", (t) => {
  const e = expectPoseError(t, () => open(withMeta((p) => p.global(...HB).emptyTuple().reduce())));
  t.regex(e!.message, /only rebuilt as cls\.__new__\(cls\) \(NEWOBJ\), never called/);
  t.true(Number.isInteger((e as PosePortError).offset));
});

test('HistoryBuffer with constructor arguments, or a __proto__ field in its state, is refused', (t) => {
  const args = expectPoseError(t, () => open(withMeta(historyBuffer((p) => p.emptyDict(), (p) => p.int(1).tuple1()))));
  t.regex(args!.message, /HistoryBuffer called with 1 arguments/);
  const proto = expectPoseError(t, () => open(withMeta(historyBuffer((p) => p.emptyDict().str('__proto__').emptyDict().setitem()))));
  t.regex(proto!.message, /has field '__proto__'/);
  t.is(({} as Record<string, unknown>).polluted, undefined);
  const notDict = expectPoseError(t, () => open(withMeta(historyBuffer((p) => p.emptyList()))));
  t.regex(notDict!.message, /state of 'mmengine\.logging\.history_buffer\.HistoryBuffer' is not a dict/);
});

test("collections.Counter (MultiStepLR's milestones) is a dict of counts; anything but a dict argument is refused", (t) => {
  const ckpt = open(withMeta((p) => p.global('collections', 'Counter').emptyDict().int(170).int(1).setitem().int(200).int(1).setitem().tuple1().reduce()));
  t.deepEqual([...(ckpt.meta as Map<number, number>)], [[170, 1], [200, 1]]);
  const e = expectPoseError(t, () => open(withMeta((p) => p.global('collections', 'Counter').str('abc').tuple1().reduce())));
  t.regex(e!.message, /Counter\(mapping\): mapping is not a dict/);
});

test('another mmengine class is still refused by name', (t) => {
  const e = expectPoseError(t, () => open(withMeta((p) => p.global('mmengine.config.config', 'ConfigDict').emptyTuple().raw(0x81))));
  t.is((e as PosePortError).code, 'PICKLE_GLOBAL');
  t.is((e as PosePortError).key, 'mmengine.config.config.ConfigDict');
});
