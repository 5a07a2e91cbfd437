/** Reading a verify report in the verify tests: a check by name, the failing names, the checks every conversion (ONNX + TF.js) gets before execution. */
import type { ExecutionContext } from 'ava';
import { validateJson, type JsonSchema } from '../../src/core/json-schema.js';
import type { VerifyCheck, VerifyReport } from '../../src/pipeline/verify.js';
import { runCli } from './cli.js';

/** `pose-port verify CKPT DIR --json` asserted to exit 0 with a passing report valid against `schema`; the report. */
export function passingVerify(t: ExecutionContext, ckpt: string, dir: string, schema: JsonSchema): VerifyReport {
  const r = runCli(['verify', ckpt, dir, '--json']);
  t.is(r.code, 0, r.stdout + r.stderr);
  const report = JSON.parse(r.stdout) as VerifyReport;
  t.is(validateJson(schema, report), null);
  t.true(report.ok);
  return report;
}

export function check(r: VerifyReport, name: string): VerifyCheck {
  const c = r.checks.find((x) => x.name === name);
  if (!c) throw new Error(`no check '${name}' in ${r.checks.map((x) => x.name).join(', ')}`);
  return c;
}

export const failed = (r: VerifyReport): string[] => r.checks.filter((c) => !c.ok).map((c) => c.name);

/** provenance, files, metadata, re-derivation, in report order, for an ONNX + TF.js conversion */
export const FILE_AND_WEIGHT_CHECKS: readonly string[] = [
  'source-sha256',
  'tensor-checksum',
  'directory',
  'artifact-sha256:model.onnx',
  'onnx-metadata',
  'artifact-sha256:tfjs/model.json',
  'tfjs-files',
  'tfjs-metadata',
  'architecture',
  'config-settings',
  'onnx-weights',
  'onnx-graph',
  'tfjs-weights',
  'tfjs-graph',
];

/**
 * A report on artifacts where one value of TF.js weight `name` was changed in its shard
 * (model.json, its files and the ONNX artifact intact): the TF.js weight check fails naming
 * that weight alone, its first differing value at index `first`.
 */
export function tfjsWeightCaught(t: ExecutionContext, v: VerifyReport, name: string, first: number): void {
  t.true(check(v, 'artifact-sha256:tfjs/model.json').ok, 'model.json itself is unchanged');
  t.true(check(v, 'tfjs-files').ok);
  t.true(check(v, 'onnx-weights').ok);
  const w = check(v, 'tfjs-weights');
  t.false(w.ok);
  t.deepEqual(w.mismatches, [name]);
  t.regex(w.detail, new RegExp(`1 of \\d+ values, first at ${first}\\b`));
}
