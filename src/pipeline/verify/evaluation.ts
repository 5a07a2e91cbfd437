import type { EvaluateResult } from '../eval.js';
import { failures, result, type Finding } from './finding.js';
import { SHOWN, type Described } from './format.js';

/**
 * eval: every metric the zoo row records against the evaluation's measurement; one finding
 * per recorded metric (measured, bound = recorded, detail the allowed difference). MPII
 * values and recorded numbers are in percent, the others fractions.
 */
export function evaluationCheck(r: EvaluateResult, tol: number): Described {
  const scale = r.dataset === 'mpii' ? 100 : 1;
  const findings: Finding[] = r.table
    .filter((x) => x.recorded !== undefined)
    .map((x) => ({ check: 'eval', ok: Math.abs(x.value - x.recorded!) <= tol * scale, subject: x.name, measured: x.value, bound: x.recorded!, reason: 'differs', detail: { allowed: tol * scale } }));
  if (findings.length === 0) findings.push({ check: 'eval', ok: false, subject: '', reason: 'nothing-recorded', measured: r.ap });
  const res = result('eval', findings, { ...Object.fromEntries(r.table.map((x) => [x.name, Number.isFinite(x.value) ? x.value : null])), tolerance: tol * scale, persons: r.persons });
  const fmt = (v: number) => (scale === 100 ? v.toFixed(2) : v.toFixed(4));
  return {
    result: res,
    describe: (c) => {
      const rows = c.findings.filter((f) => f.reason === 'differs');
      if (rows.length === 0) return `the evaluation measured ${r.apName} ${r.ap.toFixed(4)}, but the table gives no recorded metric to compare with`;
      const over = failures(c);
      const shown = (over.length ? over : rows).slice(0, SHOWN).map((f) => `${f.subject} ${fmt(f.measured as number)} (zoo ${fmt(f.bound as number)})`);
      return (
        `${r.zoo} on ${r.images} images, ${r.persons} persons (${r.boxes === 'gt' ? 'GT boxes' : 'detections'}, ${r.runtime}): ` +
        `${c.ok ? `all ${rows.length} recorded metrics within` : `${over.length} of ${rows.length} recorded metrics differ by more than`} ${fmt(tol * scale)}: ${shown.join(', ')}${r.warnings.length ? `; ${r.warnings.join('; ')}` : ''}`
      );
    },
  };
}
