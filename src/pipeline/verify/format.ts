import type { CheckResult, Finding, VerifyCheck } from './finding.js';

/** names listed in a detail line (all of them go to `mismatches`) */
export const SHOWN = 5;

/** up to SHOWN items, quoted, with a count of the rest */
export const listed = (names: readonly string[]) => names.slice(0, SHOWN).map((n) => `'${n}'`).join(', ') + (names.length > SHOWN ? `, ... (${names.length - SHOWN} more)` : '');
export const exp = (x: number) => (x === 0 ? '0' : x.toExponential(2));
export const num = (m: Finding['measured']): number => (typeof m === 'number' ? m : NaN);

/** A check's outcome and how its line reads. */
export interface Described {
  readonly result: CheckResult;
  /** the detail line, from the findings and figures only */
  readonly describe: (r: CheckResult) => string;
}

/** The report line: the detail worded from the findings, the failing subjects as mismatches. */
export function toVerifyCheck({ result, describe }: Described): VerifyCheck {
  const failing = result.findings.filter((f) => !f.ok && f.subject !== '');
  return {
    name: result.check,
    ok: result.ok,
    detail: describe(result),
    ...(result.ok || failing.length === 0 ? {} : { mismatches: failing.map((f) => f.subject) }),
    ...(result.figures ? { figures: result.figures } : {}),
  };
}
