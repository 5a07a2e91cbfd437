/**
 * Bad files: not a checkpoint, truncated at every byte (both containers), broken zip
 * directories and records, declared lengths past the end of the file. Each is a
 * PosePortError with a code, the file and a byte offset inside it; none crashes.
 */
import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PosePortError, type ErrorCode } from '../../src/core/errors.js';
import { openCheckpoint, openCheckpointBytes } from '../../src/pth/index.js';
import { f32bytes, stateDictPickle, torchZip, zipStored } from './build.js';
import { FIXTURES } from './fixtures.js';
import { expectPoseRejection } from '../helpers/errors.js';

const tmp = mkdtempSync(join(tmpdir(), 'pose-port-bad-'));

function fail(bytes: Uint8Array, name = 'bad.pth'): PosePortError {
  try {
    openCheckpointBytes(bytes, { name });
  } catch (e) {
    if (e instanceof PosePortError) return e;
    throw new Error(`not a PosePortError: ${(e as Error).stack}`);
  }
  throw new Error('read without error');
}

test('a file that is no checkpoint names the magic bytes it found', async (t) => {
  const cases: [string, Uint8Array, RegExp][] = [
    ['png', Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]), /89 50 4e 47 0d 0a 1a 0a \("\.PNG\.\.\.\."\)/],
    ['text', new TextEncoder().encode('hello world\n'), /68 65 6c 6c 6f 20 77 6f \("hello wo"\)/],
    ['empty', new Uint8Array(0), /an empty file/],
    ['gzip', Uint8Array.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]), /gzip/],
    ['bare pickle', Uint8Array.from([0x80, 2, 0x4b, 1, 0x2e]), /pickle without torch's magic number/],
    ['tar', (() => { const b = new Uint8Array(1024); b.set(new TextEncoder().encode('ustar'), 257); return b; })(), /tar archive/],
  ];
  for (const [name, bytes, re] of cases) {
    const file = join(tmp, `${name}.bin`);
    writeFileSync(file, bytes);
    const e = await expectPoseRejection(t, openCheckpoint(file));
    t.is(e?.code, 'NOT_A_CHECKPOINT', name);
    t.regex(e?.message ?? '', re, name);
    t.is((e as PosePortError).file, file);
    t.is((e as PosePortError).offset, 0);
  }
});

for (const f of ['dtypes-zip.pth', 'dtypes-legacy.pth', 'dtypes-proto4-legacy.pth', 'dtypes-proto5-zip.pth']) {
  test(`${f} truncated at every byte: always a typed error at an offset inside the cut file`, (t) => {
    const whole = new Uint8Array(readFileSync(join(FIXTURES, f)));
    const codes = new Map<string, number>();
    for (let cut = 0; cut < whole.length; cut++) {
      const e = fail(whole.subarray(0, cut), f);
      codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
      if (e.file !== f || e.offset === undefined || e.offset < 0 || e.offset > cut) {
        t.fail(`cut ${cut}: ${e.code} ${e.message} (offset ${e.offset})`);
        return;
      }
      if (cut >= 64 && e.code !== 'TRUNCATED') {
        t.fail(`cut ${cut}: expected TRUNCATED, got ${e.code}: ${e.message}`);
        return;
      }
    }
    t.true((codes.get('TRUNCATED') ?? 0) > whole.length - 64, JSON.stringify([...codes]));
    t.log(JSON.stringify([...codes]));
  });
}

/** The minimal zip checkpoint of build.ts, with its central directory located. */
function smallZip(): { bytes: Uint8Array; cd: number; eocd: number } {
  const pkl = stateDictPickle([{ name: 'w', numel: 4, shape: [4] }]);
  const bytes = torchZip(pkl, { '0': f32bytes([1, 2, 3, 4]) });
  const dv = new DataView(bytes.buffer);
  const eocd = bytes.length - 22;
  return { bytes, cd: dv.getUint32(eocd + 16, true), eocd };
}

/** central directory entry of `name` */
function cdEntry(bytes: Uint8Array, cd: number, name: string): number {
  const dv = new DataView(bytes.buffer);
  for (let p = cd; dv.getUint32(p, true) === 0x02014b50; ) {
    const n = dv.getUint16(p + 28, true);
    const e = dv.getUint16(p + 30, true);
    const c = dv.getUint16(p + 32, true);
    if (new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + n)) === name) return p;
    p += 46 + n + e + c;
  }
  throw new Error(`no ${name}`);
}

test('zip: sizes, offsets and counts in the directory are checked against the file', (t) => {
  const { bytes: good, cd, eocd } = smallZip();
  t.is(openCheckpointBytes(good).tensors.entries.length, 1);
  const patch = (at: number, v: number, width: 2 | 4): Uint8Array => {
    const b = good.slice();
    const dv = new DataView(b.buffer);
    if (width === 2) dv.setUint16(at, v, true);
    else dv.setUint32(at, v, true);
    return b;
  };
  const rec = cdEntry(good, cd, 'archive/data/0');
  const pkl = cdEntry(good, cd, 'archive/data.pkl');
  const cases: [string, Uint8Array, ErrorCode, RegExp][] = [
    ['record size past the end', patch(rec + 20, 0x7fffffff, 4).map((x, i, a) => (i >= rec + 24 && i < rec + 28 ? a[i - 4] : x)), 'TRUNCATED', /runs past the data area/],
    ['record offset past the data', patch(rec + 42, 0x7ffffff0, 4), 'ZIP_FORMAT', /past the data area/],
    ['stored sizes differ', patch(rec + 20, 3, 4), 'ZIP_FORMAT', /sizes 3 != 16/],
    ['data.pkl header offset wrong', patch(pkl + 42, 1, 4), 'ZIP_FORMAT', /no local header/],
    ['directory past its end record', patch(eocd + 16, good.length, 4), 'TRUNCATED', /central directory/],
    ['record count the directory cannot hold', patch(eocd + 10, 0xfff0, 2), 'ZIP_FORMAT', /declares 65520 records/],
    ['encrypted record', patch(rec + 8, 1, 2), 'ZIP_FORMAT', /encrypted/],
    ['multi-disk', patch(eocd + 4, 1, 2), 'ZIP_FORMAT', /multi-disk/],
    ['zip64 marker without a zip64 record', patch(eocd + 16, 0xffffffff, 4), 'ZIP_FORMAT', /zip64/],
  ];
  for (const [name, bytes, code, re] of cases) {
    const e = fail(bytes);
    t.is(e.code, code, `${name}: ${e.message}`);
    t.regex(e.message, re, name);
    t.true(e.offset !== undefined && e.offset >= 0 && e.offset <= bytes.length, `${name}: offset ${e.offset}`);
  }
});

test('zip: no data.pkl, two data.pkl, and a byteorder that is not little are refused', (t) => {
  const { bytes } = smallZip();
  const renamed = bytes.slice();
  const at = Buffer.from(renamed).indexOf('archive/data.pkl');
  renamed.set(new TextEncoder().encode('archive/data.pkX'), at);
  const cdAt = Buffer.from(renamed).indexOf('archive/data.pkl', at + 1);
  renamed.set(new TextEncoder().encode('archive/data.pkX'), cdAt);
  t.is(fail(renamed).code, 'ZIP_RECORD_MISSING');
  const pkl = stateDictPickle([{ name: 'w', numel: 4, shape: [4] }]);
  const big = zipStored([
    { name: 'archive/data.pkl', data: pkl },
    { name: 'archive/byteorder', data: new TextEncoder().encode('big') },
    { name: 'archive/data/0', data: f32bytes([1, 2, 3, 4]) },
  ]);
  const e = fail(big);
  t.is(e.code, 'ZIP_FORMAT');
  t.regex(e.message, /byteorder record says 'big'/);
});

test('zip64 end records and extra fields are read', (t) => {
  const pkl = stateDictPickle([{ name: 'w', numel: 4, shape: [2, 2] }]);
  const z = torchZip(pkl, { '0': f32bytes([1, 2, 3, 4]) }, { zip64: true });
  const c = openCheckpointBytes(z);
  t.true((c.container as { zip64: boolean }).zip64);
  t.deepEqual([...(c.tensors.get('w')!.data() as Float32Array)], [1, 2, 3, 4]);
  // the zip64 end record pointing past its locator
  const b = z.slice();
  const dv = new DataView(b.buffer);
  const loc = b.length - 22 - 20;
  dv.setBigUint64(loc + 8, BigInt(b.length), true);
  t.is(fail(b).code, 'ZIP_FORMAT');
});

test('a zip with an unreferenced or renamed folder still reads: any folder name', (t) => {
  const pkl = stateDictPickle([{ name: 'w', numel: 4, shape: [4] }]);
  const c = openCheckpointBytes(torchZip(pkl, { '0': f32bytes([1, 2, 3, 4]) }, { folder: 'res50_coco_256x192-ec54d7f3_20200709' }));
  t.is((c.container as { folder: string }).folder, 'res50_coco_256x192-ec54d7f3_20200709');
  t.deepEqual([...(c.tensors.get('w')!.data() as Float32Array)], [1, 2, 3, 4]);
});

test('a storage key referenced but absent (zip) and a tensor past its storage (built)', (t) => {
  const pkl = stateDictPickle([
    { name: 'a', numel: 4, shape: [4] },
    { name: 'b', numel: 4, shape: [4], key: '7' },
  ]);
  const e = fail(torchZip(pkl, { '0': f32bytes([1, 2, 3, 4]) }));
  t.is(e.code, 'ZIP_RECORD_MISSING');
  t.is(e.key, 'b');
  t.regex(e.message, /storage '7' of tensor 'b' has no record 'archive\/data\/7'/);
  const past = stateDictPickle([{ name: 'v', numel: 4, shape: [2, 2], stride: [2, 2], offset: 1 }]);
  const e2 = fail(torchZip(past, { '0': f32bytes([1, 2, 3, 4]) }));
  t.is(e2.code, 'TENSOR_BOUNDS');
  t.is(e2.key, 'v');
  t.regex(e2.message, /tensor 'v' \(float32 \[2, 2\], stride \[2, 2\], offset 1\) reaches byte 24/);
  const huge = stateDictPickle([{ name: 'h', numel: 4, shape: [2 ** 26, 2 ** 26, 2 ** 26], stride: [1, 1, 1] }]);
  t.is(fail(torchZip(huge, { '0': f32bytes([1, 2, 3, 4]) })).code, 'TENSOR_BOUNDS');
});
