import { PosePortError } from '../../core/errors.js';
import { getZooEntry, listZoo, zooMetric } from '../../zoo/registry.js';
import type { ZooEntry } from '../../zoo/types.js';
import { defineCommand } from '../command.js';

/** One row of `zoo list --json`. */
function summary(e: ZooEntry) {
  const m = zooMetric(e, e.mainMetric)!;
  return {
    name: e.name,
    family: e.family,
    preset: e.preset,
    dataset: e.dataset,
    input: e.input,
    metric: { key: m.key, column: m.column, value: m.value },
    checkpoint: e.checkpoint.url,
    sha256Prefix: e.checkpoint.sha256Prefix,
  };
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n') + '\n';
}

function listText(entries: readonly ZooEntry[]): string {
  const rows = [['NAME', 'FAMILY', 'PRESET', 'DATASET', 'INPUT', 'METRIC']];
  for (const e of entries) {
    const m = zooMetric(e, e.mainMetric)!;
    rows.push([e.name, e.family, e.preset, e.dataset, `${e.input.height}x${e.input.width}`, `${m.key} ${m.text}`]);
  }
  return table(rows) + `${entries.length} model${entries.length === 1 ? '' : 's'}; 'pose-port zoo show NAME' for details\n`;
}

function showText(e: ZooEntry): string {
  const c = e.config;
  const kv = (o: object) =>
    Object.entries(o)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(' ');
  const lines: [string, string][] = [
    ['family', `${e.family} (preset ${e.preset})`],
    ['dataset', `${e.dataset} (${c.dataset_type}), ${e.numJoints} keypoints, ${c.flip_pairs.length} flip pairs`],
    ['input', `${e.input.height}x${e.input.width} (HxW), heatmap ${e.heatmap.height}x${e.heatmap.width}`],
    ['config', `${c.path} at mmpose ${c.mmpose_tag}`],
    ...(c.note ? ([['config note', c.note]] as [string, string][]) : []),
    ['backbone', kv(c.backbone)],
    ['head', kv(c.head)],
    ['test_cfg', kv(c.test_cfg)],
    ['data_cfg', kv(c.data_cfg)],
    ['normalize', `mean ${JSON.stringify(c.normalize.mean)} std ${JSON.stringify(c.normalize.std)} (RGB in [0, 1])`],
    ['state_dict', `${c.num_entries} entries, ${c.param_count.toLocaleString('en-US')} values`],
    ['checkpoint', e.checkpoint.url],
    ['sha256', `${e.checkpoint.sha256Prefix}... (from the file name)`],
    ['log', e.log.url],
    ['table', `${e.table.arch} in "${e.table.paper}"`],
    ['benchmark', e.table.benchmark],
    ...(e.table.note ? ([['note', e.table.note]] as [string, string][]) : []),
  ];
  const w = Math.max(...lines.map(([k]) => k.length));
  const metricRows = e.metrics.map((m) => [`  ${m.key}${m.key === e.mainMetric ? ' *' : ''}`, m.text, m.column === m.key ? '' : `(table column '${m.column}')`]);
  return [
    e.name,
    ...lines.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`),
    '  recorded metrics (* = main):',
    table(metricRows.map((r) => ['  ' + r[0], r[1], r[2]])).trimEnd(),
    '',
  ].join('\n');
}

export const zooCommand = defineCommand({
  name: 'zoo',
  summary: 'list the model zoo, or show one entry (config, recorded metrics, checkpoint URL)',
  usage: 'zoo [list | show NAME] [--family F] [--dataset D] [--json]',
  description:
    'NAME is a config name as the MMPose model zoo names it (e.g. rsn18_coco_256x192).\n' +
    'Metrics are the values the zoo tables record; --json gives them with the table column names and normalised keys.',
  flags: {
    family: { type: 'string', arg: 'F', help: 'list only this family (resnet, hrnet, rsn, mspn)' },
    dataset: { type: 'string', arg: 'D', help: 'list only this dataset (coco, coco_wholebody, mpii)' },
    json: { type: 'boolean', help: 'print JSON' },
  },
  async run(args, io) {
    const [sub = 'list', ...rest] = args.positionals;
    const json = args.flags.json;
    if (sub === 'list') {
      if (rest.length) throw new PosePortError('USAGE', `zoo list: unexpected argument '${rest[0]}'`);
      const entries = listZoo({ family: args.flags.family, dataset: args.flags.dataset });
      io.stdout(json ? JSON.stringify({ ok: true, entries: entries.map(summary) }, null, 2) + '\n' : listText(entries));
      return 0;
    }
    if (sub === 'show') {
      if (args.flags.family !== undefined || args.flags.dataset !== undefined) throw new PosePortError('USAGE', 'zoo show: --family and --dataset apply to zoo list');
      if (rest.length !== 1) throw new PosePortError('USAGE', `zoo show: expected one NAME, got ${rest.length}`);
      const e = getZooEntry(rest[0]);
      io.stdout(json ? JSON.stringify({ ok: true, entry: e }, null, 2) + '\n' : showText(e));
      return 0;
    }
    throw new PosePortError('USAGE', `zoo: unknown subcommand '${sub}' (expected 'list' or 'show NAME')`);
  },
});
