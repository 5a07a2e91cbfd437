/**
 * convert when the output side fails or is wrong, on the bundled default checkpoint
 * (fixtures/default, 1.2 MB; no PyTorch): a full disk during the ONNX write (a tmpfs
 * mounted in the test), --out paths refused before any work (dangling link, read-only
 * mount, a file, a directory of someone else's files, a mount point), the whole
 * replacement of an earlier conversion, and the sweep of stale staging directories.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PosePortError } from '../../src/core/errors.js';
import { convertCheckpoint } from '../../src/pipeline/convert.js';
import { STALE_AFTER_MS, sweepStaleStaging } from '../../src/pipeline/staged-output.js';
import { ROOT } from '../helpers/ckpt.js';
import { runCli } from '../helpers/cli.js';
import { mountTmpfs, tmpfsUnavailable } from '../helpers/tmpfs.js';

const CKPT = join(ROOT, 'fixtures', 'default', 'tiny_res_simplebaseline.pth');
const work = mkdtempSync(join(tmpdir(), 'pose-port-convert-faults-'));
test.after.always(() => rmSync(work, { recursive: true, force: true }));

const leftovers = (dir: string) => readdirSync(dir).filter((n) => /\.(staging|replaced)-/.test(n));

/** convertCheckpoint that must fail: the error, and the progress steps it reached */
async function refused(out: string, formats: ('onnx' | 'tfjs')[] = ['onnx']): Promise<{ e: PosePortError; steps: string[] }> {
  const steps: string[] = [];
  try {
    await convertCheckpoint(CKPT, { out, formats, onStep: (s) => steps.push(s) });
  } catch (e) {
    if (e instanceof PosePortError) return { e, steps };
    throw e;
  }
  throw new Error(`conversion into ${out} succeeded`);
}

const fsReason = tmpfsUnavailable();
const rootTest = fsReason ? test.skip : test.serial;
if (fsReason) test.skip(`tmpfs tests skipped: ${fsReason}`, () => {});

rootTest('a full disk during the ONNX write exits 2 with the IO error (also under --json), leaves no staging directory, and the earlier conversion whole', (t) => {
  const fs = mountTmpfs(2 * 1024 * 1024); // one 1.2 MB conversion fits, a second beside it does not
  try {
    const out = join(fs.dir, 'out');
    const first = runCli(['convert', CKPT, '--out', out, '--json']);
    t.is(first.code, 0, first.stderr);
    const before = readFileSync(join(out, 'report.json'), 'utf8');
    const r = runCli(['convert', CKPT, '--out', out, '--json', '--input-size', '256x256']);
    t.is(r.code, 2, r.stderr);
    const res = JSON.parse(r.stdout);
    t.false(res.ok);
    t.is(res.error.code, 'IO');
    t.regex(res.error.message, /ENOSPC/);
    t.regex(res.error.file, /model\.onnx$/);
    t.regex(r.stderr, /error \[IO\]: cannot write: ENOSPC/);
    t.deepEqual(leftovers(fs.dir), [], 'the staging directory was removed');
    t.is(readFileSync(join(out, 'report.json'), 'utf8'), before, 'the earlier conversion is untouched (and the exit code says the new one failed)');
  } finally {
    fs.unmount();
  }
});

rootTest('--out on a read-only mount is refused before the checkpoint is read', async (t) => {
  const fs = mountTmpfs(1 << 20, { readOnly: true });
  try {
    const { e, steps } = await refused(join(fs.dir, 'out'));
    t.is(e.code, 'IO');
    t.regex(e.message, /--out: the directory '.*' is on a read-only file system/);
    t.deepEqual(steps, [], 'no conversion step started');
  } finally {
    fs.unmount();
  }
});

rootTest('--out that is a mount point is refused before any work (it cannot be replaced whole)', async (t) => {
  const fs = mountTmpfs(1 << 20);
  try {
    const { e, steps } = await refused(fs.dir);
    t.regex(e.message, /is a mount point, which a conversion cannot replace whole/);
    t.deepEqual(steps, []);
  } finally {
    fs.unmount();
  }
});

test('--out that is a dangling link, a file, or a directory of other files is refused before any work, exit 2 from the CLI', async (t) => {
  const dir = join(work, 'early');
  mkdirSync(dir);
  symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling'));
  writeFileSync(join(dir, 'file'), 'x');
  mkdirSync(join(dir, 'mine'));
  writeFileSync(join(dir, 'mine', 'notes.txt'), 'my notes\n');
  const cases: [string, RegExp][] = [
    ['dangling', /--out: '.*dangling' is a symbolic link to a target that does not exist/],
    ['file', /--out: '.*file' exists and is not a directory/],
    ['mine', /--out: '.*mine' holds files no conversion wrote \(it has no convert report\.json\); a conversion replaces its directory whole/],
  ];
  for (const [name, re] of cases) {
    const { e, steps } = await refused(join(dir, name));
    t.is(e.code, 'IO', name);
    t.regex(e.message, re, name);
    t.deepEqual(steps, [], `${name}: no conversion step started`);
  }
  t.deepEqual(leftovers(dir), []);
  t.is(readFileSync(join(dir, 'mine', 'notes.txt'), 'utf8'), 'my notes\n');
  const r = runCli(['convert', CKPT, '--out', join(dir, 'dangling'), '--json']);
  t.is(r.code, 2, r.stderr);
  t.is(JSON.parse(r.stdout).error.code, 'IO');
  t.false(existsSync(join(dir, 'nowhere')), 'nothing was created through the link');
});

test('a conversion replaces an earlier one whole: --format onnx over an onnx,tfjs directory leaves no tfjs/', async (t) => {
  const out = join(work, 'replace');
  await convertCheckpoint(CKPT, { out, formats: ['onnx', 'tfjs'] });
  t.deepEqual(readdirSync(out).sort(), ['model.onnx', 'report.json', 'tfjs']);
  await convertCheckpoint(CKPT, { out, formats: ['onnx'] });
  t.deepEqual(readdirSync(out).sort(), ['model.onnx', 'report.json']);
  t.deepEqual(leftovers(work), []);
  // a file of the user's added to a conversion's directory makes it not ours any more
  writeFileSync(join(out, 'notes.txt'), 'x');
  const { e } = await refused(out);
  t.regex(e.message, /holds files no conversion wrote \(notes\.txt\)/);
  t.true(existsSync(join(out, 'notes.txt')));
});

test('stale staging directories are swept: pose-port names only, older than 1 hour, their process gone', (t) => {
  const dir = join(work, 'sweep');
  mkdirSync(dir);
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!; // exited: no such process now
  const old = Date.now() - STALE_AFTER_MS - 60_000;
  const make = (name: string, mtime = old) => {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'model.onnx'), 'partial');
    utimesSync(join(dir, name), mtime / 1000, mtime / 1000);
    return name;
  };
  const gone = [make(`.m.staging-${dead}-${old}`), make(`.m.replaced-${dead}-${old}`)];
  const kept = [
    make(`.m.staging-${dead}-${Date.now()}`, Date.now()), // recent: may be a run on another machine sharing the directory
    make(`.m.staging-${process.pid}-${old}`), // its process is alive
    make(`.m.staging-${dead}-${old}x`), // not the pattern
    make('.m.staging-old'),
    make(`m.staging-${dead}-${old}`), // not hidden: not ours
  ];
  mkdirSync(join(dir, 'target'));
  symlinkSync(join(dir, 'target'), join(dir, `.l.staging-${dead}-${old}`)); // a link is never followed or removed
  kept.push(`.l.staging-${dead}-${old}`, 'target');
  t.deepEqual(sweepStaleStaging(dir).sort(), gone.sort());
  t.deepEqual(readdirSync(dir).sort(), kept.sort());
});

test('a conversion sweeps stale staging directories beside its output', async (t) => {
  const dir = join(work, 'sweep-by-convert');
  mkdirSync(dir);
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
  const old = Date.now() - 2 * STALE_AFTER_MS;
  const stale = join(dir, `.out.staging-${dead}-${old}`);
  mkdirSync(stale);
  utimesSync(stale, old / 1000, old / 1000);
  await convertCheckpoint(CKPT, { out: join(dir, 'out') });
  t.deepEqual(readdirSync(dir), ['out']);
});
