/**
 * `--execution-provider` of run / eval / verify (onnxruntime-node): cpu runs; a name this
 * onnxruntime build lacks is EXECUTION_PROVIDER (exit 2) naming the providers it has; a
 * provider the build lists but that cannot start on this machine (cuda / tensorrt
 * without their libraries, webgpu without an adapter) is EXECUTION_PROVIDER (exit 2)
 * with onnxruntime's reason, and one that starts runs. Which providers start is asked of
 * onnxruntime directly, so the test holds on a machine with a GPU too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import * as ort from 'onnxruntime-node';
import { listExecutionProviders } from '../../src/artifact/execution-providers.js';
import { loadModel } from '../../src/artifact/model.js';
import { isPosePortError } from '../../src/core/errors.js';
import { ROOT } from '../helpers/ckpt.js';
import { runCli } from '../helpers/cli.js';
import { COCO } from './converted.js';

const CKPT = join(ROOT, 'fixtures', 'default', 'tiny_res_simplebaseline.pth');
const IMAGE = join(COCO, '000000000785.jpg');
const work = mkdtempSync(join(tmpdir(), 'pose-port-ep-'));
const out = join(work, 'out');

test.before(() => {
  const r = runCli(['convert', CKPT, '--format', 'onnx,tfjs', '--out', out]);
  if (r.code !== 0) throw new Error(`convert failed: ${r.stderr}`);
});
test.after.always(() => rmSync(work, { recursive: true, force: true }));

async function starts(provider: string): Promise<boolean> {
  try {
    const s = await ort.InferenceSession.create(join(out, 'model.onnx'), { executionProviders: [provider], logSeverityLevel: 4 });
    await s.release();
    return true;
  } catch {
    return false;
  }
}

test.serial('cpu runs; a provider this build lacks is exit 2 naming the ones it has (run, eval, verify)', (t) => {
  const ok = runCli(['run', join(out, 'model.onnx'), IMAGE, '--bbox', '280.79,44.73,218.7,346.68', '--execution-provider', 'cpu', '--json']);
  t.is(ok.code, 0, ok.stderr);
  t.is(JSON.parse(ok.stdout).model.runtime, 'onnxruntime-node cpu');
  const cmds = [
    ['run', join(out, 'model.onnx'), IMAGE],
    ['eval', join(out, 'model.onnx'), '--ann', join(COCO, 'test_coco.json'), '--images', COCO],
    ['verify', CKPT, out],
  ];
  for (const c of cmds) {
    const r = runCli([...c, '--execution-provider', 'no-such-ep']);
    t.is(r.code, 2, `${c[0]}: ${r.stderr}`);
    t.regex(r.stderr, /EXECUTION_PROVIDER.*'no-such-ep' is not in this onnxruntime-node build \(it has: cpu/, c[0]);
    t.notRegex(r.stderr, /\n\s+at /, `${c[0]}: no stack trace`);
  }
  const empty = runCli(['run', join(out, 'model.onnx'), IMAGE, '--execution-provider', 'cuda,']);
  t.is(empty.code, 2);
  t.regex(empty.stderr, /USAGE/);
});

test.serial('every provider the build lists either runs or is exit 2 saying it cannot start here', async (t) => {
  const listed = await listExecutionProviders();
  t.true(listed.some((p) => p.name === 'cpu'));
  for (const { name } of listed) {
    const r = runCli(['run', join(out, 'model.onnx'), IMAGE, '--bbox', '280.79,44.73,218.7,346.68', '--no-flip', '--execution-provider', name, '--json']);
    if (await starts(name)) {
      t.is(r.code, 0, `${name}: ${r.stderr}`);
      t.is(JSON.parse(r.stdout).model.runtime, `onnxruntime-node ${name}`);
      t.log(`${name}: starts here, run exit 0`);
    } else {
      t.is(r.code, 2, `${name}: ${r.stderr}`);
      t.regex(r.stderr, new RegExp(`EXECUTION_PROVIDER.*'${name}' is in this onnxruntime-node build but cannot start here: .*starting here: .*cpu`), name);
      t.log(`${name}: ${r.stderr.split('\n').find((l) => l.includes('EXECUTION_PROVIDER'))}`);
    }
  }
});

test.serial('loadModel refuses execution providers for a TF.js model (they apply to ONNX)', async (t) => {
  const e = await t.throwsAsync(loadModel(join(out, 'tfjs'), { executionProviders: ['cpu'] }));
  t.true(isPosePortError(e) && e.code === 'USAGE', String(e));
});
