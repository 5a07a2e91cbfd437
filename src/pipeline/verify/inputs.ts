import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PosePortError } from '../../core/errors.js';
import { assertJson, type JsonSchema } from '../../core/json-schema.js';
import type { TfjsModelJson } from '../../emit/tfjs/index.js';
import { readModelFile } from '../../artifact/files.js';
import { readJsonFile } from '../../io/json.js';
import type { ArtifactRecord, ConvertReport } from '../convert-report.js';
import reportSchema from '../../../schemas/report.schema.json' with { type: 'json' };

export const REPORT_SCHEMA = reportSchema as JsonSchema;
/** report.json lists a handful of artifacts and findings: 64 MiB is far above any real one. */
export const MAX_REPORT_JSON_BYTES = 64 * 1024 * 1024;

/** report.json of `dir`, checked against the schema (MODEL_FORMAT when it is not a conversion report). */
export function readConvertReport(dir: string): ConvertReport {
  const file = join(dir, 'report.json');
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new PosePortError('IO', `'${dir}' is not a directory (expected the output of 'pose-port convert')`, { file: dir });
  if (!existsSync(file)) throw new PosePortError('IO', `no report.json in '${dir}': verify needs the directory 'pose-port convert' wrote`, { file });
  const value = readJsonFile(file, 'conversion report (report.json)', 'MODEL_FORMAT', MAX_REPORT_JSON_BYTES);
  assertJson(REPORT_SCHEMA, value, { code: 'MODEL_FORMAT', what: 'report.json', file });
  if ((value as { kind: string }).kind !== 'convert') throw new PosePortError('MODEL_FORMAT', `report.json is a '${(value as { kind: string }).kind}' report, not a conversion report`, { file });
  return value as ConvertReport;
}

/** Every file an artifact consists of must exist before anything is compared (IO naming the file otherwise). */
export function requireArtifactFiles(dir: string, a: ArtifactRecord): void {
  const main = join(dir, a.file);
  if (!existsSync(main)) throw new PosePortError('IO', `artifact '${a.file}' listed in report.json is missing from '${dir}'`, { file: main });
  if (a.format !== 'tfjs') return;
  let m: TfjsModelJson;
  try {
    m = JSON.parse(readModelFile(main).toString('utf8')) as TfjsModelJson;
  } catch {
    return; // the sha256 and tfjs-files checks report a damaged model.json
  }
  for (const g of Array.isArray(m?.weightsManifest) ? m.weightsManifest : [])
    for (const p of Array.isArray(g?.paths) ? g.paths : []) {
      const f = join(main, '..', p);
      if (!existsSync(f)) throw new PosePortError('IO', `TF.js weight shard '${p}' named in '${a.file}' is missing from '${dir}'`, { file: f });
    }
}
