import { lane64, TENSOR_CHECKSUM_ALGORITHM } from '../../core/checksum64.js';
import { tensorBytes, tensorSha256 } from '../../core/tensor-bytes.js';
import type { TensorEntry } from '../../core/tensor.js';
import type { Checkpoint } from '../../pth/types.js';
import type { ConvertReport } from '../convert-report.js';
import { failures, result, type Finding } from './finding.js';
import { listed, type Described } from './format.js';

/** source-sha256: the checkpoint file's digest against the converted file's (not fatal: tensors are compared one by one). */
export function sourceDigestCheck(ckpt: Checkpoint, sha256: string, report: ConvertReport): Described {
  const r = result('source-sha256', [{ check: 'source-sha256', ok: sha256 === report.source.sha256, subject: '', measured: sha256, bound: report.source.sha256, reason: 'differs' }], {
    bytes: ckpt.sizeBytes,
  });
  return {
    result: r,
    describe: ({ ok }) =>
      ok
        ? `checkpoint sha256 ${sha256.slice(0, 16)}... equals the converted file's`
        : `checkpoint sha256 ${sha256.slice(0, 16)}... differs from the converted file's ${report.source.sha256.slice(0, 16)}... (${report.source.file}); tensors compared one by one below`,
  };
}

/** The recorded per-tensor checksums and how to recompute one: lane64, or the sha256 of reports written before it. */
function recordedChecksums(report: ConvertReport): { algorithm: string; recorded: Record<string, string>; of: (e: TensorEntry) => string } {
  if (report.tensor_checksums) return { algorithm: TENSOR_CHECKSUM_ALGORITHM, recorded: report.tensor_checksums.tensors, of: (e) => lane64(tensorBytes(e)) };
  return { algorithm: 'sha256', recorded: report.tensor_sha256 ?? {}, of: tensorSha256 };
}

/**
 * tensor-checksum: every tensor (but num_batches_tracked) against the checksum recorded
 * at conversion (lane64; sha256 in older reports); reasons 'differs', 'missing'
 * (recorded, not in the checkpoint), 'unrecorded'.
 */
export function tensorDigestCheck(ckpt: Checkpoint, report: ConvertReport): Described {
  const { algorithm, recorded, of } = recordedChecksums(report);
  const findings: Finding[] = [];
  const present = new Set<string>();
  const f = (subject: string, reason: string, measured?: string): Finding => ({ check: 'tensor-checksum', ok: false, subject, reason, measured, bound: recorded[subject] });
  for (const e of ckpt.tensors.entries) {
    if (e.name.endsWith('.num_batches_tracked')) continue;
    present.add(e.name);
    const want = recorded[e.name];
    if (want === undefined) findings.push(f(e.name, 'unrecorded'));
    else {
      const got = of(e);
      if (got !== want) findings.push(f(e.name, 'differs', got));
    }
  }
  for (const k of Object.keys(recorded)) if (!present.has(k)) findings.push(f(k, 'missing'));
  // report order: differing, then missing, then unrecorded
  const order = ['differs', 'missing', 'unrecorded'];
  findings.sort((a, b) => order.indexOf(a.reason!) - order.indexOf(b.reason!));
  const total = Object.keys(recorded).length;
  const n = (reason: string) => findings.filter((x) => x.reason === reason).length;
  const r = result('tensor-checksum', findings, { tensors: total, differing: n('differs'), missing: n('missing'), unrecorded: n('unrecorded') });
  return {
    result: r,
    describe: (res) => {
      if (res.ok) return `all ${total} tensors have the recorded ${algorithm} checksum`;
      const names = (reason: string) => failures(res, reason).map((x) => x.subject);
      const [differ, missing, extra] = order.map(names);
      return [
        differ.length ? `${differ.length} of ${total} tensors differ: ${listed(differ)}` : '',
        missing.length ? `${missing.length} recorded tensors are not in the checkpoint: ${listed(missing)}` : '',
        extra.length ? `${extra.length} checkpoint tensors were not recorded: ${listed(extra)}` : '',
      ]
        .filter(Boolean)
        .join('; ');
    },
  };
}
