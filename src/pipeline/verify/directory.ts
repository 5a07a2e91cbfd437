/**
 * `directory`: the conversion directory holds what its report.json lists and nothing
 * else, so a directory mixing two conversions (a `tfjs/` an earlier `--format
 * onnx,tfjs` left beside a later `--format onnx` conversion, a stray shard) fails
 * instead of passing on the files the report happens to name. Expected: report.json,
 * each artifact's file, and for TF.js the shards its model.json's weightsManifest lists.
 */
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { readModelFile } from '../../artifact/files.js';
import type { ConvertReport } from '../convert-report.js';
import { result, type Finding } from './finding.js';
import { listed, type Described } from './format.js';

function walk(root: string, dir: string, out: string[]): void {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(root, p, out);
    else out.push(relative(root, p).split(sep).join('/'));
  }
}

/** The files a conversion with this report writes, relative to its directory ('/'-separated). */
function expectedFiles(dir: string, report: ConvertReport): Set<string> {
  const want = new Set(['report.json']);
  for (const a of report.artifacts) {
    want.add(a.file);
    if (a.format !== 'tfjs') continue;
    try {
      const m = JSON.parse(readModelFile(join(dir, a.file)).toString('utf8')) as { weightsManifest?: { paths?: unknown[] }[] };
      const base = dirname(a.file);
      for (const g of m.weightsManifest ?? []) for (const p of g.paths ?? []) if (typeof p === 'string') want.add(base === '.' ? p : `${base}/${p}`);
    } catch {
      // an unreadable model.json fails tfjs-files; its shards then count as unexpected here too
    }
  }
  return want;
}

export function directoryCheck(dir: string, report: ConvertReport): Described {
  const found: string[] = [];
  walk(dir, dir, found);
  const want = expectedFiles(dir, report);
  const extra = found.filter((f) => !want.has(f)).sort();
  const findings: Finding[] = extra.length
    ? extra.map((f) => ({ check: 'directory', ok: false, subject: f, reason: 'not-in-report' }))
    : [{ check: 'directory', ok: true, subject: '' }];
  return {
    result: result('directory', findings, { files: found.length, unexpected: extra.length }),
    describe: ({ ok }) =>
      ok
        ? `the directory holds report.json and the ${want.size - 1} artifact file(s) it lists, nothing else`
        : `${extra.length} file(s) that report.json does not list (left by another conversion?): ${listed(extra)}`,
  };
}
