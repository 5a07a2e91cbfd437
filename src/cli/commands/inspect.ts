import { inspectCheckpoint, type InspectReport } from '../../pipeline/inspect.js';
import { PosePortError } from '../../core/errors.js';
import { defineCommand } from '../command.js';

function human(n: number): string {
  const u = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i ? n.toFixed(1) : n} ${u[i]}`;
}

/** The config lines: each fact read and its field, what was not read. */
function formatConfig(r: InspectReport): string[] {
  const c = r.config;
  if (!c) return ['config:    none in meta'];
  const head = `config:    meta['${c.meta_key}']${c.mmpose ? ` (MMPose ${c.mmpose} layout, ${c.chars} characters)` : ''}`;
  if (c.refused) return [`${head}: not read: ${c.refused}`];
  if (c.unsupported) return [`${head}: ${c.unsupported}`];
  const show = (v: unknown) => (Array.isArray(v) && v.length > 8 ? `[${v.length} items]` : JSON.stringify(v));
  const out = [head];
  for (const [name, f] of Object.entries(c.facts)) {
    if (name === 'backbone' || name === 'head') continue;
    if (name === 'keypoints') {
      const k = f.value as { names: string[]; flip_pairs: unknown[]; skeleton: unknown[]; sigmas: unknown[] | null; dataset_name: string | null };
      out.push(`  keypoints: ${k.names.length} named${k.dataset_name ? ` (${k.dataset_name})` : ''}, ${k.flip_pairs.length} flip pairs, ${k.skeleton.length} links, ${k.sigmas ? 'sigmas' : 'no sigmas'}  <- ${f.field}`);
      continue;
    }
    out.push(`  ${name}: ${show(f.value)}  <- ${f.field}`);
  }
  if (c.not_read.length) out.push(`  not read (${c.not_read.length}): ${c.not_read.slice(0, 3).join('; ')}${c.not_read.length > 3 ? '; ...' : ''}`);
  for (const n of c.notes) out.push(`  note: ${n}`);
  return out;
}

export function formatInspect(r: InspectReport, all: boolean): string {
  const lines = [
    `file:      ${r.file} (${human(r.bytes)})`,
    `container: ${r.format}, pickle protocol ${r.pickle_protocol}${r.wrapper_keys ? `, wrapper {${r.wrapper_keys.join(', ')}}` : ', bare state_dict'}`,
  ];
  lines.push(
    `layout:    ${r.layout.name === 'mmpose-1.x' ? `MMPose 1.x keys (${r.layout.head ?? 'no head'})` : 'MMPose 0.x keys'}` +
      (r.layout.set_aside.length ? `; set aside: ${r.layout.set_aside.join(', ')}` : ''),
  );
  if (r.meta.present)
    lines.push(
      `meta:      ${r.meta.mmengine_version ? `mmengine ${r.meta.mmengine_version}` : `mmcv ${r.meta.mmcv_version ?? '?'}, mmpose ${r.meta.mmpose_version ?? '?'}`}, time ${r.meta.time ?? '?'}, config text ${r.meta.config_text ? 'present' : 'absent'}` +
        (r.meta.other_keys.length ? `; other keys: ${r.meta.other_keys.join(', ')}` : ''),
    );
  else lines.push('meta:      none');
  if (r.architecture) {
    const f = Object.entries(r.architecture.facts).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
    lines.push(`arch:      ${r.architecture.family}${r.architecture.preset ? ` (preset ${r.architecture.preset})` : ''}: ${f}`);
  } else lines.push('arch:      no known family matches the keys');
  lines.push(...formatConfig(r));
  lines.push(
    `tensors:   ${r.totals.tensors} (${Object.entries(r.totals.by_dtype).map(([d, n]) => `${n} ${d}`).join(', ')}), ${r.totals.elements} elements, ${human(r.totals.bytes)}`,
    '',
  );
  const shown = all ? r.tensors : r.tensors.slice(0, 40);
  const w = Math.max(...shown.map((t) => t.name.length), 4);
  for (const t of shown) lines.push(`  ${t.name.padEnd(w)}  ${t.dtype.padEnd(8)} [${t.shape.join(', ')}]  ${t.bytes}`);
  if (shown.length < r.tensors.length) lines.push(`  ... ${r.tensors.length - shown.length} more (--all lists every tensor)`);
  for (const w2 of r.warnings) lines.push(`warning: ${w2}`);
  return lines.join('\n') + '\n';
}

export const inspectCommand = defineCommand({
  name: 'inspect',
  summary: 'show what a checkpoint holds: container, meta, tensors, architecture',
  usage: 'inspect <ckpt.pth> [--json] [--all]',
  description: 'Reads the pickle and the record index only (no tensor bytes). Refuses pickle globals outside the allowlist.',
  flags: {
    json: { type: 'boolean', help: 'print the report as JSON (every tensor)' },
    all: { type: 'boolean', help: 'list every tensor (default: the first 40)' },
    'allow-unknown-globals': { type: 'boolean', help: 'keep unknown pickle globals as inert placeholders (never run) instead of refusing' },
  },
  async run(args, io) {
    if (args.positionals.length !== 1) throw new PosePortError('USAGE', 'inspect: expected one checkpoint path');
    const r = await inspectCheckpoint(args.positionals[0], { allowUnknownGlobals: args.flags['allow-unknown-globals'] });
    if (args.flags.json) io.stdout(JSON.stringify(r, null, 2) + '\n');
    else io.stdout(formatInspect(r, args.flags.all));
    for (const w of r.warnings) io.stderr(`warning: ${w}\n`);
    return 0;
  },
});
