/**
 * `pose-port convert NAME` end to end: a user registry ($POSE_PORT_REGISTRY) names the
 * rsn18_coco_256x192 entry with the sha256 prefix of a make-checkpoint.py file, a local
 * 127.0.0.1 server serves that file under the registry URL's path (--mirror), and the
 * CLI fetches, verifies and converts it with the entry's config; a second run reuses
 * the verified file. The keys must still agree with the entry: a 2xrsn50 file served
 * under the rsn18 name is refused. Without the user registry the published prefix
 * refuses the served file, so the registry file is what let it in.
 */
import test from 'ava';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateJson, type JsonSchema } from '../../src/core/json-schema.js';
import { validateOnnx } from '../../src/emit/onnx/index.js';
import { getZooEntry, readRegistryFile } from '../../src/zoo/registry.js';
import type { ZooEntry } from '../../src/zoo/types.js';
import { makeCheckpoint, requireTorch, ROOT } from '../helpers/ckpt.js';
import { runCli } from '../helpers/cli.js';
import { runCliAsync } from '../zoo/run-cli-async.js';
import { startServer } from '../zoo/server.js';

const NAME = 'rsn18_coco_256x192';
const work = mkdtempSync(join(tmpdir(), 'pose-port-convert-name-'));
test.after.always(() => rmSync(work, { recursive: true, force: true }));

const reportSchema = JSON.parse(readFileSync(join(ROOT, 'schemas', 'report.schema.json'), 'utf8')) as JsonSchema;
const metadataSchema = JSON.parse(readFileSync(join(ROOT, 'schemas', 'model-metadata.schema.json'), 'utf8')) as JsonSchema;

/** The built-in entry for NAME, re-pointed at a file whose sha256 is `sha256` (as a private mirror would publish it). */
function entryFor(sha256: string): ZooEntry {
  const e = getZooEntry(NAME);
  const prefix = sha256.slice(0, 8);
  const file = e.checkpoint.file.replace(/-[0-9a-f]{8}_/, `-${prefix}_`);
  return { ...e, checkpoint: { ...e.checkpoint, sha256Prefix: prefix, file, url: e.checkpoint.url.replace(e.checkpoint.file, file) } };
}

function writeRegistry(name: string, entries: unknown[]): string {
  const path = join(work, name);
  writeFileSync(path, JSON.stringify({ format: 'pose-port-zoo/1', entries }, null, 2));
  return path;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

test.serial('convert NAME fetches from the mirror, verifies, converts with the registry config; a second run does not download', async (t) => {
  if (!requireTorch()) return t.pass('PyTorch absent (local run)');
  const body = readFileSync(makeCheckpoint(NAME));
  const digest = sha256(body);
  const entry = entryFor(digest);
  const registry = writeRegistry('zoo-ok.json', [entry]);
  t.deepEqual(readRegistryFile(registry), [entry], 'the user registry validates against the zoo-entry schema');
  const env = { POSE_PORT_REGISTRY: registry };

  const server = await startServer(body, 'ok');
  try {
    const dir = join(work, 'ckpt');
    const out = join(work, 'out-1');
    const r = await runCliAsync(['convert', NAME, '--mirror', server.origin, '--dir', dir, '--out', out, '--json'], { env });
    t.is(r.code, 0, r.stderr);
    // fetched once, from the mirror, under the registry URL's path; verified and in place
    t.deepEqual(
      server.requests.map((q) => `${q.method} ${q.path}`),
      [`GET ${new URL(entry.checkpoint.url).pathname}`],
    );
    t.deepEqual(readdirSync(dir), [entry.checkpoint.file]);
    t.is(sha256(readFileSync(join(dir, entry.checkpoint.file))), digest);

    const res = JSON.parse(r.stdout);
    t.true(res.ok);
    t.deepEqual(readdirSync(out).sort(), ['model.onnx', 'report.json']);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    t.is(validateJson(reportSchema, report), null);
    t.is(report.kind, 'convert');
    t.is(report.zoo, NAME);
    t.is(report.arch, 'rsn18');
    t.is(report.source.sha256, digest);
    t.deepEqual(report.input_size_hw, [entry.input.height, entry.input.width]);
    t.deepEqual(report.warnings, [], 'no "family defaults" warning: the zoo entry gave the decoding');

    // the artifact's own metadata carries the zoo name, the test_cfg and the recorded metrics
    const meta = JSON.parse(validateOnnx(readFileSync(join(out, 'model.onnx'))).metadata.pose_port);
    t.is(validateJson(metadataSchema, meta), null);
    t.deepEqual(meta, report.metadata);
    t.is(meta.zoo.name, NAME);
    const tc = entry.config.test_cfg;
    t.deepEqual(meta.decode, { method: tc.post_process, flip_test: tc.flip_test, shift_heatmap: tc.shift_heatmap, modulate_kernel: tc.modulate_kernel });
    t.is(meta.decode.method, 'megvii');
    t.deepEqual(meta.zoo.metrics, Object.fromEntries(entry.metrics.map((m) => [m.key, m.value])));
    t.deepEqual(meta.input.mean, entry.config.normalize.mean);
    t.deepEqual(meta.flip_pairs, entry.config.flip_pairs);

    // second run: the verified file is reused, no request reaches the server
    const out2 = join(work, 'out-2');
    const r2 = await runCliAsync(['convert', NAME, '--mirror', server.origin, '--dir', dir, '--out', out2], { env });
    t.is(r2.code, 0, r2.stderr);
    t.is(server.requests.length, 1, 'no second download');
    t.is(JSON.parse(readFileSync(join(out2, 'report.json'), 'utf8')).source.sha256, digest);

    // verify by name finds the same verified file, again without a download
    const v = await runCliAsync(['verify', NAME, out, '--mirror', server.origin, '--dir', dir, '--json'], { env });
    t.is(v.code, 0, v.stdout + v.stderr);
    const vr = JSON.parse(v.stdout);
    t.is(validateJson(reportSchema, vr), null);
    t.true(vr.ok);
    t.is(vr.checkpoint.file, join(dir, entry.checkpoint.file));
    t.is(server.requests.length, 1);
  } finally {
    await server.close();
  }
});

test.serial('without the user registry the published sha256 prefix refuses the served file; nothing is converted', async (t) => {
  if (!requireTorch()) return t.pass('PyTorch absent (local run)');
  const body = readFileSync(makeCheckpoint(NAME));
  const server = await startServer(body, 'ok');
  try {
    const dir = join(work, 'ckpt-builtin');
    const out = join(work, 'out-builtin');
    const r = await runCliAsync(['convert', NAME, '--mirror', server.origin, '--dir', dir, '--out', out, '--json'], { env: { POSE_PORT_REGISTRY: '' } });
    t.is(r.code, 2, r.stderr);
    const res = JSON.parse(r.stdout);
    t.is(res.error.code, 'CHECKSUM_MISMATCH');
    t.regex(res.error.message, new RegExp(`registry's ${getZooEntry(NAME).checkpoint.sha256Prefix}`));
    t.false(existsSync(out));
    t.deepEqual(existsSync(dir) ? readdirSync(dir) : [], [], 'the rejected download was removed');
  } finally {
    await server.close();
  }
});

test.serial('the keys must still agree: a 2xrsn50 file served under the rsn18 name is ARCH_MISMATCH, exit 2, no output', async (t) => {
  if (!requireTorch()) return t.pass('PyTorch absent (local run)');
  const body = readFileSync(makeCheckpoint('2xrsn50_coco_256x192'));
  const entry = entryFor(sha256(body));
  const env = { POSE_PORT_REGISTRY: writeRegistry('zoo-wrong-arch.json', [entry]) };
  const server = await startServer(body, 'ok');
  try {
    const dir = join(work, 'ckpt-wrong');
    const out = join(work, 'out-wrong');
    const r = await runCliAsync(['convert', NAME, '--mirror', server.origin, '--dir', dir, '--out', out, '--json'], { env });
    t.is(r.code, 2, r.stderr);
    const res = JSON.parse(r.stdout);
    t.false(res.ok);
    t.is(res.error.code, 'ARCH_MISMATCH');
    t.regex(res.error.message, /rsn18/);
    t.regex(res.error.message, /2xrsn50|stages/);
    t.is(server.requests.length, 1, 'the file itself was fetched and verified');
    t.false(existsSync(out), 'nothing written');
    t.deepEqual(
      readdirSync(work).filter((f) => f.includes('.staging-')),
      [],
      'no staging directory left',
    );
  } finally {
    await server.close();
  }
});

test('a user registry that does not validate is refused naming the file and the field', (t) => {
  const good = getZooEntry(NAME);
  const cases: [string, unknown, RegExp][] = [
    ['bad-prefix.json', { ...good, checkpoint: { ...good.checkpoint, sha256Prefix: 'XYZ' } }, /entry 0 \('rsn18_coco_256x192'\).*sha256Prefix/],
    ['no-preset.json', { ...good, preset: undefined }, /missing required property 'preset'/],
    ['unknown-key.json', { ...good, mirror: 'x' }, /unexpected property 'mirror'/],
  ];
  for (const [file, entry, pattern] of cases) {
    const path = writeRegistry(file, [entry]);
    const r = runCli(['zoo', 'show', NAME], { env: { POSE_PORT_REGISTRY: path } });
    t.is(r.code, 2, `${file}: ${r.stderr}`);
    t.regex(r.stderr, /\[USAGE\]/);
    t.true(r.stderr.includes(path), r.stderr);
    t.regex(r.stderr, pattern);
  }
  const dup = writeRegistry('dup.json', [good, good]);
  t.throws(() => readRegistryFile(dup), { message: /names 'rsn18_coco_256x192' twice/ });
  t.throws(() => readRegistryFile(join(work, 'absent.json')), { message: /cannot read the registry file/ });
});

test('a user registry entry with a new name is listed after the built-in ones; one with a built-in name replaces it in place', (t) => {
  const base = getZooEntry(NAME);
  const renamed = { ...base, name: 'rsn18_coco_128x96', input: { height: 128, width: 96 } };
  const replaced = { ...base, checkpoint: { ...base.checkpoint, sha256Prefix: '00000000', file: base.checkpoint.file.replace(/-[0-9a-f]{8}_/, '-00000000_'), url: base.checkpoint.url.replace(/-[0-9a-f]{8}_/, '-00000000_') } };
  const path = writeRegistry('merge.json', [renamed, replaced]);
  const r = runCli(['zoo', 'list', '--json'], { env: { POSE_PORT_REGISTRY: path } });
  t.is(r.code, 0, r.stderr);
  const names = JSON.parse(r.stdout).entries.map((e: { name: string; sha256Prefix: string }) => `${e.name}:${e.sha256Prefix}`);
  t.is(names.length, 27);
  t.is(names[0], `${NAME}:00000000`);
  t.is(names.at(-1), `rsn18_coco_128x96:${base.checkpoint.sha256Prefix}`);
});
