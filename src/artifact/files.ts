/**
 * Reading an artifact's files as untrusted input: regular files only (a FIFO named as a
 * model would hang a plain read, a symlink to /dev/zero would never end), each under a
 * size bound, and, when the name comes from another file (report.json's artifact list),
 * confined to the artifact's directory.
 */
import { resolveConfined } from '../core/confined-path.js';
import { readRegularFile } from '../core/regular-file.js';
import { MAX_MODEL_JSON_BYTES, MODEL_JSON } from '../emit/tfjs/index.js';

/** The largest model.onnx read: protobuf's 2 GiB limit for a ModelProto without external data. */
export const MAX_ONNX_BYTES = 2 ** 31 - 1;

/** The size bound of an artifact's main file, by its name (model.json, else ONNX). */
export function maxArtifactBytes(file: string): number {
  return file.endsWith(MODEL_JSON) || file.toLowerCase().endsWith('.json') ? MAX_MODEL_JSON_BYTES : MAX_ONNX_BYTES;
}

/** The bytes of a model file (model.onnx or model.json): MODEL_FORMAT for anything but a regular file within the bound. */
export function readModelFile(file: string): Buffer {
  return readRegularFile(file, { what: file.toLowerCase().endsWith('.json') ? MODEL_JSON : 'ONNX model', maxBytes: maxArtifactBytes(file), code: 'MODEL_FORMAT' });
}

/**
 * The bytes of the artifact `name` that `listFile` (report.json) lists in `dir`: the name
 * must stay inside `dir` (`key` names the field it came from).
 */
export function readListedArtifact(dir: string, name: unknown, listFile: string, key: string): Buffer {
  const real = resolveConfined(dir, name, { what: 'artifact', file: listFile, key, code: 'MODEL_FORMAT' });
  return readModelFile(real);
}
