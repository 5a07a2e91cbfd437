/**
 * Writing a planned ONNX model to a file in two steps: the body (every field up to and
 * including the graph, with the weights) while the source digest may still be running,
 * then the last field (opset_import, metadata_props) once the metadata is settled. The
 * file's sha256 is taken over the bytes as they are written, never by reading it back.
 */
import { createHash } from 'node:crypto';
import { PosePortError } from '../core/errors.js';
import { FileSink } from '../core/file-sink.js';
import type { OnnxBytes } from '../emit/onnx/index.js';

export interface OnnxFileBody {
  /** writes `tail` (OnnxBytes.tail(metadata)), closes the file and returns its sha256 */
  finish(tail: Uint8Array): Promise<string>;
  /** gives up (the caller removes the file) */
  destroy(): void;
}

/** Streams the body of `plan` to `path` (the writes run on libuv's threads while the next chunk is computed). */
export async function writeOnnxBody(path: string, plan: OnnxBytes): Promise<OnnxFileBody> {
  const h = createHash('sha256');
  const out = new FileSink(path);
  let written = 0;
  const put = async (c: Uint8Array) => {
    h.update(c);
    written += c.length;
    await out.write(c);
  };
  try {
    for (const c of plan.bodyChunks()) await put(c);
  } catch (e) {
    out.destroy();
    throw e;
  }
  if (written !== plan.bodyLength) {
    out.destroy();
    throw new PosePortError('EMIT_FORMAT', `wrote ${written} bytes of the ONNX body, planned ${plan.bodyLength}`, { file: path });
  }
  return {
    async finish(tail) {
      try {
        await put(tail);
        await out.close(); // every byte on disk, or the stream's error (ENOSPC) rejects
      } catch (e) {
        out.destroy();
        throw e;
      }
      return h.digest('hex');
    },
    destroy: () => out.destroy(),
  };
}
