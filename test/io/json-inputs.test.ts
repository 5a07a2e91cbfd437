/**
 * JSON inputs (--ann, --dets, score's results files, verify's report.json) are read only
 * when they are regular files: a FIFO fails at once (no writer ever comes, so a plain read
 * would hang: the CLI runs under a timeout), /dev/zero (never ends) and a directory too,
 * exit 2 naming the file. On the bundled default checkpoint converted once (no PyTorch).
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertCheckpoint } from '../../src/pipeline/convert.js';
import { ROOT } from '../helpers/ckpt.js';
import { runCli } from '../helpers/cli.js';

const CKPT = join(ROOT, 'fixtures', 'default', 'tiny_res_simplebaseline.pth');
const COCO = join(ROOT, 'test', 'data', 'datasets', 'coco');
const IMAGE = join(COCO, '000000000785.jpg');
const ANN = join(COCO, 'test_coco.json');
const work = mkdtempSync(join(tmpdir(), 'pose-port-json-inputs-'));
const out = join(work, 'm');
const model = join(out, 'model.onnx');
const fifo = join(work, 'fifo.json');
const dir = join(work, 'dir.json');
const results = join(work, 'results.json');
test.before(async () => {
  await convertCheckpoint(CKPT, { out });
  execFileSync('mkfifo', [fifo]);
  mkdirSync(dir);
  writeFileSync(results, '[]');
});
test.after.always(() => rmSync(work, { recursive: true, force: true }));

/** exit 2 within 60 s (a hanging read is killed and fails), the error naming `file` and what it is */
function refused(t: import('ava').ExecutionContext, args: string[], file: string, kind: RegExp): void {
  const r = runCli([...args, '--json'], { timeoutMs: 60_000 });
  t.is(r.code, 2, r.stderr);
  t.notRegex(r.stderr, /internal error|at .*\.ts:\d+/);
  const e = JSON.parse(r.stdout).error as { file?: string; message: string };
  t.is(e.file, file);
  t.regex(e.message, kind);
}

const KINDS: [string, () => string, RegExp][] = [
  ['a FIFO', () => fifo, /FIFO/],
  ['/dev/zero', () => '/dev/zero', /character device/],
  ['a directory', () => dir, /directory/],
];

test('verify of a directory whose report.json is a FIFO is refused at once, exit 2 naming the file', (t) => {
  const d = join(work, 'fifo-report');
  mkdirSync(d);
  const report = join(d, 'report.json');
  execFileSync('mkfifo', [report]);
  refused(t, ['verify', CKPT, d], report, /FIFO/);
});

for (const [name, file, kind] of KINDS) {
  test(`eval --ann ${name} is refused at once, exit 2 naming the file`, (t) => {
    refused(t, ['eval', model, '--ann', file(), '--images', COCO], file(), kind);
  });
  test(`eval --dets ${name} is refused at once, exit 2 naming the file`, (t) => {
    refused(t, ['eval', model, '--ann', ANN, '--images', COCO, '--dets', file()], file(), kind);
  });
  test(`run --dets ${name} is refused at once, exit 2 naming the file`, (t) => {
    refused(t, ['run', model, IMAGE, '--dets', file()], file(), kind);
  });
  test(`score of a results file that is ${name} is refused at once, exit 2 naming the file`, (t) => {
    refused(t, ['score', file(), '--ann', ANN], file(), kind);
  });
  test(`score --ann ${name} is refused at once, exit 2 naming the file`, (t) => {
    refused(t, ['score', results, '--ann', file()], file(), kind);
  });
}
