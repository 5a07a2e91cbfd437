/**
 * What a verify check returns: structured findings, one per subject examined (a tensor,
 * an initializer, a file, an output, a metric), formatted into report lines only at the
 * end (./format.ts). Nothing downstream reads a message: decisions use the fields.
 */

/** A measured or expected value: a number, a digest, a shape; null when it could not be measured. */
export type Measure = number | string | null;

export interface Finding {
  /** the check that produced it, e.g. 'onnx-weights' or 'artifact-sha256:model.onnx' */
  check: string;
  ok: boolean;
  /** what was examined: a tensor, initializer, weight or output name, a file, a metric */
  subject: string;
  measured?: Measure;
  /** what `measured` was held against: a tolerance, a recorded digest, the expected shape */
  bound?: Measure;
  /** why it failed (a code the formatter words; see each check) */
  reason?: string;
  /** the figures behind the reason, e.g. {n, of, first, got, want} for differing values */
  detail?: Record<string, Measure>;
}

/** One check's outcome: its findings (failures and, where useful, the subjects that passed) and its figures. */
export interface CheckResult {
  check: string;
  ok: boolean;
  findings: Finding[];
  /** summary figures that go into the report as they are */
  figures?: Record<string, number | null>;
}

/** The report line of a check (schemas/report.schema.json, verify.checks[]). */
export interface VerifyCheck {
  name: string;
  ok: boolean;
  /** one line with the figures */
  detail: string;
  /** names that differ (tensor keys, initializers, weights, outputs) */
  mismatches?: string[];
  figures?: Record<string, number | null>;
}

export function result(check: string, findings: Finding[], figures?: Record<string, number | null>): CheckResult {
  return { check, ok: findings.every((f) => f.ok), findings, ...(figures ? { figures } : {}) };
}

export const failures = (r: CheckResult, reason?: string): Finding[] => r.findings.filter((f) => !f.ok && (reason === undefined || f.reason === reason));
