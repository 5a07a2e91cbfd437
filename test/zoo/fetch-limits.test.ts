/**
 * fetch against hostile or failing servers and file systems: a body that trickles,
 * stalls, never ends or is larger than announced or allowed; redirects; a full or
 * read-only disk; anything planted at the `.part` path. The served body is 256 KiB of
 * seeded bytes and the entry's sha256 prefix is taken from it (no PyTorch needed).
 */
import test from 'ava';
import { createHash } from 'node:crypto';
import { chownSync, existsSync, linkSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { PosePortError } from '../../src/core/errors.js';
import { defaultMaxBytes, fetchCheckpoint, type FetchOptions } from '../../src/zoo/fetch.js';
import { getZooEntry, listZoo } from '../../src/zoo/registry.js';
import type { ZooEntry } from '../../src/zoo/types.js';
import { mountTmpfs, tmpfsUnavailable } from '../helpers/tmpfs.js';
import { startServer, type Behaviour, type ServerOptions } from './server.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const body = Uint8Array.from({ length: 256 * 1024 }, (_, i) => (i * 2654435761) >>> 24);
const base = getZooEntry('rsn18_coco_256x192');
const entry: ZooEntry = { ...base, checkpoint: { ...base.checkpoint, sha256Prefix: createHash('sha256').update(body).digest('hex').slice(0, 8) } };
const FAST: FetchOptions = { retryDelayMs: 1, maxRetryDelayMs: 5, idleTimeoutMs: 10_000 };

const tempDir = tempDirs('fetch-limits');

async function withServer<T>(behaviour: Behaviour, fn: (origin: string, requests: () => number) => Promise<T>, options: ServerOptions = {}): Promise<T> {
  const server = await startServer(body, behaviour, options);
  try {
    return await fn(server.origin, () => server.requests.length);
  } finally {
    await server.close();
  }
}

async function failure(p: Promise<unknown>): Promise<PosePortError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof PosePortError) return e;
    throw e;
  }
  throw new Error('expected a PosePortError, the fetch succeeded');
}

const partOf = (dir: string) => join(dir, `${entry.checkpoint.file}.part`);
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

test('a body that trickles (one byte per 50 ms) fails the minimum rate, is retried resuming, then DOWNLOAD_FAILED', async (t) => {
  const dir = tempDir();
  await withServer('trickle', async (origin, requests) => {
    const e = await failure(fetchCheckpoint(entry, { dir, mirror: origin, ...FAST, retries: 1, minBytesPerSecond: 1000, rateWindowMs: 300 }));
    t.is(e.code, 'DOWNLOAD_FAILED');
    t.regex(e.message, /failed after 2 attempts: transfer too slow: \d+ bytes in the last 300 ms, below the minimum rate of 1000 bytes\/s/);
    t.is(requests(), 2);
    t.true(existsSync(partOf(dir)), 'what arrived is kept for a resume');
  });
});

test('a trickle under no minimum rate ends at the overall deadline, keeping the partial file', async (t) => {
  const dir = tempDir();
  await withServer('trickle', async (origin) => {
    const e = await failure(fetchCheckpoint(entry, { dir, mirror: origin, ...FAST, minBytesPerSecond: 0, deadlineMs: 400 }));
    t.is(e.code, 'DOWNLOAD_FAILED');
    t.regex(e.message, /did not finish within the 0\.4 s deadline \(attempts: 1;/);
    t.like(e.details, { reason: 'deadline', attempts: 1 });
    t.true(existsSync(partOf(dir)));
  });
});

test('a body that stalls after the headers ends at the deadline even with a long idle timeout', async (t) => {
  await withServer('stall-body', async (origin) => {
    const e = await failure(fetchCheckpoint(entry, { dir: tempDir(), mirror: origin, ...FAST, idleTimeoutMs: 60_000, deadlineMs: 300 }));
    t.like(e.details, { reason: 'deadline' });
  });
});

test('the deadline also cuts the waits between retries', async (t) => {
  await withServer({ status: 503 }, async (origin, requests) => {
    const e = await failure(fetchCheckpoint(entry, { dir: tempDir(), mirror: origin, retries: 5, retryDelayMs: 60_000, maxRetryDelayMs: 60_000, deadlineMs: 500 }));
    t.like(e.details, { reason: 'deadline', attempts: 1 });
    t.is(requests(), 1, 'no second request after a wait the deadline would cut');
  });
});

test('an endless body stops at the cap, is removed and is not retried', async (t) => {
  const dir = tempDir();
  await withServer('endless', async (origin, requests) => {
    const e = await failure(fetchCheckpoint(entry, { dir, mirror: origin, ...FAST, retries: 3, maxBytes: 1 << 20 }));
    t.is(e.code, 'DOWNLOAD_FAILED');
    t.regex(e.message, /refused: the body went past 1048576 bytes; the partial file was dropped, more than the 1048576-byte cap \(maxBytes \/ --max-bytes\); not retried/);
    t.is(requests(), 1);
    t.deepEqual(readdirSync(dir), []);
  });
});

test("the registry's size of the file is the cap when it gives one: a chunked body past it is refused", async (t) => {
  const dir = tempDir();
  const sized: ZooEntry = { ...entry, checkpoint: { ...entry.checkpoint, bytes: body.length } };
  await withServer('oversize-chunked', async (origin) => {
    const e = await failure(fetchCheckpoint(sized, { dir, mirror: origin, ...FAST }));
    t.regex(e.message, new RegExp(`went past ${body.length} bytes.*\\(the registry's size of the file\\)`));
    t.like(e.details, { reason: 'too-large', maxBytes: body.length });
    t.deepEqual(readdirSync(dir), []);
  });
  // and the same file served honestly passes under that cap
  await withServer('ok', async (origin) => {
    const r = await fetchCheckpoint(sized, { dir, mirror: origin, ...FAST });
    t.is(r.bytes, body.length);
  });
});

test('a Content-Length above the cap is refused before any byte is written', async (t) => {
  const dir = tempDir();
  await withServer(
    'oversize-announced',
    async (origin, requests) => {
      const e = await failure(fetchCheckpoint(entry, { dir, mirror: origin, ...FAST, retries: 2, maxBytes: body.length }));
      t.regex(e.message, new RegExp(`the server announces ${body.length + 4096} bytes, more than the ${body.length}-byte cap`));
      t.is(requests(), 1);
      t.deepEqual(readdirSync(dir), []);
    },
    { extraBytes: 4096 },
  );
});

test('without a registry size the default cap is 4 x the float32 parameter bytes + 64 MiB', (t) => {
  t.is(defaultMaxBytes(entry), 16 * entry.config.param_count + 64 * 1024 * 1024);
  const caps = listZoo().map(defaultMaxBytes);
  t.true(Math.max(...caps) < 2 ** 31, `largest default cap ${Math.max(...caps)} bytes`);
});

test('redirects are followed to the file; a redirect loop and a redirect to file:// are refused without writing', async (t) => {
  await withServer('redirect', async (origin, requests) => {
    const r = await fetchCheckpoint(entry, { dir: tempDir(), mirror: origin, ...FAST });
    t.true(same(readFileSync(r.path), body));
    t.is(requests(), 2);
    t.is(r.attempts, 1);
  });
  await withServer('redirect-loop', async (origin, requests) => {
    const e = await failure(fetchCheckpoint(entry, { dir: tempDir(), mirror: origin, ...FAST }));
    t.regex(e.message, /more than 5 redirects .*not retried/);
    t.is(requests(), 6);
  });
  const dir = tempDir();
  await withServer({ redirect: 'file:///etc/passwd' }, async (origin) => {
    const e = await failure(fetchCheckpoint(entry, { dir, mirror: origin, ...FAST }));
    t.regex(e.message, /redirect to unsupported URL file:\/\/\/etc\/passwd/);
    t.deepEqual(readdirSync(dir), []);
  });
});

test('a cut download still resumes with a Range request from where it stopped', async (t) => {
  await withServer('drop-half', async (origin, requests) => {
    const r = await fetchCheckpoint(entry, { dir: tempDir(), mirror: origin, ...FAST, retries: 2 });
    t.true(r.resumed);
    t.is(requests(), 2);
    t.true(same(readFileSync(r.path), body));
  });
});

const fsReason = tmpfsUnavailable();
const rootTest = fsReason ? test.skip : test.serial;
if (fsReason) test.skip(`tmpfs tests skipped: ${fsReason}`, () => {});

rootTest('a full disk (64 KiB tmpfs) fails at once with IO ENOSPC, not retried, and the partial file is removed', async (t) => {
  const fs = mountTmpfs(64 * 1024);
  try {
    await withServer('ok', async (origin, requests) => {
      const e = await failure(fetchCheckpoint(entry, { dir: fs.dir, mirror: origin, ...FAST, retries: 4 }));
      t.is(e.code, 'IO');
      t.regex(e.message, /cannot write the download after \d+ bytes: ENOSPC.*the partial download was removed to give the space back/);
      t.like(e.details, { errno: 'ENOSPC' });
      t.is(e.file, partOf(fs.dir));
      t.is(requests(), 1);
      t.deepEqual(readdirSync(fs.dir), []);
    });
  } finally {
    fs.unmount();
  }
});

rootTest('a read-only directory fails with IO EROFS after one request, not retried', async (t) => {
  const fs = mountTmpfs(1 << 20, { readOnly: true });
  try {
    await withServer('ok', async (origin, requests) => {
      const e = await failure(fetchCheckpoint(entry, { dir: fs.dir, mirror: origin, ...FAST, retries: 4 }));
      t.is(e.code, 'IO');
      t.regex(e.message, /EROFS/);
      t.true(requests() <= 1);
    });
  } finally {
    fs.unmount();
  }
});

test('a symbolic link planted at the .part path is refused and its target left alone', async (t) => {
  const dir = tempDir();
  const victim = join(tempDir(), 'victim.txt');
  writeFileSync(victim, 'precious\n');
  symlinkSync(victim, partOf(dir));
  await withServer('ok', async (origin, requests) => {
    const e = await failure(fetchCheckpoint(entry, { dir, mirror: origin, ...FAST }));
    t.is(e.code, 'IO');
    t.regex(e.message, /the partial download is a symbolic link; pose-port follows no links/);
    t.is(requests(), 0);
  });
  t.is(readFileSync(victim, 'utf8'), 'precious\n');
});

test('a hard link, a FIFO or another user\'s file at the .part path is refused too', async (t) => {
  const victim = join(tempDir(), 'victim.bin');
  const cases: [string, (part: string) => void, RegExp][] = [
    ['hard link', (p) => (writeFileSync(victim, 'precious\n'), linkSync(victim, p)), /has 2 hard links/],
    ['fifo', (p) => execFileSync('mkfifo', [p]), /is not a regular file/],
  ];
  if (process.getuid?.() === 0) cases.push(['other user', (p) => (writeFileSync(p, 'x'), chownSync(p, 4242, 4242)), /is owned by uid 4242, not by this process/]);
  await withServer('ok', async (origin) => {
    for (const [what, plant, re] of cases) {
      const dir = tempDir();
      plant(partOf(dir));
      const e = await failure(fetchCheckpoint(entry, { dir, mirror: origin, ...FAST }));
      t.is(e.code, 'IO', what);
      t.regex(e.message, re, what);
    }
  });
  t.is(readFileSync(victim, 'utf8'), 'precious\n');
});

test('options are checked: a zero deadline or cap and a fractional byte count are USAGE errors', async (t) => {
  for (const o of [{ deadlineMs: 0 }, { maxBytes: 0 }, { maxBytes: 1.5 }, { minBytesPerSecond: -1 }, { rateWindowMs: 0 }] as FetchOptions[]) {
    const e = await failure(fetchCheckpoint(entry, { dir: tempDir(), ...o }));
    t.is(e.code, 'USAGE', JSON.stringify(o));
  }
});
