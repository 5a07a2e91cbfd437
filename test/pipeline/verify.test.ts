/**
 * `pose-port verify`: passes on a fresh conversion (ONNX + TF.js) of a make-checkpoint rsn18
 * (converted at 64x64 to keep the TF.js cpu run short), and catches, each by the check
 * meant for it: one ONNX initializer value changed with report.json's sha256 updated to
 * match (only the re-derived weights can tell), one TF.js shard value changed, a
 * checkpoint that is not the one converted (another seed: every tensor named), and
 * missing artifacts (exit 2 with the file named); with --ann/--images the evaluation is
 * compared with the zoo row's recorded metrics.
 */
import test from 'ava';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tensorSha256 } from '../../src/core/tensor-bytes.js';
import { validateJson, type JsonSchema } from '../../src/core/json-schema.js';
import type { TfjsModelJson } from '../../src/emit/tfjs/index.js';
import { convertCheckpoint } from '../../src/pipeline/convert.js';
import { REPORT_SCHEMA, verifyArtifacts, type VerifyReport } from '../../src/pipeline/verify.js';
import { openCheckpoint } from '../../src/pth/index.js';
import { makeCheckpoint, requireTorch, ROOT } from '../helpers/ckpt.js';
import { runCli } from '../helpers/cli.js';
import { patchOnnxInitializer, patchOnnxNodeOp, patchTfjsNodeOp, patchTfjsWeight } from '../helpers/tamper.js';
import { check, failed, FILE_AND_WEIGHT_CHECKS, passingVerify, tfjsWeightCaught } from '../helpers/verify-report.js';
import { COCO } from './converted.js';

const MODEL = 'rsn18_coco_256x192';
const work = mkdtempSync(join(tmpdir(), 'pose-port-verify-'));
test.after.always(() => rmSync(work, { recursive: true, force: true }));

const schemaOnDisk = JSON.parse(readFileSync(join(ROOT, 'schemas', 'report.schema.json'), 'utf8')) as JsonSchema;

let base: Promise<{ ckpt: string; dir: string }> | undefined;
/** One conversion (ONNX + float32 TF.js at 64x64) shared by the tests; each tamper test works on a copy. */
function converted(): Promise<{ ckpt: string; dir: string }> {
  base ??= (async () => {
    const ckpt = makeCheckpoint(MODEL);
    const dir = join(work, 'base');
    await convertCheckpoint(ckpt, { out: dir, formats: ['onnx', 'tfjs'], inputSize: [64, 64] });
    return { ckpt, dir };
  })();
  return base;
}

function copyOf(dir: string, name: string): string {
  const to = join(work, name);
  cpSync(dir, to, { recursive: true });
  return to;
}


test.serial('a fresh conversion passes every check (CLI, exit 0, JSON valid against the schema)', async (t) => {
  if (!requireTorch()) return t.pass('PyTorch absent (local run)');
  const { ckpt, dir } = await converted();
  const report = passingVerify(t, ckpt, dir, schemaOnDisk);
  t.deepEqual(
    report.checks.map((c) => c.name),
    [...FILE_AND_WEIGHT_CHECKS, 'onnx-vs-tfjs', 'onnx-vs-rebuilt', 'tfjs-vs-rebuilt'],
  );
  t.deepEqual(failed(report), []);
  t.deepEqual(report.input.shape_nchw, [1, 3, 64, 64]);
  const f = (n: string) => check(report, n).figures!;
  t.is(f('tensor-checksum').tensors, 575);
  t.true(Number(f('onnx-weights').values) > 8_000_000);
  t.is(f('onnx-vs-rebuilt').rel_l2, 0, 'the artifact and a fresh emission of the rebuilt graph agree exactly');
  t.true(Number(f('onnx-vs-tfjs').rel_l2) <= 1e-5);
  t.true(Number(f('onnx-vs-tfjs').rel_l2) > 0, 'a different runtime: some rounding difference is expected');
  t.log(`onnx-vs-tfjs relL2 ${f('onnx-vs-tfjs').rel_l2}, maxAbs ${f('onnx-vs-tfjs').max_abs}; ${report.timings_ms.total} ms (${JSON.stringify(report.timings_ms)})`);

  const text = runCli(['verify', ckpt, dir]);
  t.is(text.code, 0, text.stderr);
  t.regex(text.stdout, /17 checks, all passed/);
  t.regex(text.stdout, /ok {4}onnx-weights/);
});

test.serial('a directory mixing two conversions fails: a tfjs/ the report does not list, a stray shard (exit 1, files named)', async (t) => {
  if (!requireTorch()) return t.pass('PyTorch absent (local run)');
  const { ckpt, dir } = await converted();
  // what 'convert --format onnx' over an 'onnx,tfjs' directory left before conversions replaced --out whole
  const mixed = copyOf(dir, 'mixed');
  const rep = JSON.parse(readFileSync(join(mixed, 'report.json'), 'utf8'));
  rep.artifacts = rep.artifacts.filter((a: { format: string }) => a.format === 'onnx');
  writeFileSync(join(mixed, 'report.json'), JSON.stringify(rep, null, 2) + '\n');
  const r = runCli(['verify', ckpt, mixed, '--json']);
  t.is(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout) as VerifyReport;
  t.deepEqual(failed(report), ['directory']);
  const c = check(report, 'directory');
  t.true(c.mismatches!.includes('tfjs/model.json'), JSON.stringify(c));
  t.true(c.mismatches!.some((m) => /^tfjs\/group1-shard\d+of\d+\.bin$/.test(m)));
  t.regex(c.detail, /file\(s\) that report\.json does not list \(left by another conversion\?\)/);

  const stray = copyOf(dir, 'stray');
  writeFileSync(join(stray, 'tfjs', 'group1-shard99of99.bin'), new Uint8Array(16));
  const r2 = await verifyArtifacts(ckpt, stray);
  t.deepEqual(failed(r2), ['directory']);
  t.deepEqual(check(r2, 'directory').mismatches, ['tfjs/group1-shard99of99.bin']);
  t.deepEqual(check(r2, 'directory').mismatches, ['tfjs/group1-shard99of99.bin']);
});

test.serial('one ONNX initializer value changed, report.json updated to match: only the weight re-derivation fails (exit 1)', async (t) => {
  if (!requireTorch()) return t.pass('PyTorch absent (local run)');
  const { ckpt, dir } = await converted();
  const d = copyOf(dir, 'onnx-patched');
  const target = patchOnnxInitializer(d, 3, 123);
  t.not(target.now, target.old);

  const r = runCli(['verify', ckpt, d, '--json']);
  t.is(r.code, 1, r.stdout + r.stderr);
  const v = JSON.parse(r.stdout) as VerifyReport;
  t.is(validateJson(REPORT_SCHEMA, v), null);
  t.false(v.ok);
  t.true(check(v, 'artifact-sha256:model.onnx').ok, 'the edited report hides the change from the checksum');
  t.true(check(v, 'source-sha256').ok);
  t.true(check(v, 'tensor-checksum').ok);
  t.true(check(v, 'tfjs-weights').ok);
  const w = check(v, 'onnx-weights');
  t.false(w.ok);
  t.deepEqual(w.mismatches, [target.name]);
  t.regex(w.detail, new RegExp(`1 initializers differ.*'${target.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(1 of \\d+ values, first at 123`));
  // the outputs may or may not move past 1e-5 for one value: whatever they do, the weight check decided
  t.log(`failed: ${failed(v).join(', ')}; onnx-vs-rebuilt relL2 ${check(v, 'onnx-vs-rebuilt').figures!.rel_l2}`);

  const text = runCli(['verify', ckpt, d]);
  t.is(text.code, 1);
  t.regex(text.stdout, /FAILED/);
  t.regex(text.stdout, /FAIL {2}onnx-weights/);
});

test.serial('one TF.js shard value changed: the TF.js weight check names the weight', async (t) => {
  if (!requireTorch()) return t.pass('PyTorch absent (local run)');
  const { ckpt, dir } = await converted();
  const d = copyOf(dir, 'tfjs-patched');
  // the 5th float32 weight of at least 1000 values, its value 7
  const name = patchTfjsWeight(d, 5, 7);

  const v = await verifyArtifacts(ckpt, d);
  t.is(validateJson(REPORT_SCHEMA, v), null);
  t.false(v.ok);
  tfjsWeightCaught(t, v, name, 7);
  t.log(`failed: ${failed(v).join(', ')}; onnx-vs-tfjs relL2 ${check(v, 'onnx-vs-tfjs').figures!.rel_l2}`);
});

test.serial('one node changed in either graph, weights and report.json consistent: the graph checks name the node (exit 1)', async (t) => {
  if (!requireTorch()) return t.pass('PyTorch absent (local run)');
  const { ckpt, dir } = await converted();
  const d = copyOf(dir, 'graph-patched');
  // an activation swapped: every weight and every digest still matches
  const onnxNode = patchOnnxNodeOp(d, 'Relu', 'Sigmoid');
  const tfjsNode = patchTfjsNodeOp(d, 'Relu', 'Sigmoid');
  const r = runCli(['verify', ckpt, d, '--json']);
  t.is(r.code, 1, r.stdout + r.stderr);
  const v = JSON.parse(r.stdout) as VerifyReport;
  t.is(validateJson(REPORT_SCHEMA, v), null);
  for (const name of ['artifact-sha256:model.onnx', 'artifact-sha256:tfjs/model.json', 'tfjs-files', 'onnx-weights', 'tfjs-weights']) t.true(check(v, name).ok, name);
  t.false(check(v, 'onnx-graph').ok);
  t.deepEqual(check(v, 'onnx-graph').mismatches, [`Relu ${onnxNode}`]);
  t.regex(check(v, 'onnx-graph').detail, /Sigmoid .* vs rebuilt Relu/);
  t.false(check(v, 'tfjs-graph').ok);
  t.deepEqual(check(v, 'tfjs-graph').mismatches, [`Relu ${tfjsNode}`]);
  t.log(`failed: ${failed(v).join(', ')}`);
});

test.serial('a checkpoint that is not the one converted (another seed): every tensor named, weights and outputs differ', async (t) => {
  if (!requireTorch()) return t.pass('PyTorch absent (local run)');
  const { dir } = await converted();
  const other = makeCheckpoint(MODEL, { seed: 1 });
  const v = await verifyArtifacts(other, dir);
  t.is(validateJson(REPORT_SCHEMA, v), null);
  t.false(v.ok);
  const recorded = Object.keys(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')).tensor_checksums.tensors);
  t.false(check(v, 'source-sha256').ok);
  t.regex(check(v, 'source-sha256').detail, /differs from the converted file's/);
  const ts = check(v, 'tensor-checksum');
  t.false(ts.ok);
  t.deepEqual([...ts.mismatches!].sort(), [...recorded].sort());
  t.regex(ts.detail, new RegExp(`^${recorded.length} of ${recorded.length} tensors differ: '${recorded[0].replace(/\./g, '\\.')}'`));
  t.true(check(v, 'architecture').ok, 'same architecture, other values');
  t.false(check(v, 'onnx-weights').ok);
  t.false(check(v, 'tfjs-weights').ok);
  t.false(check(v, 'onnx-vs-rebuilt').ok);
  t.true(check(v, 'onnx-vs-tfjs').ok, 'the two artifacts still agree with each other');
  t.true(check(v, 'artifact-sha256:model.onnx').ok);
});

test.serial('a checkpoint of another architecture: the architecture check names the differing config; no weights compared', async (t) => {
  if (!requireTorch()) return t.pass('PyTorch absent (local run)');
  const { dir } = await converted();
  const v = await verifyArtifacts(makeCheckpoint('2xrsn50_coco_256x192'), dir);
  t.is(validateJson(REPORT_SCHEMA, v), null);
  const a = check(v, 'architecture');
  t.false(a.ok);
  t.regex(a.detail, /numStages 2 \(report: 1\)/);
  t.false(v.checks.some((c) => c.name.endsWith('-weights') || c.name.endsWith('-rebuilt')));
  t.deepEqual(failed(v), ['source-sha256', 'tensor-checksum', 'architecture']);
});

test.serial('missing report, artifact or shard: exit 2 naming the file; bad options are usage errors', async (t) => {
  if (!requireTorch()) return t.pass('PyTorch absent (local run)');
  const { ckpt, dir } = await converted();
  const noOnnx = copyOf(dir, 'no-onnx');
  rmSync(join(noOnnx, 'model.onnx'));
  const r1 = runCli(['verify', ckpt, noOnnx]);
  t.is(r1.code, 2);
  t.regex(r1.stderr, /\[IO\]: artifact 'model\.onnx' listed in report\.json is missing from/);

  const noShard = copyOf(dir, 'no-shard');
  const m = JSON.parse(readFileSync(join(noShard, 'tfjs', 'model.json'), 'utf8')) as TfjsModelJson;
  const shard = m.weightsManifest[0].paths.at(-1)!;
  rmSync(join(noShard, 'tfjs', shard));
  const r2 = runCli(['verify', ckpt, noShard, '--json']);
  t.is(r2.code, 2);
  const e2 = JSON.parse(r2.stdout);
  t.is(e2.error.code, 'IO');
  t.true(e2.error.message.includes(`TF.js weight shard '${shard}'`), e2.error.message);

  const noReport = copyOf(dir, 'no-report');
  rmSync(join(noReport, 'report.json'));
  await t.throwsAsync(verifyArtifacts(ckpt, noReport), { message: /no report\.json in .*'pose-port convert'/ });
  await t.throwsAsync(verifyArtifacts(join(work, 'absent.pth'), dir), { message: /no such checkpoint/ });
  await t.throwsAsync(verifyArtifacts(ckpt, dir, { tolerance: -1 }), { message: /'tolerance' must be a non-negative number/ });
  await t.throwsAsync(verifyArtifacts(ckpt, dir, { frob: 1 } as never), { message: /unknown option 'frob'/ });

  const badReport = copyOf(dir, 'bad-report');
  const rep = JSON.parse(readFileSync(join(badReport, 'report.json'), 'utf8'));
  rep.tensor_checksums.tensors['backbone.top.0.conv.weight'] = 'not a digest';
  writeFileSync(join(badReport, 'report.json'), JSON.stringify(rep));
  await t.throwsAsync(verifyArtifacts(ckpt, badReport), { message: /report\.json.*tensor_checksums/ });
  delete rep.tensor_checksums;
  rep.tensor_sha256 = { 'backbone.top.0.conv.weight': 'not a digest' };
  writeFileSync(join(badReport, 'report.json'), JSON.stringify(rep));
  await t.throwsAsync(verifyArtifacts(ckpt, badReport), { message: /report\.json.*tensor_sha256/ });

  for (const args of [['verify', ckpt], ['verify', ckpt, dir, '--frobnicate'], ['verify', ckpt, dir, '--tolerance', 'x'], ['verify', 'no_such_model_coco_1x1', dir]]) {
    const r = runCli(args);
    t.is(r.code, 2, args.join(' '));
  }
});

test.serial('float16 TF.js: the looser bound applies and the measured difference is reported', async (t) => {
  if (!requireTorch()) return t.pass('PyTorch absent (local run)');
  const ckpt = makeCheckpoint(MODEL);
  const dir = join(work, 'f16');
  await convertCheckpoint(ckpt, { out: dir, formats: ['onnx', 'tfjs'], inputSize: [64, 64], quantize: 'float16' });
  const v = await verifyArtifacts(ckpt, dir);
  t.deepEqual(failed(v), []);
  const c = check(v, 'onnx-vs-tfjs');
  t.is(c.figures!.tolerance, 1e-2);
  t.true(Number(c.figures!.rel_l2) > 1e-5, 'float16 weights are measurably different from float32');
  t.regex(c.detail, /TF\.js \(float16 weights\) vs ONNX/);
  t.regex(check(v, 'tfjs-weights').detail, /float16/);
  t.log(`float16 TF.js vs ONNX relL2 ${c.figures!.rel_l2}, maxAbs ${c.figures!.max_abs}`);
  // with the float32 bound the same artifact fails: the bound is what was loosened, nothing else
  const strict = await verifyArtifacts(ckpt, dir, { float16Tolerance: 1e-5 });
  t.deepEqual(failed(strict), ['onnx-vs-tfjs', 'tfjs-vs-rebuilt']);
});

test.serial('--ann/--images: the evaluation is compared with the metrics the zoo row records', async (t) => {
  if (!requireTorch()) return t.pass('PyTorch absent (local run)');
  const ckpt = makeCheckpoint(MODEL);
  const dir = join(work, 'zoo-onnx');
  await convertCheckpoint(ckpt, { out: dir, zoo: MODEL, formats: ['onnx'], inputSize: [64, 64] });
  const evaluate = { ann: join(COCO, 'test_coco.json'), images: COCO };
  // random make-checkpoint weights are no trained model: the measured AP is far from the zoo's 0.704
  const v = await verifyArtifacts(ckpt, dir, { evaluate });
  t.is(validateJson(REPORT_SCHEMA, v), null);
  const e = check(v, 'eval');
  t.false(e.ok);
  t.false(v.ok);
  t.true(e.mismatches!.includes('AP'), e.detail);
  t.true(Number(e.figures!.AP) < 0.704 - 0.01);
  t.true(Number(e.figures!.persons) > 0);
  t.regex(e.detail, /recorded metrics differ by more than 0\.0100: AP [0-9.]+ \(zoo 0\.7040\)/);
  t.deepEqual(failed(v), ['eval'], 'every other check passes');
  t.log(e.detail);
  // the tolerance is what decides: with a bound of 1 (a whole AP) the same measurement passes
  const loose = await verifyArtifacts(ckpt, dir, { evaluate: { ...evaluate, tolerance: 1 } });
  t.true(check(loose, 'eval').ok, check(loose, 'eval').detail);

  // through the CLI: exit 1 on the metric, 2 for a conversion without a zoo entry or half the options
  const r = runCli(['verify', ckpt, dir, '--ann', evaluate.ann, '--images', COCO, '--json']);
  t.is(r.code, 1, r.stderr);
  t.deepEqual(failed(JSON.parse(r.stdout)), ['eval']);
  const { dir: plain } = await converted();
  const noZoo = runCli(['verify', ckpt, plain, '--ann', evaluate.ann, '--images', COCO]);
  t.is(noZoo.code, 2);
  t.regex(noZoo.stderr, /\[USAGE\].*names no zoo entry/);
  const half = runCli(['verify', ckpt, dir, '--ann', evaluate.ann]);
  t.is(half.code, 2);
  t.regex(half.stderr, /needs both --ann and --images/);
});

test.serial('a report written before lane64 (tensor_sha256 per tensor) is still verified by sha256', async (t) => {
  if (!requireTorch()) return t.pass('PyTorch absent (local run)');
  const { ckpt, dir } = await converted();
  const d = copyOf(dir, 'sha256-report');
  const rep = JSON.parse(readFileSync(join(d, 'report.json'), 'utf8'));
  const names = Object.keys(rep.tensor_checksums.tensors);
  const opened = await openCheckpoint(ckpt);
  try {
    rep.tensor_sha256 = Object.fromEntries(opened.tensors.entries.filter((e) => names.includes(e.name)).map((e) => [e.name, tensorSha256(e)]));
  } finally {
    opened.close();
  }
  delete rep.tensor_checksums;
  t.is(Object.keys(rep.tensor_sha256).length, names.length);
  writeFileSync(join(d, 'report.json'), JSON.stringify(rep, null, 2));
  const v = await verifyArtifacts(ckpt, d);
  const c = check(v, 'tensor-checksum');
  t.true(c.ok, c.detail);
  t.regex(c.detail, new RegExp(`all ${names.length} tensors have the recorded sha256 checksum`));

  rep.tensor_sha256[names[3]] = '0'.repeat(64);
  writeFileSync(join(d, 'report.json'), JSON.stringify(rep, null, 2));
  const bad = check(await verifyArtifacts(ckpt, d), 'tensor-checksum');
  t.false(bad.ok);
  t.deepEqual(bad.mismatches, [names[3]]);
});
