/**
 * `pose-port inspect`: container, protocol, meta summary, every tensor in state_dict
 * order, totals and the architecture the keys show; bad input exits 2 naming the code.
 */
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeCheckpoint, readManifest, requireTorch, ROOT } from '../helpers/ckpt.js';
import { runCli } from '../helpers/cli.js';

const FIXTURES = join(ROOT, 'fixtures', 'pth');
const manifest: any[] = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8'));

test('inspect --json on a committed fixture lists every tensor and the meta summary', (t) => {
  const fx = manifest.find((m) => m.file === 'dtypes-legacy.pth');
  const r = runCli(['inspect', join(FIXTURES, fx.file), '--json']);
  t.is(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout);
  t.is(rep.format, 'legacy');
  t.is(rep.pickle_protocol, fx.protocol);
  t.deepEqual(rep.wrapper_keys, ['meta', 'state_dict']);
  t.true(rep.meta.present);
  t.is(rep.meta.mmcv_version, '1.2.1');
  t.is(rep.meta.time, 'Fri Nov 27 03:14:15 2020');
  t.true(rep.meta.config_text);
  t.true(rep.meta.other_keys.includes('hook_msgs'));
  t.deepEqual(
    rep.tensors.map((x: any) => [x.name, x.dtype, x.shape]),
    fx.tensors.map((x: any) => [x.name, x.dtype, x.shape]),
  );
  t.is(rep.totals.tensors, fx.tensors.length);
  t.is(rep.totals.bytes, rep.tensors.reduce((s: number, x: any) => s + x.bytes, 0));
  t.is(rep.architecture, null, 'a dtype test file is no pose model');
});

test('inspect of the bundled default names the family and what the keys tell', (t) => {
  const r = runCli(['inspect', join(ROOT, 'fixtures', 'default', 'tiny_res_simplebaseline.pth')]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /container: legacy, pickle protocol 2, wrapper \{meta, state_dict\}/);
  t.regex(r.stdout, /arch: +resnet: .*blocks=\[1,1,1,1\].*keypoints=17/);
  t.regex(r.stdout, /backbone\.conv1\.weight +float32 +\[8, 3, 7, 7\]/);
});

test('inspect refuses a hostile pickle naming the global and byte; nothing runs', (t) => {
  const fx = manifest.find((m) => m.file === 'evil-posix-system-zip.pth');
  const r = runCli(['inspect', join(FIXTURES, fx.file), '--json']);
  t.is(r.code, 2);
  const res = JSON.parse(r.stdout);
  t.is(res.error.code, 'PICKLE_GLOBAL');
  t.regex(res.error.message, /posix\.system/);
  t.is(typeof res.error.offset, 'number');
  t.false(existsSync(fx.marker), 'the command in the pickle never ran');

  const lenient = runCli(['inspect', join(FIXTURES, fx.file), '--allow-unknown-globals', '--json']);
  t.false(existsSync(fx.marker));
  t.is(lenient.code, 0, lenient.stderr);
  const rep = JSON.parse(lenient.stdout);
  t.is(rep.warnings.length, 1, 'one warning per unknown global');
  t.regex(rep.warnings[0], /posix\.system/);
  t.regex(lenient.stderr, /warning: .*posix\.system/);
});

test('inspect of a non-checkpoint and of a missing file exit 2', (t) => {
  const a = runCli(['inspect', join(ROOT, 'package.json')]);
  t.is(a.code, 2);
  t.regex(a.stderr, /NOT_A_CHECKPOINT/);
  const b = runCli(['inspect', join(ROOT, 'no-such.pth')]);
  t.is(b.code, 2);
  t.regex(b.stderr, /no-such\.pth/);
});

test('inspect of a published-style rsn18 file: meta versions, preset and stage facts', (t) => {
  if (!requireTorch()) return t.pass('PyTorch absent (local run)');
  const ckpt = makeCheckpoint('rsn18_coco_256x192', { legacy: true, meta: true });
  const r = runCli(['inspect', ckpt, '--json']);
  t.is(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout);
  t.is(rep.meta.mmpose_version, '0.9.0+unknown');
  t.is(rep.architecture.family, 'rsn');
  t.is(rep.architecture.preset, 'rsn18');
  t.is(rep.architecture.facts.stages, 1);
  t.is(rep.architecture.facts.keypoints, 17);
  const m = readManifest('rsn18_coco_256x192');
  t.deepEqual(
    rep.tensors.map((x: any) => [x.name, x.shape]),
    m.params.map((p: any) => [p[0], p[1]]),
  );
});
