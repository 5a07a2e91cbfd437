/** `pose-port zoo` and `pose-port fetch` from the command line (exit codes, messages, JSON). */
import test from 'ava';
import { readdirSync } from 'node:fs';
import { getZooEntry, listZoo } from '../../src/zoo/registry.js';
import { runCli } from '../helpers/cli.js';
import { runCliAsync } from './run-cli-async.js';
import { startServer } from './server.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const tempDir = tempDirs('cli-fetch');

test('zoo list prints one row per registry entry with family, dataset, input and main metric', (t) => {
  const r = runCli(['zoo', 'list']);
  t.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  t.regex(lines[0], /^NAME\s+FAMILY\s+PRESET\s+DATASET\s+INPUT\s+METRIC$/);
  const rows = lines.slice(1, -1).map((l) => l.split(/\s+/));
  t.is(rows.length, 26);
  t.deepEqual(
    rows.map((c) => c[0]),
    listZoo().map((e) => e.name),
  );
  t.deepEqual(rows[0], ['rsn18_coco_256x192', 'rsn', 'rsn18', 'coco', '256x192', 'AP', '0.704']);
  t.deepEqual(rows.find((c) => c[0] === 'hrnet_w48_mpii_256x256_dark'), ['hrnet_w48_mpii_256x256_dark', 'hrnet', 'hrnet_w48', 'mpii', '256x256', 'PCKh', '0.905']);
  t.deepEqual(rows.find((c) => c[0] === 'hrnet_w32_coco_wholebody_384x288'), ['hrnet_w32_coco_wholebody_384x288', 'hrnet', 'hrnet_w32', 'coco_wholebody', '384x288', 'whole_AP', '0.586']);
  t.regex(lines.at(-1)!, /^26 models/);
});

test('zoo list --json with filters', (t) => {
  const r = runCli(['zoo', '--json', 'list', '--dataset', 'coco', '--family', 'resnet']);
  t.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  t.true(out.ok);
  t.deepEqual(
    out.entries.map((e: { name: string }) => e.name),
    ['res50_coco_256x192_dark', 'res50_coco_384x288_dark', 'res101_coco_256x192_dark', 'res101_coco_384x288_dark', 'res152_coco_256x192_dark', 'res152_coco_384x288_dark'],
  );
  t.deepEqual(out.entries[1], {
    name: 'res50_coco_384x288_dark',
    family: 'resnet',
    preset: 'res50',
    dataset: 'coco',
    input: { height: 384, width: 288 },
    metric: { key: 'AP', column: 'AP', value: 0.735 },
    checkpoint: 'https://download.openmmlab.com/mmpose/top_down/resnet/res50_coco_384x288_dark-33d3e5e5_20210203.pth',
    sha256Prefix: '33d3e5e5',
  });
  const bad = runCli(['zoo', 'list', '--dataset', 'lsp']);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /\[USAGE\].*--dataset 'lsp' is none of coco, coco_wholebody, mpii/);
});

test('zoo show NAME prints the config facts, URLs and every recorded metric', (t) => {
  const r = runCli(['zoo', 'show', 'rsn18_coco_256x192']);
  t.is(r.code, 0, r.stderr);
  for (const s of [
    'rsn (preset rsn18)',
    '256x192 (HxW), heatmap 64x48',
    'configs/top_down/rsn/coco/rsn18_coco_256x192.py at mmpose v0.12.0',
    'post_process="megvii"',
    'https://download.openmmlab.com/mmpose/top_down/rsn/rsn18_coco_256x192-72f4b4a7_20201127.pth',
    'https://download.openmmlab.com/mmpose/top_down/rsn/rsn18_coco_256x192_20201127.log.json',
    '72f4b4a7',
    '690 entries, 9,173,208 values',
  ])
    t.true(r.stdout.includes(s), s);
  t.regex(r.stdout, /AP \*\s+0\.704/);
  t.regex(r.stdout, /AP50\s+0\.887\s+\(table column 'AP<sup>50<\/sup>'\)/);
  t.regex(r.stdout, /AR50\s+0\.926/);
});

test('zoo show NAME --json gives the registry entry', (t) => {
  const r = runCli(['zoo', 'show', 'hrnet_w32_mpii_256x256_dark', '--json']);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(JSON.parse(r.stdout), { ok: true, entry: getZooEntry('hrnet_w32_mpii_256x256_dark') });
});

test('zoo show of an unknown name: ZOO_UNKNOWN with close matches, exit 2', (t) => {
  const r = runCli(['zoo', 'show', 'rsn_18']);
  t.is(r.code, 2);
  t.regex(r.stderr, /error \[ZOO_UNKNOWN\]: no zoo model 'rsn_18'; did you mean 'rsn18_coco_256x192'\?/);
  const j = runCli(['zoo', 'show', 'hrnet_w48_coco_wholebody_384x288_dark', '--json']);
  t.is(j.code, 2);
  const out = JSON.parse(j.stdout);
  t.false(out.ok);
  t.is(out.error.code, 'ZOO_UNKNOWN');
  t.is(out.error.details.suggestions[0], 'hrnet_w48_coco_wholebody_384x288_dark_plus');
});

test('zoo usage errors exit 2', (t) => {
  for (const args of [['zoo', 'frobnicate'], ['zoo', 'show'], ['zoo', 'show', 'a', 'b'], ['zoo', 'list', 'x'], ['zoo', '--bogus']]) {
    const r = runCli(args);
    t.is(r.code, 2, args.join(' '));
    t.regex(r.stderr, /\[USAGE\]/, args.join(' '));
  }
});

test('fetch usage and name errors exit 2 before any network', (t) => {
  const dir = tempDir();
  const none = runCli(['fetch', '--dir', dir]);
  t.is(none.code, 2);
  t.regex(none.stderr, /\[USAGE\]: fetch: expected one NAME, got 0/);
  const unknown = runCli(['fetch', 'rsn18', '--dir', dir]);
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, /\[ZOO_UNKNOWN\].*did you mean 'rsn18_coco_256x192'/);
  const mirror = runCli(['fetch', 'rsn18_coco_256x192', '--dir', dir, '--mirror', 'ftp://mirror.example']);
  t.is(mirror.code, 2);
  t.regex(mirror.stderr, /\[USAGE\]: mirror 'ftp:\/\/mirror\.example': only http and https/);
  const retries = runCli(['fetch', 'rsn18_coco_256x192', '--dir', dir, '--retries', 'many']);
  t.is(retries.code, 2);
  t.regex(retries.stderr, /--retries expects an integer >= 0, got 'many'/);
  t.deepEqual(readdirSync(dir), []);
});

const PATH = new URL(getZooEntry('rsn18_coco_256x192').checkpoint.url).pathname;

test('fetch: 404 exits 2 with DOWNLOAD_FAILED naming the mirrored URL, after one request', async (t) => {
  const server = await startServer(new Uint8Array(10), { status: 404 });
  const dir = tempDir();
  try {
    const r = await runCliAsync(['fetch', 'rsn18_coco_256x192', '--dir', dir, '--mirror', server.origin, '--retry-delay', '1']);
    t.is(r.code, 2, r.stderr);
    t.true(r.stderr.includes(`[DOWNLOAD_FAILED]: download of ${server.origin}${PATH} failed: HTTP 404 Not Found (not retried; attempts: 1)`), r.stderr);
    t.is(server.requests.length, 1);
    t.deepEqual(readdirSync(dir), []);
  } finally {
    await server.close();
  }
});

test('fetch: 500 is retried --retries times, then exit 2 naming URL, status and attempts (--json too)', async (t) => {
  const server = await startServer(new Uint8Array(10), { status: 500 });
  const dir = tempDir();
  try {
    const r = await runCliAsync(['fetch', 'rsn18_coco_256x192', '--dir', dir, '--mirror', server.origin, '--retries', '2', '--retry-delay', '1', '--json']);
    t.is(r.code, 2, r.stderr);
    const out = JSON.parse(r.stdout);
    t.is(out.error.code, 'DOWNLOAD_FAILED');
    t.true(out.error.message.includes(`download of ${server.origin}${PATH} failed after 3 attempts: HTTP 500 Internal Server Error`), out.error.message);
    t.like(out.error.details, { url: `${server.origin}${PATH}`, status: 500, attempts: 3 });
    t.is(server.requests.length, 3);
    t.deepEqual(readdirSync(dir), []);
  } finally {
    await server.close();
  }
});

test('fetch: bytes that do not match the registry sha256 prefix exit 2 with CHECKSUM_MISMATCH and leave nothing', async (t) => {
  const server = await startServer(new TextEncoder().encode('not the published checkpoint\n'), 'ok');
  const dir = tempDir();
  try {
    const r = await runCliAsync(['fetch', 'rsn18_coco_256x192', '--dir', dir, '--mirror', server.origin]);
    t.is(r.code, 2, r.stderr);
    t.regex(r.stderr, /\[CHECKSUM_MISMATCH\]: rsn18_coco_256x192-72f4b4a7_20201127\.pth from http:\/\/127\.0\.0\.1:\d+\/mmpose\/top_down\/rsn\/rsn18_coco_256x192-72f4b4a7_20201127\.pth: sha256 [0-9a-f]{64} does not start with the registry's 72f4b4a7/);
    t.deepEqual(readdirSync(dir), []);
  } finally {
    await server.close();
  }
});

test('fetch: --deadline ends a trickling download with exit 2 and the error object under --json; --max-bytes refuses a larger body', async (t) => {
  const server = await startServer(new Uint8Array(4096), 'trickle', { intervalMs: 100 });
  const dir = tempDir();
  try {
    const r = await runCliAsync(['fetch', 'rsn18_coco_256x192', '--dir', dir, '--mirror', server.origin, '--deadline', '0.5', '--min-rate', '0', '--json']);
    t.is(r.code, 2, r.stderr);
    const out = JSON.parse(r.stdout);
    t.is(out.ok, false);
    t.like(out.error, { code: 'DOWNLOAD_FAILED', details: { reason: 'deadline', deadlineMs: 500 } });
  } finally {
    await server.close();
  }
  const big = await startServer(new Uint8Array(4096), 'ok');
  try {
    const r = await runCliAsync(['fetch', 'rsn18_coco_256x192', '--dir', tempDir(), '--mirror', big.origin, '--max-bytes', '1000']);
    t.is(r.code, 2, r.stderr);
    t.regex(r.stderr, /\[DOWNLOAD_FAILED\]: .*the server announces 4096 bytes, more than the 1000-byte cap/);
  } finally {
    await big.close();
  }
  const bad = runCli(['fetch', 'rsn18_coco_256x192', '--dir', dir, '--max-bytes', '0']);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /--max-bytes expects an integer >= 1, got '0'/);
});
