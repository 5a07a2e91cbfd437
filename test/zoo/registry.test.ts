/**
 * The registry against its sources: every row of the model-zoo tables in
 * test/data/seeds (parsed here independently of scripts/build-registry.mjs) and
 * every manifest in test/data/manifests; and against its JSON Schemas.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateJson, type JsonSchema } from '../../src/core/json-schema.js';
import { closeZooNames, findZooEntry, getZooEntry, listZoo, zooMetric } from '../../src/zoo/registry.js';
import type { ZooEntry } from '../../src/zoo/types.js';
import { readManifest, ROOT } from '../helpers/ckpt.js';
import { SEEDS } from '../helpers/data.js';

const entrySchema = JSON.parse(readFileSync(join(ROOT, 'schemas', 'zoo-entry.schema.json'), 'utf8')) as JsonSchema;
const registrySchema = JSON.parse(readFileSync(join(ROOT, 'schemas', 'zoo-registry.schema.json'), 'utf8')) as JsonSchema;
const registryFile = JSON.parse(readFileSync(join(ROOT, 'src', 'zoo', 'registry.json'), 'utf8'));

interface SeedRow {
  where: string;
  config: string;
  /** column header -> cell, both trimmed */
  cells: Map<string, string>;
}

/**
 * Rows of the seed tables that link a checkpoint. A table is a header line of
 * `|`-separated cells followed by a `| :--- |` rule; a row belongs to the table above it.
 */
function seedRows(): SeedRow[] {
  const rows: SeedRow[] = [];
  const dir = SEEDS;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.txt')).sort()) {
    const lines = readFileSync(join(dir, file), 'utf8').split(/\r?\n/);
    let header: string[] | null = null;
    lines.forEach((line, i) => {
      if (!line.startsWith('|')) {
        header = null;
        return;
      }
      const cells = line.split('|').slice(1, -1).map((c) => c.trim());
      if (cells.every((c) => /^:?-+:?$/.test(c))) return; // the rule
      if (lines[i + 1]?.startsWith('| :') || lines[i + 1]?.startsWith('|:')) {
        header = cells;
        return;
      }
      if (!header || !line.includes('[ckpt](')) return;
      const m = /\[[^\]]*\]\(\/configs\/[^)]*\/([^/)]+)\.py\)/.exec(cells[0]);
      if (!m) throw new Error(`${file}:${i + 1}: no config link in '${cells[0]}'`);
      rows.push({ where: `${file}:${i + 1}`, config: m[1], cells: new Map(header.map((h, k) => [h, cells[k]])) });
    });
  }
  return rows;
}

const ROWS = seedRows();
const href = (cell: string) => /\]\((https:[^)]+)\)/.exec(cell)?.[1];

/** The normalised key each table column must map to (fixed here, not read from the build script). */
const KEY_OF: Record<string, string> = {
  AP: 'AP',
  'AP<sup>50</sup>': 'AP50',
  'AP<sup>75</sup>': 'AP75',
  AR: 'AR',
  'AR<sup>50</sup>': 'AR50',
  'Body AP': 'body_AP',
  'Body AR': 'body_AR',
  'Foot AP': 'foot_AP',
  'Foot AR': 'foot_AR',
  'Face AP': 'face_AP',
  'Face AR': 'face_AR',
  'Hand AP': 'hand_AP',
  'Hand AR': 'hand_AR',
  'Whole AP': 'whole_AP',
  'Whole AR': 'whole_AR',
  Mean: 'PCKh',
  'Mean@0.1': 'PCKh@0.1',
};

test('the seed tables have 26 checkpoint rows, and the registry one entry per row, in the same order', (t) => {
  t.is(ROWS.length, 26);
  t.deepEqual(
    listZoo().map((e) => e.name),
    ROWS.map((r) => r.config),
  );
  t.is(new Set(ROWS.map((r) => r.config)).size, 26, 'config names are unique');
  t.true(new Set(ROWS.map((r) => /\[([^\]]+)\]/.exec(r.cells.get('Arch')!)![1])).size < 26, 'Arch texts are not (which is why names are config names)');
});

test('every recorded metric of every row is in the registry, with the table column name and cell text', (t) => {
  let checked = 0;
  for (const row of ROWS) {
    const e = getZooEntry(row.config);
    const columns = [...row.cells.keys()].filter((h) => !['Arch', 'Input Size', 'ckpt', 'log'].includes(h));
    t.deepEqual(
      e.metrics.map((m) => m.column),
      columns,
      `${row.where} ${e.name}: metric columns`,
    );
    for (const column of columns) {
      const text = row.cells.get(column)!;
      const m = e.metrics.find((x) => x.column === column)!;
      t.is(m.text, text, `${row.where} ${e.name} ${column}`);
      t.is(m.value, Number.parseFloat(text), `${row.where} ${e.name} ${column}`);
      t.is<string, string>(m.key, KEY_OF[column], `${row.where} ${e.name} ${column} key`);
      t.is(zooMetric(e, m.key), m);
      checked++;
    }
    t.truthy(zooMetric(e, e.mainMetric), `${e.name}: main metric ${e.mainMetric} is recorded`);
  }
  // 18 COCO rows x 5 + 6 whole-body rows x 10 + 2 MPII rows x 2
  t.is(checked, 18 * 5 + 6 * 10 + 2 * 2);
});

test('spot checks of recorded values straight from the tables', (t) => {
  t.is(zooMetric(getZooEntry('3xrsn50_coco_256x192'), 'AP')!.text, '0.750');
  t.is(zooMetric(getZooEntry('4xmspn50_coco_256x192'), 'AR50')!.value, 0.944);
  t.is(zooMetric(getZooEntry('hrnet_w48_coco_wholebody_384x288_dark_plus'), 'face_AR')!.value, 0.892);
  t.is(zooMetric(getZooEntry('hrnet_w32_coco_wholebody_256x192'), 'hand_AP')!.value, 0.473);
  t.is(zooMetric(getZooEntry('hrnet_w48_mpii_256x256_dark'), 'PCKh@0.1')!.value, 0.401);
  t.is(zooMetric(getZooEntry('res152_coco_384x288_dark'), 'AP75')!.value, 0.826);
});

test('checkpoint and log URLs, the sha256 prefix from the file name and the input size come from the row', (t) => {
  for (const row of ROWS) {
    const e = getZooEntry(row.config);
    const ckpt = href(row.cells.get('ckpt')!)!;
    t.is(e.checkpoint.url, ckpt, row.where);
    t.is<string | undefined, string | undefined>(e.log.url, href(row.cells.get('log')!), row.where);
    t.is<string | undefined, string | undefined>(e.checkpoint.file, ckpt.split('/').at(-1));
    t.is(e.checkpoint.sha256Prefix, /-([0-9a-f]{8})_\d{8}\.pth$/.exec(ckpt)![1], row.where);
    const [h, w] = row.cells.get('Input Size')!.split('x').map(Number);
    t.deepEqual(e.input, { height: h, width: w }, row.where);
    t.is<string | undefined, string | undefined>(e.table.inputSize, row.cells.get('Input Size'));
  }
  // the one row whose checkpoint file is not named after its config
  t.is(getZooEntry('hrnet_w48_coco_wholebody_384x288_dark_plus').checkpoint.file, 'hrnet_w48_coco_wholebody_384x288_dark-f5726563_20200918.pth');
});

test('config facts equal the manifest of the same name', (t) => {
  for (const e of listZoo()) {
    const m = readManifest(e.name);
    const c = e.config;
    t.is(e.family, m.family, e.name);
    t.is(e.dataset, m.dataset, e.name);
    t.is(e.numJoints, m.num_joints, e.name);
    t.deepEqual([e.input.width, e.input.height], m.image_size, e.name);
    t.deepEqual([e.heatmap.width, e.heatmap.height], m.heatmap_size, e.name);
    t.is(c.path, m.config);
    t.is(c.mmpose_tag, m.mmpose_tag);
    t.is(c.dataset_type, m.dataset_type);
    t.deepEqual(c.backbone, m.backbone, e.name);
    const { loss_keypoint: _loss, ...head } = m.head;
    t.deepEqual(c.head, head, e.name);
    t.deepEqual(c.test_cfg, m.test_cfg, e.name);
    t.deepEqual(c.normalize, m.normalize, e.name);
    t.deepEqual(c.flip_pairs, m.flip_pairs, e.name);
    t.deepEqual([c.image_size, c.heatmap_size, c.num_joints, c.num_output_channels], [m.image_size, m.heatmap_size, m.num_joints, m.num_output_channels]);
    t.deepEqual([c.param_count, c.num_entries], [m.param_count, m.num_entries], e.name);
    for (const [k, v] of Object.entries(c.data_cfg)) t.deepEqual(v, m.data_cfg[k], `${e.name} data_cfg.${k}`);
    t.is(c.note, m.config_note, e.name);
  }
});

test('presets follow the config names', (t) => {
  const byPrefix = (n: string) => /^(\d?x?(?:rsn|mspn)\d+|res\d+|hrnet_w\d+)_/.exec(n)![1];
  for (const e of listZoo()) t.is<string, string>(e.preset, byPrefix(e.name), e.name);
});

test('every entry validates against schemas/zoo-entry.schema.json, the file against zoo-registry.schema.json', (t) => {
  t.is(validateJson(registrySchema, registryFile), null);
  for (const e of registryFile.entries) t.is(validateJson(entrySchema, e), null, e.name);
  t.is(registryFile.entries.length, 26);
});

test('the entry schema rejects what it should', (t) => {
  const base = getZooEntry('rsn18_coco_256x192');
  const bad: [string, (e: any) => void][] = [
    ['a sha prefix that is not 8 hex digits', (e) => (e.checkpoint.sha256Prefix = '72f4b4a')],
    ['a metric above 1', (e) => (e.metrics[0].value = 70.4)],
    ['a COCO row with a renamed column', (e) => (e.metrics[1].column = 'AP50')],
    ['a COCO row missing a metric', (e) => e.metrics.pop()],
    ['an unknown preset', (e) => (e.preset = 'rsn101')],
    ['an extra top-level field', (e) => (e.extra = 1)],
    ['a post_process MMPose does not have', (e) => (e.config.test_cfg.post_process = 'udp')],
    ['a COCO row with wholebody keypoints', (e) => (e.numJoints = 133)],
  ];
  for (const [what, mutate] of bad) {
    const e = structuredClone(base) as ZooEntry;
    mutate(e);
    t.not(validateJson(entrySchema, e), null, what);
  }
});

test('the committed registry is what scripts/build-registry.mjs makes from the seeds and manifests', (t) => {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-registry.mjs'), '--check'], { encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
});

test('lookup: exact names only; unknown names get close matches', (t) => {
  t.is(findZooEntry('rsn18_coco_256x192')?.preset, 'rsn18');
  t.is(findZooEntry('rsn_18'), undefined);
  const e = t.throws(() => getZooEntry('hrnet_w48_mpii_256x256'));
  t.regex(e!.message, /no zoo model 'hrnet_w48_mpii_256x256'; did you mean 'hrnet_w48_mpii_256x256_dark'/);
  t.deepEqual(closeZooNames('pose_hrnet_w48'), ['hrnet_w48_coco_wholebody_256x192', 'hrnet_w48_coco_wholebody_384x288']);
  t.deepEqual(closeZooNames('completely-unrelated-query'), []);
});
