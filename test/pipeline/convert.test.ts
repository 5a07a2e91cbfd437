/**
 * `pose-port convert` end to end, through the CLI as a user runs it: make-checkpoint.py
 * checkpoints (as published: {meta, state_dict}) -> model.onnx + report.json ->
 * onnxruntime-node on the reference input, compared with the original MMPose
 * model's output; the flip test uses the flip pairs and shift_heatmap read back
 * from the artifact's own metadata and the production flip code (src/eval/flip).
 */
import test from 'ava';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { validateOnnx } from '../../src/emit/onnx/index.js';
import { getZooEntry } from '../../src/zoo/registry.js';
import { combineFlipTest } from '../../src/eval/flip.js';
import { makeCheckpoint, requireTorch, runPython } from '../helpers/ckpt.js';
import { runCli } from '../helpers/cli.js';
import { diff, readReference, referenceModels, withinParity } from '../helpers/compare.js';
import { flipW } from '../helpers/flip.js';

const work = mkdtempSync(join(tmpdir(), 'pose-port-convert-'));
test.after.always(() => rmSync(work, { recursive: true, force: true }));

/**
 * The first referenced row of each family (test/arch/* prove every referenced row in
 * both containers at the builder level), alternating the container.
 */
const CASES = (['resnet', 'hrnet', 'rsn', 'mspn'] as const)
  .map((family, i) => ({ model: referenceModels(family)[0], legacy: i % 2 === 0 }))
  .filter((c) => c.model !== undefined);

test('a reference is present for every family', (t) => t.is(CASES.length, 4));

for (const { model, legacy } of CASES) {
  test.serial(`convert ${model} (${legacy ? 'legacy' : 'zip'}, with meta) matches MMPose, with and without flip`, async (t) => {
    if (!requireTorch()) return t.pass('PyTorch absent (local run)');
    const ckpt = makeCheckpoint(model, { legacy, meta: true });
    const out = join(work, model);
    const r = runCli(['convert', ckpt, '--zoo', model, '--out', out, '--json']);
    t.is(r.code, 0, r.stderr);
    const res = JSON.parse(r.stdout);
    t.true(res.ok);
    t.is(res.report.zoo, model);
    t.is(res.report.keys.consumed + res.report.keys.ignored.length, res.report.keys.total);
    t.deepEqual(readdirSync(out).sort(), ['model.onnx', 'report.json']);

    const bytes = readFileSync(join(out, 'model.onnx'));
    const summary = validateOnnx(bytes);
    const meta = JSON.parse(summary.metadata.pose_port);
    t.is(meta.zoo.name, model);
    t.is(summary.opset, 11);

    const ref = readReference(model);
    const session = await ort.InferenceSession.create(bytes);
    const run = async (x: Float32Array) => {
      const o = await session.run({ input: new ort.Tensor('float32', x, ref.inputShape) });
      t.deepEqual([...o.heatmaps.dims], ref.outputShape);
      return o.heatmaps.data as Float32Array;
    };
    const plain = await run(ref.input);
    const d = diff(plain, ref.output);
    t.log(`${model}: relL2 ${d.relL2.toExponential(2)}, maxAbs ${d.maxAbs.toExponential(2)} (max|ref| ${d.maxRef.toFixed(3)})`);
    t.true(withinParity(d), JSON.stringify(d));

    const flipped = await run(flipW(ref.input, ref.inputShape));
    const shape = ref.outputShape as [number, number, number, number];
    const avg = combineFlipTest(plain, flipped, shape, meta.flip_pairs, meta.decode.shift_heatmap);
    const df = diff(avg, ref.outputFlip);
    t.log(`${model} flip: relL2 ${df.relL2.toExponential(2)}, maxAbs ${df.maxAbs.toExponential(2)}`);
    t.true(withinParity(df), JSON.stringify(df));
  });
}

/** Writes a copy of a make-checkpoint state_dict with one edit, through torch.save. */
function editedCheckpoint(model: string, name: string, python: string): string {
  const src = makeCheckpoint(model);
  const dst = join(work, `${name}.pth`);
  runPython(
    `import sys, torch\nsd = torch.load(sys.argv[1])\n${python}\ntorch.save(sd, sys.argv[2])\n`,
    [src, dst],
  );
  return dst;
}

function assertRefused(t: import('ava').ExecutionContext, args: string[], out: string, code: string, pattern: RegExp) {
  const r = runCli([...args, '--out', out, '--json']);
  t.is(r.code, 2, r.stderr);
  const res = JSON.parse(r.stdout);
  t.false(res.ok);
  t.is(res.error.code, code);
  t.regex(res.error.message, pattern);
  t.false(existsSync(out), 'a failed conversion leaves no output');
  t.deepEqual(
    readdirSync(work).filter((f) => f.includes('.staging-')),
    [],
    'no staging directory left behind',
  );
}

test.serial('a wrong --arch is refused naming what the keys say; nothing is written', (t) => {
  if (!requireTorch()) return t.pass('PyTorch absent (local run)');
  const ckpt = makeCheckpoint('2xrsn50_coco_256x192');
  assertRefused(t, ['convert', ckpt, '--arch', 'rsn50'], join(work, 'wrong-arch'), 'ARCH_MISMATCH', /rsn50.*2xrsn50|stages/);
  assertRefused(t, ['convert', ckpt, '--arch', 'hrnet_w32'], join(work, 'wrong-family'), 'ARCH_MISMATCH', /hrnet/);
  assertRefused(t, ['convert', ckpt, '--arch', 'resnet9000'], join(work, 'unknown-arch'), 'ARCH_UNKNOWN', /resnet9000/);
});

test.serial('a state dict with a key removed is refused naming the key; nothing is written', (t) => {
  if (!requireTorch()) return t.pass('PyTorch absent (local run)');
  const key = 'keypoint_head.final_layer.weight';
  const ckpt = editedCheckpoint('res50_coco_256x192_dark', 'res50-missing', `del sd['${key}']`);
  const out = join(work, 'missing');
  const r = runCli(['convert', ckpt, '--out', out, '--json']);
  t.is(r.code, 2, r.stderr);
  const res = JSON.parse(r.stdout);
  t.false(res.ok);
  t.true(['KEY_MISSING', 'ARCH_UNKNOWN'].includes(res.error.code), res.error.message);
  t.true(res.error.message.includes('final_layer'), res.error.message);
  t.false(existsSync(out));
});

test.serial('a state dict with a shape altered is refused naming the tensor; nothing is written', (t) => {
  if (!requireTorch()) return t.pass('PyTorch absent (local run)');
  const key = 'backbone.layer2.1.conv2.weight';
  const ckpt = editedCheckpoint('res50_coco_256x192_dark', 'res50-reshaped', `sd['${key}'] = torch.zeros(128, 128, 1, 1)`);
  assertRefused(t, ['convert', ckpt], join(work, 'reshaped'), 'SHAPE_MISMATCH', new RegExp(key.replace(/\./g, '\\.')));
});

test.serial('a file that is no checkpoint exits 2 with the magic bytes named', (t) => {
  const out = join(work, 'garbage-out');
  const garbage = join(work, 'garbage.pth');
  writeFileSync(garbage, Buffer.concat([Buffer.from('GIF89a'), Buffer.alloc(100)]));
  const r = runCli(['convert', garbage, '--out', out]);
  t.is(r.code, 2);
  t.regex(r.stderr, /NOT_A_CHECKPOINT/);
  t.false(existsSync(out));
});

test.serial('usage errors: unknown option, bad --format, missing argument', (t) => {
  for (const args of [['convert', 'x.pth', '--frobnicate'], ['convert', 'x.pth', '--format', 'coreml'], ['convert']]) {
    const r = runCli(args);
    t.is(r.code, 2, args.join(' '));
    t.regex(r.stderr, /USAGE/);
  }
  const help = runCli(['convert', '--help']);
  t.is(help.code, 0);
  t.regex(help.stdout, /--arch NAME/);
  t.regex(help.stdout, /rsn50/);
});

/**
 * The rsn18 test checkpoint (legacy container, with meta) and a user registry (written to
 * `registry`) whose rsn18 row, changed by `change`, records that file's sha256 prefix.
 */
function rsn18PublishedAs(registry: string, change: (e: ReturnType<typeof getZooEntry>) => object = (e) => e) {
  const model = 'rsn18_coco_256x192';
  const ckpt = makeCheckpoint(model, { legacy: true, meta: true });
  const sha = createHash('sha256').update(readFileSync(ckpt)).digest('hex');
  const e = getZooEntry(model);
  const named = (s: string) => s.replace(/-[0-9a-f]{8}_/, `-${sha.slice(0, 8)}_`);
  const entry = { ...change(e), checkpoint: { ...e.checkpoint, sha256Prefix: sha.slice(0, 8), file: named(e.checkpoint.file), url: named(e.checkpoint.url) } };
  writeFileSync(registry, JSON.stringify({ format: 'pose-port-zoo/1', entries: [entry] }));
  return { model, ckpt, sha, e };
}

test.serial('a file whose sha256 a registry entry records is converted as that entry without --zoo (its digest settles the row before the one build)', async (t) => {
  if (!requireTorch()) return t.pass('PyTorch absent (local run)');
  // the same row, published (in this user registry) as this file; input 128x96, so a build
  // made before the digest was known would differ from the one the row asks for
  const registry = join(work, 'by-sha-registry.json');
  const { model, ckpt, sha } = rsn18PublishedAs(registry, (e) => ({
    ...e,
    input: { height: 128, width: 96 },
    heatmap: { height: 32, width: 24 },
    config: { ...e.config, image_size: [96, 128], heatmap_size: [24, 32], head: { ...e.config.head, out_shape: [32, 24] } },
  }));
  const out = join(work, 'by-sha');
  const r = runCli(['convert', ckpt, '--out', out, '--json'], { env: { POSE_PORT_REGISTRY: registry } });
  t.is(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout).report;
  t.is(rep.zoo, model);
  t.is(rep.source.sha256, sha);
  t.deepEqual(rep.input_size_hw, [128, 96]);
  const phases = Object.keys(rep.timings_ms);
  t.true(phases.indexOf('hash_wait') < phases.indexOf('build'), `one build, after the digest: ${JSON.stringify(rep.timings_ms)}`);
  t.false('rebuild_for_zoo' in rep.timings_ms, JSON.stringify(rep.timings_ms));
  const bytes = readFileSync(join(out, 'model.onnx'));
  t.is(createHash('sha256').update(bytes).digest('hex'), rep.artifacts[0].sha256);
  const summary = validateOnnx(bytes);
  const meta = JSON.parse(summary.metadata.pose_port);
  t.is(meta.source.sha256, sha);
  t.is(summary.metadata.source_sha256, sha);
  t.is(meta.zoo.name, model);
  t.deepEqual(summary.inputs[0].shape, ['N', 3, 128, 96]);
  const session = await ort.InferenceSession.create(bytes);
  const o = await session.run({ input: new ort.Tensor('float32', new Float32Array(3 * 128 * 96), [1, 3, 128, 96]) });
  t.deepEqual([...o.heatmaps.dims], [1, 17, 32, 24]);
});

test.serial('a row found by digest after the weights are written (it cannot change the graph) still settles the metadata and --strict', async (t) => {
  if (!requireTorch()) return t.pass('PyTorch absent (local run)');
  // the only rsn18 row, published as this file, at the size the file resolves to without a
  // row (256x192): the digest is awaited after the build, and the row still decides the
  // metadata (decoding, sources, zoo) and lets --strict pass
  const registry = join(work, 'late-row-registry.json');
  const { model, ckpt, sha, e } = rsn18PublishedAs(registry);
  const out = join(work, 'late-row');
  const r = runCli(['convert', ckpt, '--out', out, '--json', '--strict'], { env: { POSE_PORT_REGISTRY: registry } });
  t.is(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout).report;
  t.is(rep.zoo, model);
  t.is(rep.source.sha256, sha);
  t.deepEqual(rep.input_size_hw, [256, 192]);
  t.is(rep.settings.sources['decode.method'].from, 'zoo');
  t.is(rep.metadata.decode.method, e.config.test_cfg.post_process);
  const bytes = readFileSync(join(out, 'model.onnx'));
  t.is(bytes.length, rep.artifacts[0].bytes);
  t.is(createHash('sha256').update(bytes).digest('hex'), rep.artifacts[0].sha256);
  const summary = validateOnnx(bytes);
  t.deepEqual(JSON.parse(summary.metadata.pose_port), rep.metadata);
  t.is(summary.metadata.zoo, model);
  t.is(summary.metadata.source_sha256, sha);
  // with the built-in registry (no row has this digest) the same file is refused by --strict
  const refused = runCli(['convert', ckpt, '--out', join(work, 'late-row-strict'), '--strict']);
  t.is(refused.code, 2, refused.stderr);
  t.regex(refused.stderr, /SETTING_DEFAULTED/);
  t.false(existsSync(join(work, 'late-row-strict')));
});
