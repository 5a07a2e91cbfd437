/**
 * The model-zoo registry: the 26 published top-down checkpoints with their config
 * facts, recorded metrics and download URLs. The data is generated
 * (scripts/build-registry.mjs) and committed as registry.json.
 *
 * A user registry file named by $POSE_PORT_REGISTRY (same envelope, entries
 * validated against schemas/zoo-entry.schema.json) is merged over it: an entry with a
 * built-in name replaces that entry in place, a new name is appended. This is how a
 * private mirror of re-trained or re-published checkpoints carries its own sha256
 * prefixes (docs/zoo-registry.md).
 */
import { readFileSync } from 'node:fs';
import { PosePortError } from '../core/errors.js';
import { assertJson, type JsonSchema } from '../core/json-schema.js';
import entrySchema from '../../schemas/zoo-entry.schema.json' with { type: 'json' };
import envelopeSchema from '../../schemas/zoo-registry.schema.json' with { type: 'json' };
import data from './registry.json' with { type: 'json' };
import type { ZooEntry, ZooMetric, ZooMetricKey, ZooRegistry } from './types.js';

// registry.json is checked against schemas/zoo-entry.schema.json by the tests; trust it here.
const BUILT_IN = data as unknown as ZooRegistry;

/** The environment variable naming a user registry file merged over the built-in one. */
export const USER_REGISTRY_ENV = 'POSE_PORT_REGISTRY';

interface Merged {
  /** the $POSE_PORT_REGISTRY value this was built for */
  path: string | undefined;
  entries: readonly ZooEntry[];
  byName: Map<string, ZooEntry>;
}
let merged: Merged | undefined;

/**
 * Reads a registry file ({format: 'pose-port-zoo/1', entries: [...]}) and checks the
 * envelope and every entry against the schemas; names must be unique in the file.
 * Errors: IO (unreadable), USAGE naming the file, the entry and the failing path otherwise.
 */
export function readRegistryFile(path: string): ZooEntry[] {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== undefined) throw new PosePortError('IO', `cannot read the registry file '${path}' (${USER_REGISTRY_ENV}): ${(e as Error).message}`, { file: path });
    throw new PosePortError('USAGE', `the registry file '${path}' is not JSON: ${(e as Error).message}`, { file: path });
  }
  assertJson(envelopeSchema as JsonSchema, value, { code: 'USAGE', what: `registry file (${USER_REGISTRY_ENV})`, file: path });
  const entries = (value as ZooRegistry).entries;
  const seen = new Set<string>();
  entries.forEach((e, i) => {
    assertJson(entrySchema as JsonSchema, e, { code: 'USAGE', what: `entry ${i} ('${e.name}') of the registry file`, file: path });
    if (seen.has(e.name)) throw new PosePortError('USAGE', `the registry file '${path}' names '${e.name}' twice`, { file: path, key: e.name });
    seen.add(e.name);
  });
  return entries;
}

/** `base` with `overrides` merged over it: same name replaces in place, new names are appended in file order. */
export function mergeZooEntries(base: readonly ZooEntry[], overrides: readonly ZooEntry[]): ZooEntry[] {
  const over = new Map(overrides.map((e) => [e.name, e]));
  const out = base.map((e) => over.get(e.name) ?? e);
  const known = new Set(base.map((e) => e.name));
  for (const e of overrides) if (!known.has(e.name)) out.push(e);
  return out;
}

/** The built-in entries with $POSE_PORT_REGISTRY's merged over them (re-read when the variable changes). */
function registry(): Merged {
  const path = process.env[USER_REGISTRY_ENV] || undefined;
  if (merged && merged.path === path) return merged;
  const entries = path === undefined ? BUILT_IN.entries : mergeZooEntries(BUILT_IN.entries, readRegistryFile(path));
  merged = { path, entries, byName: new Map(entries.map((e) => [e.name, e])) };
  return merged;
}

/** What `zoo list --family F --dataset D` keeps: entries whose family / dataset equal the value given. */
export interface ZooFilter {
  family?: string;
  dataset?: string;
}

/**
 * Every entry, in the order of the model-zoo tables (then the user registry's new names);
 * with a filter, those it keeps. A filter value no entry has is a USAGE error listing the known ones.
 */
export function listZoo(filter: ZooFilter = {}): readonly ZooEntry[] {
  const all = registry().entries;
  for (const key of ['family', 'dataset'] as const) {
    const v = filter[key];
    const known = new Set(all.map((e) => e[key]));
    if (v !== undefined && !(known as ReadonlySet<string>).has(v)) throw new PosePortError('USAGE', `zoo list: --${key} '${v}' is none of ${[...known].join(', ')}`);
  }
  if (filter.family === undefined && filter.dataset === undefined) return all;
  return all.filter((e) => (filter.family === undefined || e.family === filter.family) && (filter.dataset === undefined || e.dataset === filter.dataset));
}

/** The entry named `name` (a config name), or undefined. */
export function findZooEntry(name: string): ZooEntry | undefined {
  return registry().byName.get(name);
}

/** The entry named `name`; ZOO_UNKNOWN naming the closest names when there is none. */
export function getZooEntry(name: string): ZooEntry {
  const e = registry().byName.get(name);
  if (e) return e;
  const close = closeZooNames(name);
  throw new PosePortError(
    'ZOO_UNKNOWN',
    `no zoo model '${name}'${close.length ? `; did you mean ${close.map((c) => `'${c}'`).join(', ')}?` : ''} ('pose-port zoo list' lists all ${listZoo().length})`,
    { key: name, details: { suggestions: close } },
  );
}

/** The recorded value of one metric, or undefined when the row has no such column. */
export function zooMetric(entry: ZooEntry, key: ZooMetricKey): ZooMetric | undefined {
  return entry.metrics.find((m) => m.key === key);
}

/** Up to `max` registry names close to `query` (edit distance, a substring, or the table's Arch text), closest first. */
export function closeZooNames(query: string, max = 4): string[] {
  const q = query.toLowerCase();
  const scored = listZoo().map((e) => {
    const n = e.name.toLowerCase();
    let d = editDistance(q, n);
    // a fragment of a name ('rsn18', 'w48_mpii') is close to the names containing it, shortest first
    if (q.length >= 3 && n.includes(q)) d = Math.min(d, 1 + (n.length - q.length) / 1000);
    // the tables' Arch text ('rsn_18', 'pose_hrnet_w32') names one or more rows
    if (e.table.arch.toLowerCase() === q) d = Math.min(d, 0.5);
    return { name: e.name, d };
  });
  const limit = Math.max(3, Math.floor(q.length / 3));
  return scored
    .filter((s) => s.d <= limit)
    .sort((a, b) => a.d - b.d || a.name.localeCompare(b.name))
    .slice(0, max)
    .map((s) => s.name);
}

/** Levenshtein distance (insert, delete, substitute each cost 1). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}
