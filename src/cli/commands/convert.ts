import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PosePortError } from '../../core/errors.js';
import { ARTIFACT_FORMATS, convertCheckpoint, listPresets, type ArtifactFormat } from '../../pipeline/convert.js';
import { fetchCheckpoint } from '../../zoo/fetch.js';
import { findZooEntry } from '../../zoo/registry.js';
import { numberFlag } from '../args.js';
import type { Command } from '../command.js';
import { Progress } from '../io.js';

function parseSize(v: unknown): [number, number] | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+)x(\d+)$/.exec(String(v));
  if (!m || Number(m[1]) < 32 || Number(m[2]) < 32)
    throw new PosePortError('USAGE', `convert: --input-size expects HEIGHTxWIDTH (e.g. 256x192), got '${String(v)}'`);
  return [Number(m[1]), Number(m[2])];
}

export const convertCommand: Command = {
  name: 'convert',
  summary: 'convert a checkpoint (file or zoo name) to ONNX and/or TensorFlow.js',
  usage: 'convert <ckpt.pth | ZOO_NAME> [--arch NAME] [--out DIR] [--format onnx,tfjs] [--opset N] [--json]',
  description: [
    'Reads the checkpoint safely, infers the architecture from its keys (checked against --arch when given),',
    'builds the graph, folds batch norm, and writes DIR/model.onnx, DIR/tfjs/ and DIR/report.json.',
    'Nothing is written unless the whole conversion succeeds. A zoo name is fetched (verified) when missing.',
    `Presets: ${listPresets().join(', ')}.`,
  ].join('\n'),
  flags: {
    arch: { type: 'string', arg: 'NAME', help: 'preset the checkpoint must match (e.g. rsn50); a mismatch is an error' },
    out: { type: 'string', arg: 'DIR', help: 'output directory (default: ./out/<checkpoint name>)' },
    format: { type: 'string', arg: 'LIST', help: `artifact formats, comma-separated: ${ARTIFACT_FORMATS.join(', ')} (default onnx)` },
    opset: { type: 'string', arg: 'N', help: 'ONNX opset (default 11)' },
    zoo: { type: 'string', arg: 'NAME', help: 'treat the file as this zoo entry (config, decoding, recorded metrics)' },
    'input-size': { type: 'string', arg: 'HxW', help: 'network input size (default: the zoo entry\'s, else the checkpoint config\'s, else 256x192, 256x256 for MPII)' },
    strict: { type: 'boolean', help: 'refuse (exit 2) when a setting would fall back to a family default instead of coming from a flag, the zoo row or the checkpoint\'s config' },
    'all-outputs': { type: 'boolean', help: 'RSN/MSPN: also export every stage/unit heatmap' },
    'no-fold': { type: 'boolean', help: 'keep batch norm as separate ops (no optimisation passes)' },
    quantize: { type: 'string', arg: 'float16|uint8', help: 'TF.js weight quantization' },
    dir: { type: 'string', arg: 'DIR', help: 'where a zoo checkpoint is downloaded (default: the cache dir)' },
    mirror: { type: 'string', arg: 'URL', help: 'download zoo checkpoints from this scheme+host instead' },
    'allow-unknown-globals': { type: 'boolean', help: 'keep unknown pickle globals as inert placeholders instead of refusing' },
    json: { type: 'boolean', help: 'print the report as JSON; no progress output' },
  },
  async run(args, io) {
    if (args.positionals.length !== 1) throw new PosePortError('USAGE', 'convert: expected one checkpoint path or zoo name');
    let src = args.positionals[0];
    const json = Boolean(args.flags.json);
    const progress = new Progress(io, !json);
    const formats = String(args.flags.format ?? 'onnx')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean) as ArtifactFormat[];
    for (const f of formats)
      if (!ARTIFACT_FORMATS.includes(f)) throw new PosePortError('USAGE', `convert: unknown --format '${f}' (known: ${ARTIFACT_FORMATS.join(', ')})`);
    const quantize = args.flags.quantize as string | undefined;
    if (quantize !== undefined && quantize !== 'float16' && quantize !== 'uint8')
      throw new PosePortError('USAGE', `convert: --quantize expects float16 or uint8, got '${quantize}'`);
    if (quantize !== undefined && !formats.includes('tfjs')) throw new PosePortError('USAGE', 'convert: --quantize applies to the tfjs format only');
    let zoo = args.flags.zoo as string | undefined;
    if (!existsSync(src) && findZooEntry(src)) {
      zoo = zoo ?? src;
      const r = await fetchCheckpoint(src, {
        dir: args.flags.dir as string | undefined,
        mirror: args.flags.mirror as string | undefined,
        onProgress: (p) => progress.update(`fetching ${src}`, p.received, p.total ?? p.received),
      });
      src = r.path;
    }
    const name = src.replace(/^.*[\\/]/, '').replace(/\.pth$/, '');
    const out = (args.flags.out as string | undefined) ?? join('out', name);
    const { report, files } = await convertCheckpoint(src, {
      out,
      arch: args.flags.arch as string | undefined,
      zoo,
      formats,
      opset: numberFlag('convert', 'opset', args.flags.opset, { int: true }),
      inputSize: parseSize(args.flags['input-size']),
      allOutputs: Boolean(args.flags['all-outputs']),
      strict: Boolean(args.flags.strict),
      noFold: Boolean(args.flags['no-fold']),
      quantize: quantize as 'float16' | 'uint8' | undefined,
      allowUnknownGlobals: Boolean(args.flags['allow-unknown-globals']),
      onStep: (s) => progress.step(s),
    });
    if (json) io.stdout(JSON.stringify({ ok: true, files, report: { ...report, tensor_sha256: undefined } }, null, 2) + '\n');
    else {
      io.stdout(
        `${report.family}${report.arch ? ` (${report.arch})` : ''}${report.zoo ? ` = zoo ${report.zoo}` : ''}: ` +
          `${report.keys.consumed}/${report.keys.total} tensors consumed (${report.keys.ignored.length} num_batches_tracked skipped), ${report.parameter_count} parameters, ` +
          `${report.nodes.built} -> ${report.nodes.emitted} nodes, input ${report.input_size_hw.join('x')}\n`,
      );
      for (const a of report.artifacts) io.stdout(`  wrote ${join(out, a.file)} (${a.bytes} bytes)\n`);
      io.stdout(`  wrote ${join(out, 'report.json')} in ${report.timings_ms.total} ms\n`);
      for (const w of report.warnings) io.stderr(`warning: ${w}\n`);
    }
    return 0;
  },
};
