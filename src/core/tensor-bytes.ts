/**
 * The bytes of any TensorEntry in the form checksums are defined over: elements in
 * row-major order, little-endian (float16/bfloat16 as their raw 16-bit patterns,
 * bool as one byte 0/1). Typed arrays are host-endian; pose-port runs on
 * little-endian hosts only (the checkpoint reader refuses to open otherwise).
 */
import { createHash } from 'node:crypto';
import type { TensorEntry } from './tensor.js';

export function tensorBytes(entry: TensorEntry): Uint8Array {
  const d = entry.data();
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

/** sha256 (hex) of tensorBytes(entry); torch: sha256(t.contiguous().numpy().tobytes()). */
export function tensorSha256(entry: TensorEntry): string {
  return createHash('sha256').update(tensorBytes(entry)).digest('hex');
}
