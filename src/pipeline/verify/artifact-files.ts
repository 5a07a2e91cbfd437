import { join } from 'node:path';
import { isPosePortError } from '../../core/errors.js';
import { sha256Bytes } from '../../core/hash.js';
import { deepEqualJson } from '../../core/json-equal.js';
import { readListedArtifact } from '../../artifact/files.js';
import { tfjsUserMetadata } from '../../artifact/metadata.js';
import { onnx } from '../../emit/onnx/proto.js';
import { validateTfjsArtifact, type TfjsModelJson } from '../../emit/tfjs/index.js';
import type { ConvertReport } from '../convert-report.js';
import { result } from './finding.js';
import type { Described } from './format.js';

export type OnnxModel = ReturnType<typeof onnx.ModelProto.decode>;

/** What the file checks found usable for the checks after them. */
export interface ArtifactFiles {
  checks: Described[];
  /** model.onnx, when it decodes as a ModelProto */
  onnx?: { bytes: Uint8Array; model: OnnxModel };
  /** the TF.js directory, when its files are consistent (tfjs-files passed) */
  tfjsDir?: string;
  /** the most outputs either artifact declares (the rebuild then keeps every output) */
  outputCount: number;
}

const describeOnnxMeta = (ok: boolean) => (ok ? "the model's pose_port metadata equals the report's" : "the model's pose_port metadata differs from report.json's (or is missing)");
const describeTfjsMeta = (ok: boolean, nhwc: boolean) =>
  ok ? `model.json's pose_port metadata equals the report's${nhwc ? ' (NHWC input)' : ''}` : "model.json's pose_port metadata differs from report.json's (or is missing)";

/**
 * Per artifact: artifact-sha256:<file> (bytes against the report); for ONNX, onnx-metadata
 * (the embedded metadata against the report's); for TF.js, tfjs-files (model.json and
 * shards consistent) and tfjs-metadata.
 */
export function artifactFileChecks(dir: string, report: ConvertReport): ArtifactFiles {
  const out: ArtifactFiles = { checks: [], outputCount: 1 };
  for (const [i, a] of report.artifacts.entries()) {
    const file = join(dir, a.file);
    const bytes = readListedArtifact(dir, a.file, join(dir, 'report.json'), `artifacts[${i}].file`);
    const digest = sha256Bytes(bytes);
    const name = `artifact-sha256:${a.file}`;
    out.checks.push({
      result: result(name, [{ check: name, ok: digest === a.sha256, subject: '', measured: digest, bound: a.sha256, reason: 'differs' }]),
      describe: ({ ok }) => (ok ? `${a.file}: sha256 ${digest.slice(0, 16)}... as recorded` : `${a.file}: sha256 ${digest.slice(0, 16)}... differs from the recorded ${a.sha256.slice(0, 16)}...`),
    });
    if (a.format === 'onnx') {
      let model: OnnxModel;
      try {
        model = onnx.ModelProto.decode(bytes);
      } catch (e) {
        const why = (e as Error).message;
        out.checks.push({
          result: result('onnx-metadata', [{ check: 'onnx-metadata', ok: false, subject: '', reason: 'not-onnx', measured: why }]),
          describe: () => `model.onnx is not an ONNX ModelProto: ${why}`,
        });
        continue;
      }
      out.onnx = { bytes, model };
      out.outputCount = Math.max(out.outputCount, model.graph?.output?.length ?? 1);
      const props = Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value]));
      let meta: unknown;
      try {
        meta = JSON.parse(props.pose_port ?? 'null');
      } catch {
        meta = undefined;
      }
      const same = deepEqualJson(meta, report.metadata);
      out.checks.push({ result: result('onnx-metadata', [{ check: 'onnx-metadata', ok: same, subject: '', reason: 'differs' }]), describe: ({ ok }) => describeOnnxMeta(ok) });
    } else {
      try {
        const v = validateTfjsArtifact(join(file, '..'));
        out.checks.push({
          result: result('tfjs-files', [{ check: 'tfjs-files', ok: true, subject: '' }], { shards: v.shards.length, weight_bytes: v.weightBytes }),
          describe: () => `model.json and ${v.shards.length} shard(s) (${v.weightBytes} weight bytes, ${v.weights} weights, ${v.nodes} nodes) are consistent`,
        });
        out.tfjsDir = join(file, '..');
        const m = JSON.parse(bytes.toString('utf8')) as TfjsModelJson;
        out.outputCount = Math.max(out.outputCount, Object.keys(m.signature?.outputs ?? {}).length);
        const meta = (m.userDefinedMetadata as { pose_port?: unknown } | undefined)?.pose_port;
        const want = tfjsUserMetadata(report.metadata).pose_port;
        const same = deepEqualJson(meta, want);
        out.checks.push({
          result: result('tfjs-metadata', [{ check: 'tfjs-metadata', ok: same, subject: '', reason: 'differs' }]),
          describe: ({ ok }) => describeTfjsMeta(ok, want.input.layout === 'NHWC'),
        });
      } catch (e) {
        if (!isPosePortError(e)) throw e;
        const why = `${e.code}: ${e.message}`;
        out.tfjsDir = undefined;
        out.checks.push({ result: result('tfjs-files', [{ check: 'tfjs-files', ok: false, subject: '', reason: e.code, measured: e.message }]), describe: () => why });
      }
    }
  }
  return out;
}
