/**
 * The values a config text is read into, and the reader's limits.
 *
 * Python -> JS: None null, bool boolean, int/float number (ints past 2^53 are
 * unreadable), str string, bytes Uint8Array, list and tuple arrays, dict PyDict (keys
 * str or int, in insertion order). A value the reader did not evaluate (a call, an
 * operator, an attribute, a lambda, a reference to something unreadable, ...) is an
 * `Unreadable` that says what and where; it stands exactly where the value stood, so
 * the rest of the enclosing list or dict stays usable.
 */

/** What the reader accepts; past these the text (or the value) is refused, never read further. */
export const CONFIG_LIMITS = {
  /** characters of config text */
  maxChars: 8 * 1024 * 1024,
  /** bracket nesting of one value */
  maxDepth: 100,
  /** elements of one value with every reference expanded (so shared references cannot explode a reader of the result) */
  maxNodes: 1_000_000,
  /** elements `range(...)` may produce */
  maxRange: 100_000,
  /** issues recorded (the rest are counted) */
  maxIssues: 200,
} as const;

export type PyKey = string | number;

export type PyValue = null | boolean | number | string | Uint8Array | PyValue[] | PyDict | Unreadable;

export class PyDict {
  readonly entries = new Map<PyKey, PyValue>();
  get(k: PyKey): PyValue | undefined {
    return this.entries.get(k);
  }
  has(k: PyKey): boolean {
    return this.entries.has(k);
  }
  get size(): number {
    return this.entries.size;
  }
}

/** A value that was not evaluated: `reason` says what it was, line/col where (1-based). */
export class Unreadable {
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly col: number,
  ) {}
  toString(): string {
    return `${this.reason} (line ${this.line}, column ${this.col})`;
  }
}

export function isUnreadable(v: unknown): v is Unreadable {
  return v instanceof Unreadable;
}

/** The Python spelling of a value's type, for messages. */
export function pyTypeName(v: PyValue | undefined): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'None';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'string') return 'str';
  if (v instanceof Uint8Array) return 'bytes';
  if (Array.isArray(v)) return 'list';
  if (v instanceof PyDict) return 'dict';
  return 'unreadable value';
}

/** Plain JSON for reports: dicts become objects (int keys as strings), unreadable values `{unreadable: "..."}`. */
export function toJson(v: PyValue): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Uint8Array) return { bytes: Buffer.from(v).toString('base64') };
  if (Array.isArray(v)) return v.map(toJson);
  if (v instanceof PyDict) {
    const o: Record<string, unknown> = Object.create(null);
    for (const [k, x] of v.entries) o[String(k)] = toJson(x);
    return o;
  }
  return { unreadable: v.toString() };
}
