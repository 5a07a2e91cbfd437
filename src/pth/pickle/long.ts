/**
 * Python's LONG1 / LONG4 payload: a little-endian two's-complement integer of any
 * length. pickleparser 0.2.1 cannot be used for these: it throws for payloads over
 * 8 bytes (torch's legacy magic number 0x1950a86a20f9469cfc6c is 10 bytes), reads
 * 8-byte payloads through a float (precision lost above 2^53), and reads every
 * payload as unsigned (LONG1 `ff` is -1, not 255). This decoder is exact.
 */

/** Longest payload accepted; Python ints in checkpoints are a few bytes (the magic is 10). */
export const MAX_LONG_BYTES = 256;

/** The integer as a number when it is a safe integer, else as a bigint. */
export function decodeLong(payload: Uint8Array): number | bigint {
  const n = payload.length;
  if (n === 0) return 0;
  if (n <= 6) {
    // exact in float64: sum of bytes, then sign-correct
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + payload[i];
    if (payload[n - 1] & 0x80) v -= 2 ** (8 * n);
    return v;
  }
  let v = 0n;
  for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(payload[i]);
  if (payload[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
  if (v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
  return v;
}
