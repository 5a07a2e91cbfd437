import { join } from 'node:path';
import { PosePortError } from '../../core/errors.js';
import { ARTIFACT_FORMATS, listPresets, type ArtifactFormat } from '../../pipeline/convert.js';
import { convertSource } from '../../pipeline/from-source.js';
import { GRAPH_KINDS } from '../../pipeline/keypoint-artifact.js';
import { defineCommand } from '../command.js';
import { parseInputSize } from '../values.js';
import { Progress } from '../io.js';

export const convertCommand = defineCommand({
  name: 'convert',
  summary: 'convert a checkpoint (file or zoo name) to ONNX and/or TensorFlow.js',
  usage: 'convert <ckpt.pth | ZOO_NAME> [--arch NAME] [--out DIR] [--format onnx,tfjs] [--graph heatmaps|keypoints|crop-keypoints] [--opset N] [--json]',
  description: [
    'Reads the checkpoint safely, infers the architecture from its keys (checked against --arch when given),',
    'builds the graph, folds batch norm, and writes DIR/model.onnx, DIR/tfjs/ and DIR/report.json.',
    'Nothing is written unless the whole conversion succeeds. A zoo name is fetched (verified) when missing.',
    `Presets: ${listPresets().join(', ')}.`,
  ].join('\n'),
  flags: {
    arch: { type: 'string', arg: 'NAME', help: 'preset the checkpoint must match (e.g. rsn50); a mismatch is an error' },
    out: { type: 'string', arg: 'DIR', help: 'output directory (default: ./out/<checkpoint name>)' },
    format: { type: 'string', list: true, choices: ARTIFACT_FORMATS, arg: 'LIST', help: `artifact formats, comma-separated: ${ARTIFACT_FORMATS.join(', ')} (default onnx)` },
    opset: { type: 'number', int: true, arg: 'N', help: 'ONNX opset (default 11)' },
    zoo: { type: 'string', arg: 'NAME', help: 'treat the file as this zoo entry (config, decoding, recorded metrics)' },
    'input-size': { type: 'value', parse: parseInputSize, arg: 'HxW', help: 'network input size (default: the zoo entry\'s, else the checkpoint config\'s, else 256x192, 256x256 for MPII)' },
    strict: { type: 'boolean', help: 'refuse (exit 2) when a setting would fall back to a family default instead of coming from a flag, the zoo row or the checkpoint\'s config' },
    'all-outputs': { type: 'boolean', help: 'RSN/MSPN: also export every stage/unit heatmap (refused for single-head families)' },
    graph: { type: 'string', choices: GRAPH_KINDS, arg: 'KIND', help: 'what the artifacts compute: heatmaps (default), keypoints, crop-keypoints (docs/keypoint-graphs.md)' },
    'heatmaps-output': { type: 'boolean', help: 'keypoint graphs: also output the flip-averaged heatmaps' },
    'no-fold': { type: 'boolean', help: 'keep batch norm as separate ops (no optimisation passes)' },
    quantize: { type: 'string', choices: ['float16', 'uint8'], arg: 'float16|uint8', help: 'TF.js weight quantization' },
    dir: { type: 'string', arg: 'DIR', help: 'where a zoo checkpoint is downloaded (default: the cache dir)' },
    mirror: { type: 'string', arg: 'URL', help: 'download zoo checkpoints from this scheme+host instead' },
    'allow-unknown-globals': { type: 'boolean', help: 'keep unknown pickle globals as inert placeholders instead of refusing' },
    json: { type: 'boolean', help: 'print the report as JSON; no progress output' },
  },
  async run(args, io) {
    if (args.positionals.length !== 1) throw new PosePortError('USAGE', 'convert: expected one checkpoint path or zoo name');
    const src = args.positionals[0];
    const json = args.flags.json;
    const progress = new Progress(io, !json);
    const formats: ArtifactFormat[] = args.flags.format.length ? args.flags.format : ['onnx'];
    const { report, files, out } = await convertSource(src, {
      fetch: { dir: args.flags.dir, mirror: args.flags.mirror, onProgress: (p) => progress.update(`fetching ${src}`, p.received, p.total ?? p.received) },
      out: args.flags.out,
      arch: args.flags.arch,
      zoo: args.flags.zoo,
      formats,
      opset: args.flags.opset,
      inputSize: args.flags['input-size'],
      allOutputs: args.flags['all-outputs'],
      strict: args.flags.strict,
      graph: args.flags.graph ?? 'heatmaps',
      heatmapsOutput: args.flags['heatmaps-output'],
      noFold: args.flags['no-fold'],
      quantize: args.flags.quantize,
      allowUnknownGlobals: args.flags['allow-unknown-globals'],
      onStep: (s) => progress.step(s),
    });
    if (json) io.stdout(JSON.stringify({ ok: true, files, report: { ...report, tensor_checksums: undefined } }, null, 2) + '\n');
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
});
