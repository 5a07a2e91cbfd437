/**
 * Verified download against a local server serving a make-checkpoint.py checkpoint (a
 * legacy-format file with meta, like the published ones). The registry entry is
 * copied with its sha256 prefix taken from the served file and reached via `mirror`.
 */
import test from 'ava';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PosePortError } from '../../src/core/errors.js';
import { defaultCheckpointDir, fetchCheckpoint, mirrorUrl, type FetchProgress } from '../../src/zoo/fetch.js';
import type { HttpGet } from '../../src/zoo/http.js';
import { getZooEntry } from '../../src/zoo/registry.js';
import type { ZooEntry } from '../../src/zoo/types.js';
import { makeCheckpoint, requireTorch } from '../helpers/ckpt.js';
import { startServer, type Behaviour } from './server.js';
import { tempDirs } from '../helpers/temp-dirs.js';
import { expectPoseError, expectPoseRejection } from '../helpers/errors.js';

const MODEL = 'rsn18_coco_256x192';
const torch = requireTorch();
const withTorch = torch ? test.serial : test.serial.skip;

let body: Uint8Array = new Uint8Array(0);
let entry: ZooEntry;

test.before(() => {
  if (torch) body = readFileSync(makeCheckpoint(MODEL, { legacy: true, meta: true }));
  else body = Uint8Array.from({ length: 4096 }, (_, i) => (i * 31 + 7) & 255); // only for the status tests
  const sha = createHash('sha256').update(body).digest('hex');
  const e = getZooEntry(MODEL);
  entry = { ...e, checkpoint: { ...e.checkpoint, sha256Prefix: sha.slice(0, 8) } };
});

const tempDir = tempDirs('fetch');

function sameAsBody(path: string): boolean {
  return Buffer.from(body.buffer, body.byteOffset, body.length).equals(readFileSync(path));
}

const FAST = { retryDelayMs: 1, maxRetryDelayMs: 5, idleTimeoutMs: 10_000 };
const urlPath = () => new URL(entry.checkpoint.url).pathname;

async function serve(behaviour: Behaviour) {
  return startServer(body, behaviour);
}

withTorch('a clean download lands verified under the registry file name, via the mirror, with progress', async (t) => {
  const server = await serve('ok');
  const dir = tempDir();
  const seen: FetchProgress[] = [];
  try {
    const r = await fetchCheckpoint(entry, { dir, mirror: server.origin, retries: 0, ...FAST, onProgress: (p) => seen.push(p) });
    t.is(r.path, join(dir, entry.checkpoint.file));
    t.true(r.downloaded);
    t.false(r.resumed);
    t.is(r.attempts, 1);
    t.is(r.bytes, body.length);
    t.is(r.url, `${server.origin}${urlPath()}`);
    t.true(r.sha256.startsWith(entry.checkpoint.sha256Prefix));
    t.true(sameAsBody(r.path), 'file equals the served bytes');
    t.deepEqual(readdirSync(dir), [entry.checkpoint.file]);
    t.deepEqual(server.requests, [{ method: 'GET', path: urlPath() }]);
    t.deepEqual(seen.at(-1), { file: entry.checkpoint.file, received: body.length, total: body.length });
    t.true(seen.every((p, i) => i === 0 || p.received >= seen[i - 1].received));
  } finally {
    await server.close();
  }
});

withTorch('a connection cut half-way is resumed with a Range request and completes', async (t) => {
  const server = await serve('drop-half');
  const dir = tempDir();
  try {
    const r = await fetchCheckpoint(entry, { dir, mirror: server.origin, retries: 3, ...FAST });
    t.true(r.resumed);
    t.is(r.attempts, 2);
    t.true(sameAsBody(r.path), 'file equals the served bytes');
    t.is(server.requests.length, 2);
    t.is(server.requests[0].range, undefined);
    const m = /^bytes=(\d+)-$/.exec(server.requests[1].range ?? '');
    t.truthy(m, `second request has a Range header: ${JSON.stringify(server.requests[1])}`);
    const from = Number(m![1]);
    t.true(from > 0 && from <= body.length >> 1, `resumed from byte ${from} of ${body.length}`);
    t.false(existsSync(`${r.path}.part`));
  } finally {
    await server.close();
  }
});

withTorch('a response that stalls half-way times out and is resumed', async (t) => {
  const server = await serve('stall-half');
  const dir = tempDir();
  try {
    const r = await fetchCheckpoint(entry, { dir, mirror: server.origin, retries: 1, retryDelayMs: 1, idleTimeoutMs: 2000 });
    t.true(r.resumed);
    t.is(r.attempts, 2);
    t.regex(server.requests[1].range ?? '', /^bytes=[1-9]\d*-$/);
    t.true(sameAsBody(r.path), 'file equals the served bytes');
  } finally {
    await server.close();
  }
});

withTorch('a server that ignores Range and answers 200 restarts the file cleanly', async (t) => {
  const server = await serve('drop-half-ignore-range');
  const dir = tempDir();
  try {
    const r = await fetchCheckpoint(entry, { dir, mirror: server.origin, retries: 3, ...FAST });
    t.false(r.resumed);
    t.is(r.attempts, 2);
    t.truthy(server.requests[1].range, 'the retry asked for a range');
    t.is(r.bytes, body.length);
    t.true(sameAsBody(r.path), 'file equals the served bytes');
  } finally {
    await server.close();
  }
});

withTorch('wrong bytes are rejected with CHECKSUM_MISMATCH and nothing is left in place', async (t) => {
  const server = await serve('wrong-bytes');
  const dir = tempDir();
  try {
    const e = await expectPoseRejection(t, fetchCheckpoint(entry, { dir, mirror: server.origin, retries: 2, ...FAST }));
    t.is((e as PosePortError).code, 'CHECKSUM_MISMATCH');
    t.regex(e!.message, new RegExp(`${entry.checkpoint.file}.*${server.origin.replace(/\./g, '\\.')}.*does not start with the registry's ${entry.checkpoint.sha256Prefix}`));
    t.deepEqual(readdirSync(dir), []);
    t.is(server.requests.length, 1, 'a fresh download with wrong bytes is not retried');
  } finally {
    await server.close();
  }
});

withTorch('a stale .part from an earlier run that fails the check is dropped and downloaded once more from byte 0', async (t) => {
  const server = await serve('ok');
  const dir = tempDir();
  const final = join(dir, entry.checkpoint.file);
  writeFileSync(`${final}.part`, Buffer.alloc(1000, 0x55)); // not the first 1000 bytes of the file
  try {
    const r = await fetchCheckpoint(entry, { dir, mirror: server.origin, retries: 0, ...FAST });
    t.true(sameAsBody(final), 'file equals the served bytes');
    t.deepEqual(
      server.requests.map((q) => q.range),
      ['bytes=1000-', undefined],
    );
    t.is(r.attempts, 2);
    t.deepEqual(readdirSync(dir), [entry.checkpoint.file]);
  } finally {
    await server.close();
  }
});

withTorch('an existing verified file is not downloaded again', async (t) => {
  const server = await serve('ok');
  const dir = tempDir();
  writeFileSync(join(dir, entry.checkpoint.file), body);
  try {
    const r = await fetchCheckpoint(entry, { dir, mirror: server.origin, ...FAST });
    t.false(r.downloaded);
    t.is(r.attempts, 0);
    t.is(r.bytes, body.length);
    t.deepEqual(server.requests, []);
  } finally {
    await server.close();
  }
});

withTorch('an existing file with the wrong hash is replaced by a verified download', async (t) => {
  const server = await serve('ok');
  const dir = tempDir();
  const final = join(dir, entry.checkpoint.file);
  writeFileSync(final, body.subarray(0, 100));
  try {
    const r = await fetchCheckpoint(entry, { dir, mirror: server.origin, retries: 0, ...FAST });
    t.true(r.downloaded);
    t.true(sameAsBody(final), 'file equals the served bytes');
    t.is(server.requests.length, 1);
  } finally {
    await server.close();
  }
});

test('404 fails at once with DOWNLOAD_FAILED naming the URL and the status', async (t) => {
  const server = await serve({ status: 404 });
  const dir = tempDir();
  try {
    const e = await expectPoseRejection(t, fetchCheckpoint(entry, { dir, mirror: server.origin, retries: 4, ...FAST }));
    t.is(e.code, 'DOWNLOAD_FAILED');
    t.true(e.message.includes(`${server.origin}${urlPath()}`), e.message);
    t.regex(e.message, /HTTP 404 Not Found \(not retried; attempts: 1\)/);
    t.like(e.details, { status: 404, attempts: 1 });
    t.is(server.requests.length, 1);
    t.deepEqual(readdirSync(dir), []);
  } finally {
    await server.close();
  }
});

test('500 is retried, then DOWNLOAD_FAILED names the URL, the status and the attempts', async (t) => {
  const server = await serve({ status: 500 });
  const dir = tempDir();
  try {
    const e = await expectPoseRejection(t, fetchCheckpoint(entry, { dir, mirror: server.origin, retries: 2, ...FAST }));
    t.is(e.code, 'DOWNLOAD_FAILED');
    t.true(e.message.includes(`${server.origin}${urlPath()}`), e.message);
    t.regex(e.message, /failed after 3 attempts: HTTP 500 Internal Server Error/);
    t.like(e.details, { status: 500, attempts: 3 });
    t.is(server.requests.length, 3);
    t.deepEqual(readdirSync(dir), []);
  } finally {
    await server.close();
  }
});

test('retries back off exponentially: 20 + 40 ms before the 2nd and 3rd attempts', async (t) => {
  const server = await serve({ status: 503 });
  try {
    const t0 = performance.now();
    await t.throwsAsync(fetchCheckpoint(entry, { dir: tempDir(), mirror: server.origin, retries: 2, retryDelayMs: 20, maxRetryDelayMs: 1000 }));
    const ms = performance.now() - t0;
    t.true(ms >= 58, `took ${ms.toFixed(1)} ms`);
    t.is(server.requests.length, 3);
  } finally {
    await server.close();
  }
});

test('408 and 429 are retried like 5xx; other 4xx are not', async (t) => {
  for (const [status, requests] of [
    [408, 2],
    [429, 2],
    [403, 1],
    [410, 1],
  ] as const) {
    const server = await serve({ status });
    try {
      const e = await expectPoseRejection(t, fetchCheckpoint(entry, { dir: tempDir(), mirror: server.origin, retries: 1, ...FAST }));
      t.is(e.code, 'DOWNLOAD_FAILED');
      t.is(server.requests.length, requests, `HTTP ${status}`);
    } finally {
      await server.close();
    }
  }
});

test('a refused connection is retried and reported', async (t) => {
  const server = await serve('ok');
  const origin = server.origin;
  await server.close(); // nothing listens there now
  const e = await expectPoseRejection(t, fetchCheckpoint(entry, { dir: tempDir(), mirror: origin, retries: 1, ...FAST }));
  t.is(e.code, 'DOWNLOAD_FAILED');
  t.regex(e.message, /after 2 attempts: .*ECONNREFUSED/);
});

test('fetchImpl replaces the HTTP client; redirects are followed and not counted as attempts', async (t) => {
  const small = new TextEncoder().encode('a tiny stand-in for a checkpoint\n');
  const e: ZooEntry = { ...entry, checkpoint: { ...entry.checkpoint, sha256Prefix: createHash('sha256').update(small).digest('hex').slice(0, 8) } };
  const seen: string[] = [];
  const fetchImpl: HttpGet = async (url) => {
    seen.push(url);
    const redirect = !new URL(url).pathname.startsWith('/blobs/');
    return {
      status: redirect ? 302 : 200,
      statusText: redirect ? 'Found' : 'OK',
      headers: redirect ? { location: `/blobs${new URL(url).pathname}` , 'content-length': '0' } : { 'content-length': String(small.length) },
      body: (async function* () {
        if (!redirect) yield small;
      })(),
      cancel: () => {},
    };
  };
  const r = await fetchCheckpoint(e, { dir: tempDir(), mirror: 'https://mirror.test', fetchImpl, ...FAST });
  t.deepEqual(seen, [`https://mirror.test${urlPath()}`, `https://mirror.test/blobs${urlPath()}`]);
  t.is(r.attempts, 1);
  t.deepEqual(readFileSync(r.path), Buffer.from(small));
  // a redirect loop is cut after 5 hops
  const loop: HttpGet = async () => ({ status: 301, statusText: 'Moved', headers: { location: '/again' }, body: (async function* () {})(), cancel: () => {} });
  const err = await expectPoseRejection(t, fetchCheckpoint(e, { dir: tempDir(), mirror: 'https://mirror.test', fetchImpl: loop, ...FAST }));
  t.is(err.code, 'DOWNLOAD_FAILED');
  t.regex(err.message, /more than 5 redirects/);
});

test('unknown model names fail with ZOO_UNKNOWN before any network', async (t) => {
  const e = await expectPoseRejection(t, fetchCheckpoint('rsn18_coco', { dir: tempDir() }));
  t.is(e.code, 'ZOO_UNKNOWN');
  t.regex(e.message, /did you mean 'rsn18_coco_256x192'/);
});

test('options are checked: unknown keys and bad numbers are USAGE errors', async (t) => {
  const e1 = await expectPoseRejection(t, fetchCheckpoint(entry, { dir: tempDir(), retry: 3 } as never));
  t.is(e1.code, 'USAGE');
  t.regex(e1.message, /unknown option 'retry'/);
  const e2 = await expectPoseRejection(t, fetchCheckpoint(entry, { dir: tempDir(), retries: -1 }));
  t.is(e2.code, 'USAGE');
});

test('mirror replaces scheme and host, keeps the path; a mirror path is a prefix', (t) => {
  const url = 'https://download.openmmlab.com/mmpose/top_down/rsn/rsn18_coco_256x192-72f4b4a7_20201127.pth';
  t.is(mirrorUrl(url, 'http://127.0.0.1:8080'), 'http://127.0.0.1:8080/mmpose/top_down/rsn/rsn18_coco_256x192-72f4b4a7_20201127.pth');
  t.is(mirrorUrl(url, 'http://cache.local/'), 'http://cache.local/mmpose/top_down/rsn/rsn18_coco_256x192-72f4b4a7_20201127.pth');
  t.is(mirrorUrl(url, 'https://m.example/openmmlab/'), 'https://m.example/openmmlab/mmpose/top_down/rsn/rsn18_coco_256x192-72f4b4a7_20201127.pth');
  for (const bad of ['ftp://m.example', 'not a url', 'http://m.example/?x=1'])
    t.is(expectPoseError(t, () => mirrorUrl(url, bad)).code, 'USAGE', bad);
});

test('the default directory is $POSE_PORT_CACHE/checkpoints, else under XDG or ~/.cache', (t) => {
  t.is(defaultCheckpointDir({ POSE_PORT_CACHE: '/c' }), join('/c', 'checkpoints'));
  t.is(defaultCheckpointDir({ XDG_CACHE_HOME: '/x' }), join('/x', 'pose-port', 'checkpoints'));
  t.true(defaultCheckpointDir({}).endsWith(join('.cache', 'pose-port', 'checkpoints')));
});
