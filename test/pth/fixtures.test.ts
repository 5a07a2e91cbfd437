/**
 * The committed fixtures (torch-written, see fixtures/pth/make_fixtures.py): every
 * readable case matches what torch.load read (names, order, dtypes, shapes, sha256
 * of the bytes, meta); every broken or hostile case is the expected typed error.
 * Runs without torch.
 */
import test from 'ava';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tensorBytes } from '../../src/core/tensor-bytes.js';
import { openCheckpoint, openCheckpointBytes } from '../../src/pth/index.js';
import { checkFixture, FIXTURES, readFixtureManifest } from './fixtures.js';

const cases = readFixtureManifest();

test('fixtures stay small (well under 1 MB)', (t) => {
  const total = cases.reduce((n, c) => n + statSync(join(FIXTURES, c.file)).size, 0);
  t.true(total < 256 * 1024, `${total} bytes`);
  t.true(cases.some((c) => c.format === 'zip' && !c.error) && cases.some((c) => c.format === 'legacy' && !c.error));
});

for (const c of cases) {
  test(`fixture ${c.file}${c.error ? ` -> ${c.error.code}` : ''}`, (t) => checkFixture(t, c));
}

test('views: transposed, sliced, column and expanded tensors gather from the shared storage', async (t) => {
  const ckpt = await openCheckpoint(join(FIXTURES, 'dtypes-zip.pth'));
  const get = (n: string) => ckpt.tensors.get(n)!;
  const base = get('base').data() as Float32Array; // [3, 4]
  const at = (i: number, j: number) => base[i * 4 + j];
  t.true(get('base').contiguous);
  const tr = get('transposed');
  t.false(tr.contiguous);
  t.deepEqual([...tr.stride], [1, 4]);
  t.is(tr.storageKey, get('base').storageKey, 'transposed shares the storage of base');
  t.deepEqual([...(tr.data() as Float32Array)], [0, 1, 2, 3].flatMap((j) => [0, 1, 2].map((i) => at(i, j))));
  const sl = get('sliced');
  t.is(sl.storageOffset, 5);
  t.deepEqual([...(sl.data() as Float32Array)], [at(1, 1), at(1, 3), at(2, 1), at(2, 3)]);
  t.deepEqual([...(get('column').data() as Float32Array)], [at(0, 2), at(1, 2), at(2, 2)]);
  const ex = get('expanded');
  t.deepEqual([...ex.stride], [0, 1]);
  t.deepEqual([...(ex.data() as Float32Array)], [0, 1, 2, 0, 1, 2]);
  t.deepEqual([...get('scalar').shape], []);
  t.is(get('scalar').numel, 1);
  t.deepEqual([...(get('scalar').data() as Float32Array)], [3.25]);
  t.is(get('empty').numel, 0);
  t.is(get('empty').data().length, 0);
  t.deepEqual([...(get('i64').data() as BigInt64Array)], [-(2n ** 62n), -1n, 0n, 2n ** 62n]);
  t.deepEqual([...(get('bool').data() as Uint8Array)], [1, 0, 1]);
  const scratch = new Uint8Array(64);
  t.deepEqual(tr.readInto(scratch), tr.bytes(), 'readInto gathers a strided view too');
  t.deepEqual(get('base').readInto(scratch), get('base').bytes());
  t.throws(() => get('base').readInto(new Uint8Array(4)), { code: 'USAGE' } as never);
  const b = get('f16').bytes();
  t.deepEqual(b, tensorBytes(get('f16')));
  t.is(b.length, 10);
  ckpt.close();
  t.throws(() => get('base').data(), { code: 'IO' } as never, 'data() after close() is an IO error');
});

test('the MMPose wrapper meta: numpy scalars become numbers, dicts null-prototype objects', async (t) => {
  const ckpt = await openCheckpoint(join(FIXTURES, 'dtypes-legacy.pth'));
  const meta = ckpt.meta as Record<string, any>;
  t.is(Object.getPrototypeOf(meta), null);
  t.is(meta.hook_msgs.best_score, 0.7512);
  t.is(meta.hook_msgs.best_epoch, 200);
  t.is(meta.hook_msgs.flag, true);
  t.is(meta.big, 2n ** 70n);
  t.is(meta.negbig, -(2n ** 63n));
  t.true(meta.by_int instanceof Map, 'a dict with int keys stays a Map');
  t.deepEqual(meta.array.shape, [2, 3]);
  t.true(meta.array.data instanceof Float32Array);
  ckpt.close();
});

test('DataParallel: a leading module. is stripped, the stored name kept', async (t) => {
  for (const f of ['dataparallel-zip.pth', 'dataparallel-legacy.pth']) {
    const ckpt = await openCheckpoint(join(FIXTURES, f));
    const e = ckpt.tensors.get('backbone.conv1.weight');
    t.truthy(e, f);
    t.is(e!.storedName, 'module.backbone.conv1.weight');
    t.false(ckpt.tensors.has('module.backbone.conv1.weight'));
    ckpt.close();
  }
});

test('__proto__ and constructor keys are plain data: nothing reaches Object.prototype', async (t) => {
  for (const f of ['proto-keys-zip.pth', 'proto-keys-legacy.pth']) {
    const ckpt = await openCheckpoint(join(FIXTURES, f));
    t.is(({} as Record<string, unknown>).polluted, undefined);
    t.is((Object.prototype as Record<string, unknown>).polluted, undefined);
    const meta = ckpt.meta as Record<string, any>;
    t.true(Object.hasOwn(meta, '__proto__'), 'own key, not a prototype');
    t.is(meta['__proto__'].polluted, 'yes');
    t.is(meta.constructor.prototype.polluted, 'yes');
    t.deepEqual([...(ckpt.tensors.get('__proto__')!.data() as Float32Array)], [1, 1]);
    t.deepEqual([...(ckpt.tensors.get('constructor')!.data() as Float32Array)], [2]);
    t.deepEqual([...(ckpt.tensors.get('toString')!.data() as Float32Array)], [3]);
    t.false(ckpt.tensors.has('hasOwnProperty'));
    ckpt.close();
  }
});

test('in-memory bytes read the same as the file', async (t) => {
  const file = join(FIXTURES, 'dtypes-proto4-zip.pth');
  const a = await openCheckpoint(file);
  const b = openCheckpointBytes(readFileSync(file), { name: 'mem' });
  t.is(b.path, 'mem');
  t.deepEqual(
    b.tensors.entries.map((e) => [e.name, Buffer.from(e.bytes()).toString('hex')]),
    a.tensors.entries.map((e) => [e.name, Buffer.from(e.bytes()).toString('hex')]),
  );
  a.close();
});

test('options are validated: unknown keys are refused', async (t) => {
  const file = join(FIXTURES, 'two-zip.pth');
  await t.throwsAsync(openCheckpoint(file, { allowUnknownGlobal: true } as never), { code: 'USAGE' } as never);
  await t.throwsAsync(openCheckpoint(file, { limits: { maxDepth: 3 } } as never), { code: 'USAGE' } as never);
  await t.throwsAsync(openCheckpoint(join(FIXTURES, 'no-such-file.pth')), { code: 'IO' } as never);
});
