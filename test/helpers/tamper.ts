/**
 * Changing a converted artifact after conversion, as an attacker or a broken copy would,
 * for the verify tests: one float of an ONNX initializer (report.json's sha256 edited to
 * match, so only the weight re-derivation can tell), one float of a TF.js weight in its
 * shard (sizes kept, so the manifest still matches); one node's op in either graph, weights
 * untouched (report.json's sha256 edited to match).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Bytes } from '../../src/core/hash.js';
import { onnx, type NodeProto, type TensorProto } from '../../src/emit/onnx/proto.js';
import { specBytes, type TfjsModelJson } from '../../src/emit/tfjs/index.js';

/**
 * Multiplies value `index` of the `nth` float32 initializer of at least `minValues`
 * values in dir/model.onnx (x1.001, +1e-4) and writes report.json's sha256 to match.
 * Returns the initializer's name and the old and new values.
 */
export function patchOnnxInitializer(dir: string, nth: number, index: number, minValues = 1000): { name: string; old: number; now: number } {
  const file = join(dir, 'model.onnx');
  const bytes = readFileSync(file);
  const model = onnx.ModelProto.decode(bytes);
  const inits = model.graph!.initializer as TensorProto[];
  const target = inits.filter((x) => x.dataType === 1 && x.rawData.length >= 4 * minValues)[nth];
  const raw = Buffer.from(target.rawData.buffer, target.rawData.byteOffset, target.rawData.byteLength);
  // where raw_data lies in the file: protobufjs decodes bytes as views of the input
  const offset = raw.buffer === bytes.buffer ? raw.byteOffset - bytes.byteOffset : bytes.indexOf(raw);
  if (!(offset > 0) || !bytes.subarray(offset, offset + raw.length).equals(raw)) throw new Error(`cannot find the raw_data of '${target.name}' in ${file}`);
  const at = offset + 4 * index;
  const old = bytes.readFloatLE(at);
  bytes.writeFloatLE(old * 1.001 + 1e-4, at);
  writeFileSync(file, bytes);
  resealReport(dir, 'model.onnx');
  return { name: target.name, old, now: bytes.readFloatLE(at) };
}

/**
 * Changes value `index` of the `nth` unquantized float32 weight of at least 1000 values in
 * dir/tfjs (x1.5, +0.01) inside its shard, sizes kept. Returns the weight's name.
 */
export function patchTfjsWeight(dir: string, nth: number, index: number): string {
  const m = JSON.parse(readFileSync(join(dir, 'tfjs', 'model.json'), 'utf8')) as TfjsModelJson;
  // its byte range in the concatenated shards
  let at = 0;
  let name = '';
  let seen = 0;
  for (const w of m.weightsManifest[0].weights) {
    if (w.dtype === 'float32' && !w.quantization && specBytes(w) >= 4000 && ++seen === nth) {
      name = w.name;
      break;
    }
    at += specBytes(w);
  }
  if (!name) throw new Error(`no float32 weight number ${nth} of 1000+ values in ${dir}/tfjs`);
  const shardSize = readFileSync(join(dir, 'tfjs', m.weightsManifest[0].paths[0])).length;
  const pos = at + 4 * index;
  const shardFile = join(dir, 'tfjs', m.weightsManifest[0].paths[Math.floor(pos / shardSize)]);
  const shard = readFileSync(shardFile);
  const o = pos % shardSize;
  shard.writeFloatLE(shard.readFloatLE(o) * 1.5 + 0.01, o);
  writeFileSync(shardFile, shard);
  return name;
}

/** report.json's sha256 of `file` (relative to dir) set to the file's bytes now */
function resealReport(dir: string, file: string): void {
  const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
  report.artifacts.find((a: { file: string }) => a.file === file).sha256 = sha256Bytes(readFileSync(join(dir, file)));
  writeFileSync(join(dir, 'report.json'), JSON.stringify(report, null, 2));
}

/** The first ONNX node of op `from` made op `to` (re-encoded; report.json resealed). Returns the node's name. */
export function patchOnnxNodeOp(dir: string, from: string, to: string): string {
  const file = join(dir, 'model.onnx');
  const model = onnx.ModelProto.decode(readFileSync(file));
  const node = (model.graph!.node as NodeProto[]).find((n) => n.opType === from);
  if (!node) throw new Error(`no ${from} node in ${file}`);
  node.opType = to;
  writeFileSync(file, onnx.ModelProto.encode(model).finish());
  resealReport(dir, 'model.onnx');
  return node.name;
}

/** The first TF.js node of op `from` in tfjs/model.json made op `to` (report.json resealed). Returns the node's name. */
export function patchTfjsNodeOp(dir: string, from: string, to: string): string {
  const file = join(dir, 'tfjs', 'model.json');
  const m = JSON.parse(readFileSync(file, 'utf8')) as TfjsModelJson;
  const node = m.modelTopology.node.find((n) => n.op === from);
  if (!node) throw new Error(`no ${from} node in ${file}`);
  node.op = to;
  writeFileSync(file, JSON.stringify(m));
  resealReport(dir, 'tfjs/model.json');
  return node.name;
}
