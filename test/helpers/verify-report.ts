/** Reading a verify report in the verify tests: a check by name, the failing names, the checks every conversion (ONNX + TF.js) gets before execution. */
import type { VerifyCheck, VerifyReport } from '../../src/pipeline/verify.js';

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
