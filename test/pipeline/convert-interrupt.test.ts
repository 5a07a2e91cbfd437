/**
 * SIGTERM / SIGINT in the middle of a conversion (a makeckpt.py res50, 130 MB, to ONNX
 * and TF.js: the signal is sent once the staging directory holds the first bytes of
 * model.onnx): the CLI removes its staging directory, exits 143 / 130, and the earlier
 * conversion in --out is untouched.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCheckpoint, requireTorch, ROOT } from '../helpers/ckpt.js';
import { runCli } from '../helpers/cli.js';

const torch = requireTorch();
const withTorch = torch ? test.serial : test.serial.skip;
const work = mkdtempSync(join(tmpdir(), 'pose-port-convert-interrupt-'));
test.after.always(() => rmSync(work, { recursive: true, force: true }));

const TINY = join(ROOT, 'fixtures', 'default', 'tiny_res_simplebaseline.pth');

/** Starts a conversion into `out`, sends `signal` once model.onnx in the staging directory has bytes; resolves with the exit. */
function convertAndSignal(ckpt: string, out: string, signal: NodeJS.Signals): Promise<{ code: number | null; stderr: string; signalled: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx/esm', join(ROOT, 'src', 'cli', 'entry.ts'), 'convert', ckpt, '--out', out, '--format', 'onnx,tfjs'], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let signalled = false;
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const parent = join(out, '..');
    const poll = setInterval(() => {
      const staging = readdirSync(parent).find((n) => n.includes('.staging-'));
      if (!staging) return;
      const onnx = join(parent, staging, 'model.onnx');
      if (existsSync(onnx) && statSync(onnx).size > 0) {
        clearInterval(poll);
        signalled = true;
        child.kill(signal);
      }
    }, 2);
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      resolve({ code, stderr, signalled });
    });
  });
}

for (const [signal, code] of [
  ['SIGTERM', 143],
  ['SIGINT', 130],
] as const) {
  withTorch(`${signal} midway: exit ${code}, the staging directory removed, the earlier conversion in --out untouched`, async (t) => {
    const ckpt = makeCheckpoint('res50_coco_256x192_dark', { legacy: true });
    const dir = mkdtempSync(join(work, `${signal}-`));
    const out = join(dir, 'out');
    const first = runCli(['convert', TINY, '--out', out]);
    t.is(first.code, 0, first.stderr);
    const before = readFileSync(join(out, 'report.json'), 'utf8');
    const r = await convertAndSignal(ckpt, out, signal);
    t.true(r.signalled, `the conversion was signalled midway (stderr: ${r.stderr})`);
    t.is(r.code, code, r.stderr);
    t.regex(r.stderr, new RegExp(`interrupted by ${signal}; removed 1 unfinished output`));
    t.deepEqual(readdirSync(dir), ['out'], 'no staging directory left');
    t.deepEqual(readdirSync(out).sort(), ['model.onnx', 'report.json']);
    t.is(readFileSync(join(out, 'report.json'), 'utf8'), before);
  });
}
