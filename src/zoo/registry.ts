/**
 * The model-zoo registry: the 26 published top-down checkpoints with their config
 * facts, recorded metrics and download URLs. The data is generated
 * (scripts/build-registry.mjs) and committed as registry.json.
 */
import { PosePortError } from '../core/errors.js';
import data from './registry.json' with { type: 'json' };
import type { ZooEntry, ZooMetric, ZooMetricKey, ZooRegistry } from './types.js';

// registry.json is checked against schemas/zoo-entry.schema.json by the tests; trust it here.
const REGISTRY = data as unknown as ZooRegistry;
const BY_NAME = new Map<string, ZooEntry>(REGISTRY.entries.map((e) => [e.name, e]));

/** Every entry, in the order of the model-zoo tables. */
export function listZoo(): readonly ZooEntry[] {
  return REGISTRY.entries;
}

/** The entry named `name` (a config name), or undefined. */
export function findZooEntry(name: string): ZooEntry | undefined {
  return BY_NAME.get(name);
}

/** The entry named `name`; ZOO_UNKNOWN naming the closest names when there is none. */
export function getZooEntry(name: string): ZooEntry {
  const e = BY_NAME.get(name);
  if (e) return e;
  const close = closeZooNames(name);
  throw new PosePortError(
    'ZOO_UNKNOWN',
    `no zoo model '${name}'${close.length ? `; did you mean ${close.map((c) => `'${c}'`).join(', ')}?` : ''} ('pose-port zoo list' lists all ${REGISTRY.entries.length})`,
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
  const scored = REGISTRY.entries.map((e) => {
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
