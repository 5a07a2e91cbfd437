#!/usr/bin/env node
/**
 * Regenerates src/zoo/registry.json, the model-zoo registry, from the model-zoo
 * tables in test/data/seeds/*.txt and the config manifests in
 * test/data/manifests/*.json.gz (README files there say where they come from).
 *
 *   node scripts/build-registry.mjs            # writes src/zoo/registry.json
 *   node scripts/build-registry.mjs --check    # exit 1 when the committed file differs
 *
 * Every markdown table row with a `[ckpt](...)` link becomes one entry. The entry's
 * name is the config file named by the row's Arch link (the Arch text itself is not
 * unique: `pose_hrnet_w32` names four rows), which must have a manifest of the same
 * name. Plain-text tables (the RSN authors' README) have no checkpoint links and are
 * not rows of the zoo.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SEEDS = join(ROOT, 'test', 'data', 'seeds');
const MANIFESTS = join(ROOT, 'test', 'data', 'manifests');
const OUT = join(ROOT, 'src', 'zoo', 'registry.json');
const EXPECTED_ROWS = 26;

/** Table column header (as written, <sup> included) -> normalised metric key, per dataset. */
const METRIC_KEYS = {
  coco: { AP: 'AP', 'AP<sup>50</sup>': 'AP50', 'AP<sup>75</sup>': 'AP75', AR: 'AR', 'AR<sup>50</sup>': 'AR50' },
  coco_wholebody: {
    'Body AP': 'body_AP', 'Body AR': 'body_AR', 'Foot AP': 'foot_AP', 'Foot AR': 'foot_AR',
    'Face AP': 'face_AP', 'Face AR': 'face_AR', 'Hand AP': 'hand_AP', 'Hand AR': 'hand_AR',
    'Whole AP': 'whole_AP', 'Whole AR': 'whole_AR',
  },
  mpii: { Mean: 'PCKh', 'Mean@0.1': 'PCKh@0.1' },
};
/** The metric `zoo list` shows and the eval command compares first. */
const MAIN_METRIC = { coco: 'AP', coco_wholebody: 'whole_AP', mpii: 'PCKh' };

/** Preset name (as src/arch families call them) from the config name; checked against the backbone below. */
const PRESETS = ['2xmspn50', '3xmspn50', '4xmspn50', 'mspn50', '2xrsn50', '3xrsn50', 'rsn18', 'rsn50', 'res50', 'res101', 'res152', 'hrnet_w32', 'hrnet_w48'];

function fail(msg) {
  throw new Error(`build-registry: ${msg}`);
}

function splitRow(line) {
  const t = line.trim();
  if (!t.startsWith('|') || !t.endsWith('|')) return null;
  return t.slice(1, -1).split('|').map((c) => c.trim());
}

/** Parses every markdown table with checkpoint links in one seed file. */
function parseSeed(file) {
  const text = readFileSync(join(SEEDS, file), 'utf8');
  const lines = text.split('\n');
  const paper = (lines.find((l) => /^# /.test(l)) ?? '').replace(/^# /, '').trim();
  const rows = [];
  let section = '';
  let benchmark = '';
  let note = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^### /.test(line)) section = line.replace(/^### /, '').trim();
    if (/^#### /.test(line)) benchmark = line.replace(/^#### /, '').trim();
    const header = splitRow(line);
    const rule = i + 1 < lines.length ? splitRow(lines[i + 1]) : null;
    if (!header || !rule || !rule.every((c) => /^:?-+:?$/.test(c))) continue;
    if (rule.length !== header.length) fail(`${file}:${i + 2}: rule has ${rule.length} cells, header ${header.length}`);
    const tableRows = [];
    let j = i + 2;
    for (; j < lines.length; j++) {
      const cells = splitRow(lines[j]);
      if (!cells) break;
      if (cells.length !== header.length) fail(`${file}:${j + 1}: ${cells.length} cells, header has ${header.length}`);
      tableRows.push({ line: j + 1, cells });
    }
    // a note right under the table (e.g. what `+` means) belongs to its rows
    note = '';
    for (let k = j; k < lines.length && !/^#/.test(lines[k]); k++) {
      const m = /^Note:\s*(.*)$/.exec(lines[k].trim());
      if (m) note = m[1];
    }
    for (const r of tableRows) rows.push({ file, paper, section, benchmark, note, header, ...r });
    i = j - 1;
  }
  return rows;
}

function link(cell, what, where) {
  const m = /^\[([^\]]+)\]\(([^)]+)\)$/.exec(cell);
  if (!m) fail(`${where}: ${what} cell is not a markdown link: '${cell}'`);
  return { text: m[1], href: m[2] };
}

/** Flattens MMPose's channel lists ([[0..K-1]] for COCO, [0..K-1] for MPII). */
function flat(x) {
  return Array.isArray(x) ? x.flatMap(flat) : [x];
}

function checkPreset(preset, m, where) {
  const bb = m.backbone;
  const want = {
    res50: ['ResNet', () => bb.depth === 50],
    res101: ['ResNet', () => bb.depth === 101],
    res152: ['ResNet', () => bb.depth === 152],
    hrnet_w32: ['HRNet', () => bb.extra.stage2.num_channels[0] === 32],
    hrnet_w48: ['HRNet', () => bb.extra.stage2.num_channels[0] === 48],
    rsn18: ['RSN', () => bb.num_stages === 1 && bb.num_blocks.join() === '2,2,2,2'],
    rsn50: ['RSN', () => bb.num_stages === 1 && bb.num_blocks.join() === '3,4,6,3'],
    '2xrsn50': ['RSN', () => bb.num_stages === 2 && bb.num_blocks.join() === '3,4,6,3'],
    '3xrsn50': ['RSN', () => bb.num_stages === 3 && bb.num_blocks.join() === '3,4,6,3'],
    mspn50: ['MSPN', () => bb.num_stages === 1 && bb.num_blocks.join() === '3,4,6,3'],
    '2xmspn50': ['MSPN', () => bb.num_stages === 2 && bb.num_blocks.join() === '3,4,6,3'],
    '3xmspn50': ['MSPN', () => bb.num_stages === 3 && bb.num_blocks.join() === '3,4,6,3'],
    '4xmspn50': ['MSPN', () => bb.num_stages === 4 && bb.num_blocks.join() === '3,4,6,3'],
  }[preset];
  if (!want || bb.type !== want[0] || !want[1]()) fail(`${where}: preset '${preset}' disagrees with the manifest backbone ${JSON.stringify(bb)}`);
}

function buildEntry(row, manifests) {
  const where = `${row.file}:${row.line}`;
  const col = (name) => {
    const i = row.header.indexOf(name);
    if (i < 0) fail(`${where}: no '${name}' column in [${row.header.join(', ')}]`);
    return row.cells[i];
  };
  const arch = link(col('Arch'), 'Arch', where);
  const ckpt = link(col('ckpt'), 'ckpt', where);
  const log = link(col('log'), 'log', where);
  if (!arch.href.endsWith('.py')) fail(`${where}: Arch link '${arch.href}' is not a config file`);
  const name = basename(arch.href, '.py');
  const m = manifests.get(name);
  if (!m) fail(`${where}: no manifest '${name}.json' for config '${arch.href}'`);
  if (m.model !== name) fail(`${where}: manifest '${name}.json' names model '${m.model}'`);

  const dataset = m.dataset;
  const keys = METRIC_KEYS[dataset];
  if (!keys) fail(`${where}: no metric names for dataset '${dataset}'`);
  const metricCols = row.header.filter((h) => !['Arch', 'Input Size', 'ckpt', 'log'].includes(h));
  const metrics = metricCols.map((column) => {
    const key = keys[column];
    if (!key) fail(`${where}: column '${column}' is not a known ${dataset} metric`);
    const text = col(column);
    if (!/^\d+(\.\d+)?$/.test(text)) fail(`${where}: ${column} value '${text}' is not a number`);
    const value = Number(text);
    if (!(value >= 0 && value <= 1)) fail(`${where}: ${column} value ${text} is not a fraction`);
    return { column, key, value, text };
  });
  if (metrics.length !== Object.keys(keys).length) fail(`${where}: ${metrics.length} metric columns, expected ${Object.keys(keys).length}`);

  const inputText = col('Input Size');
  const sz = /^(\d+)x(\d+)$/.exec(inputText);
  if (!sz) fail(`${where}: Input Size '${inputText}' is not HxW`);
  const input = { height: Number(sz[1]), width: Number(sz[2]) };
  if (m.image_size[0] !== input.width || m.image_size[1] !== input.height)
    fail(`${where}: Input Size ${inputText} disagrees with the manifest image_size [w, h] ${JSON.stringify(m.image_size)}`);

  const file = basename(new URL(ckpt.href).pathname);
  const fm = /^(.+)-([0-9a-f]{8})_(\d{8})\.pth$/.exec(file);
  if (!fm) fail(`${where}: checkpoint file '${file}' does not end in -<8 hex>_<date>.pth`);
  const logFile = basename(new URL(log.href).pathname);
  if (logFile !== `${fm[1]}_${fm[3]}.log.json`) fail(`${where}: log '${logFile}' does not match checkpoint '${file}'`);

  const preset = PRESETS.find((p) => name.startsWith(`${p}_`));
  if (!preset) fail(`${where}: no preset for '${name}'`);
  checkPreset(preset, m, where);

  const K = m.num_joints;
  const dc = { ...m.data_cfg };
  for (const k of ['dataset_channel', 'inference_channel']) {
    const ch = flat(dc[k]);
    if (ch.length !== K || ch.some((c, i) => c !== i)) fail(`${where}: data_cfg.${k} is not 0..${K - 1}`);
    delete dc[k];
  }
  for (const k of ['image_size', 'heatmap_size', 'num_output_channels', 'num_joints']) {
    if (JSON.stringify(dc[k]) !== JSON.stringify(m[k])) fail(`${where}: data_cfg.${k} differs from the manifest's ${k}`);
    delete dc[k];
  }
  const { loss_keypoint: _loss, ...head } = m.head;

  return {
    name,
    family: m.family,
    preset,
    dataset,
    input,
    heatmap: { height: m.heatmap_size[1], width: m.heatmap_size[0] },
    numJoints: K,
    mainMetric: MAIN_METRIC[dataset],
    metrics,
    checkpoint: { url: ckpt.href, file, sha256Prefix: fm[2], date: fm[3] },
    log: { url: log.href },
    table: {
      paper: row.paper,
      section: row.section,
      benchmark: row.benchmark,
      arch: arch.text,
      configLink: arch.href,
      inputSize: inputText,
      // the note under a table explains a marker ('+') only some rows carry
      ...(row.note && arch.text.includes('+') ? { note: row.note } : {}),
    },
    config: {
      mmpose_tag: m.mmpose_tag,
      path: m.config,
      ...(m.config_note ? { note: m.config_note } : {}),
      dataset_type: m.dataset_type,
      backbone: m.backbone,
      head,
      image_size: m.image_size,
      heatmap_size: m.heatmap_size,
      num_joints: K,
      num_output_channels: m.num_output_channels,
      test_cfg: m.test_cfg,
      data_cfg: dc,
      normalize: m.normalize,
      flip_pairs: m.flip_pairs,
      param_count: m.param_count,
      num_entries: m.num_entries,
    },
  };
}

function build() {
  const manifests = new Map();
  for (const f of readdirSync(MANIFESTS).filter((x) => x.endsWith('.json.gz')).sort())
    manifests.set(f.slice(0, -'.json.gz'.length), JSON.parse(gunzipSync(readFileSync(join(MANIFESTS, f))).toString('utf8')));
  const rows = readdirSync(SEEDS)
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .flatMap(parseSeed)
    .filter((r) => r.header.includes('ckpt'));
  const entries = rows.map((r) => buildEntry(r, manifests));
  if (entries.length !== EXPECTED_ROWS) fail(`found ${entries.length} checkpoint rows, expected ${EXPECTED_ROWS}`);
  const seen = new Set();
  for (const e of entries) {
    if (seen.has(e.name)) fail(`two rows name config '${e.name}'`);
    seen.add(e.name);
  }
  const unused = [...manifests.keys()].filter((n) => !seen.has(n));
  if (unused.length) fail(`manifests without a table row: ${unused.join(', ')}`);
  return {
    $comment: 'Generated by scripts/build-registry.mjs from the model-zoo tables and the config manifests; do not edit by hand.',
    format: 'pose-port-zoo/1',
    entries,
  };
}

/** JSON with two-space indents, but arrays of numbers/strings (and arrays of those) and small flat objects on one line. */
function format(v, indent = '') {
  const flatArray = (x) => Array.isArray(x) && x.every((y) => y === null || typeof y !== 'object' || flatArray(y));
  const smallObject = (x) => !Array.isArray(x) && Object.values(x).every((y) => y === null || typeof y !== 'object') && JSON.stringify(x).length <= 100;
  if (v === null || typeof v !== 'object' || flatArray(v) || smallObject(v)) return JSON.stringify(v);
  const inner = indent + '  ';
  if (Array.isArray(v)) return v.length ? `[\n${v.map((x) => inner + format(x, inner)).join(',\n')}\n${indent}]` : '[]';
  const keys = Object.keys(v);
  return keys.length ? `{\n${keys.map((k) => `${inner}${JSON.stringify(k)}: ${format(v[k], inner)}`).join(',\n')}\n${indent}}` : '{}';
}

const text = format(build()) + '\n';
if (process.argv.includes('--check')) {
  let old = '';
  try {
    old = readFileSync(OUT, 'utf8');
  } catch {}
  if (old !== text) {
    process.stderr.write(`build-registry: ${OUT} is out of date; run node scripts/build-registry.mjs\n`);
    process.exit(1);
  }
  process.stdout.write(`build-registry: ${OUT} is up to date\n`);
} else {
  writeFileSync(OUT, text);
  process.stdout.write(`build-registry: wrote ${OUT} (${text.length} bytes)\n`);
}
