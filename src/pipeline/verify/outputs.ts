import { relativeL2 } from '../../artifact/compare.js';
import type { Outputs } from '../../artifact/outputs.js';
import { failures, result, type CheckResult, type Finding } from './finding.js';
import { exp, listed, SHOWN, type Described } from './format.js';

/**
 * Output comparisons (onnx-vs-tfjs, onnx-vs-rebuilt, tfjs-vs-rebuilt): one finding per
 * output, measured its relative L2 against the bound (detail maxAbs and the shape);
 * reasons 'over' (relL2 above the bound), 'missing', 'shape', 'unexpected'.
 */
export function compareOutputs(check: string, a: Outputs, b: Outputs, tol: number, what: string): Described {
  const findings: Finding[] = [];
  let worst = 0;
  let worstAbs = 0;
  for (const [k, want] of b) {
    const got = a.get(k);
    if (!got) {
      findings.push({ check, ok: false, subject: k, reason: 'missing' });
      continue;
    }
    if (got.shape.join(',') !== want.shape.join(',')) {
      findings.push({ check, ok: false, subject: k, reason: 'shape', detail: { got: got.shape.join(','), want: want.shape.join(',') } });
      continue;
    }
    const d = relativeL2(got.data, want.data);
    worst = Number.isNaN(d.relL2) ? Infinity : Math.max(worst, d.relL2);
    worstAbs = Number.isNaN(d.maxAbs) ? Infinity : Math.max(worstAbs, d.maxAbs);
    findings.push({ check, ok: d.relL2 <= tol, subject: k, reason: 'over', measured: d.relL2, bound: tol, detail: { maxAbs: d.maxAbs, shape: want.shape.join('x') } });
  }
  for (const k of a.keys()) if (!b.has(k)) findings.push({ check, ok: false, subject: k, reason: 'unexpected' });
  // report order: failures by kind as they were found, outputs in b's order, unexpected last
  const r = result(check, findings, { rel_l2: Number.isFinite(worst) ? worst : null, max_abs: Number.isFinite(worstAbs) ? worstAbs : null, tolerance: tol, outputs: b.size });
  return { result: r, describe: (res) => describeOutputs(res, tol, what) };
}

function describeOutputs(r: CheckResult, tol: number, what: string): string {
  const rows = r.findings.filter((f) => f.reason === 'over').map((f) => `${f.subject} [${f.detail!.shape}] relL2 ${exp(f.measured as number)} maxAbs ${exp(f.detail!.maxAbs as number)}`);
  const over = failures(r).map((f) =>
    f.reason === 'missing' ? `${f.subject} (missing)` : f.reason === 'shape' ? `${f.subject} (shape [${f.detail!.got}] vs [${f.detail!.want}])` : f.reason === 'unexpected' ? `${f.subject} (unexpected output)` : `${f.subject} (relL2 ${exp(f.measured as number)})`,
  );
  return `${what}: ${rows.slice(0, SHOWN).join('; ')}${rows.length > SHOWN ? `; ... (${rows.length} outputs)` : ''} (tolerance relL2 ${exp(tol)})${r.ok ? '' : `; over: ${listed(over)}`}`;
}
