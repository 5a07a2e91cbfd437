/**
 * UTF-8 as Python's pickle decodes str opcodes (BINUNICODE, SHORT_BINUNICODE,
 * BINUNICODE8): strict, a byte-order mark kept as U+FEFF, and with
 * `errors='surrogatepass'`, so a lone surrogate written as three bytes (ED A0..BF xx)
 * is a code unit of the string. Anything else that is not UTF-8 (a stray continuation
 * byte, an overlong form, a truncated sequence, past U+10FFFF) is refused, as
 * `pickle.load` / `torch.load` refuse it; WHATWG's default decoder would instead put
 * U+FFFD in its place and read a silently altered name.
 */

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The decoded string, or the index of the first byte that is not part of valid UTF-8. */
export function decodePickleUtf8(bytes: Uint8Array): string | { invalidAt: number } {
  try {
    return strict.decode(bytes);
  } catch {
    return decodeSurrogatePass(bytes);
  }
}

const cont = (b: number | undefined): boolean => b !== undefined && (b & 0xc0) === 0x80;

/** The slow path: full validation with surrogates allowed (only reached for invalid or surrogate-bearing input). */
function decodeSurrogatePass(bytes: Uint8Array): string | { invalidAt: number } {
  const units: number[] = [];
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i];
    if (b < 0x80) {
      units.push(b);
      i += 1;
      continue;
    }
    let need: number;
    let cp: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) (need = 1), (cp = b & 0x1f);
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      cp = b & 0x0f;
      if (b === 0xe0) lo = 0xa0; // no overlong forms; ED A0..BF (surrogates) allowed by surrogatepass
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      cp = b & 0x07;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f; // nothing past U+10FFFF
    } else return { invalidAt: i };
    const second = bytes[i + 1];
    if (second === undefined || second < lo || second > hi) return { invalidAt: i };
    cp = (cp << 6) | (second & 0x3f);
    for (let k = 2; k <= need; k++) {
      if (!cont(bytes[i + k])) return { invalidAt: i };
      cp = (cp << 6) | (bytes[i + k] & 0x3f);
    }
    if (cp > 0xffff) units.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
    else units.push(cp);
    i += need + 1;
  }
  let s = '';
  for (let k = 0; k < units.length; k += 8192) s += String.fromCharCode(...units.slice(k, k + 8192));
  return s;
}
