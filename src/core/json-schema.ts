import { PosePortError, type ErrorCode } from './errors.js';

/**
 * A small JSON Schema (draft 2020-12) validator for the subset pose-port's schemas
 * use. Deny by default: a schema using a keyword outside the subset is refused
 * (SchemaError), so an unsupported constraint can never be silently skipped.
 *
 * Supported: type (one name or a list; "integer" included), properties, required,
 * additionalProperties (boolean or schema), items, prefixItems, minItems, maxItems,
 * uniqueItems, enum, const, minimum, maximum, exclusiveMinimum, exclusiveMaximum,
 * minLength, maxLength, pattern (unicode), $ref to "#" or "#/$defs/NAME", allOf,
 * anyOf, oneOf, not. Annotations ($schema, $id, $comment, title, description,
 * examples, default, $defs, deprecated, readOnly) are accepted and ignored. Values
 * are JSON data; an object property holding `undefined` counts as absent.
 */

export type JsonSchema = boolean | { readonly [keyword: string]: unknown };

/** The first failure: a JSONPath-like location (`$.input.size_hw[0]`) and what is wrong. */
export interface JsonSchemaFailure {
  readonly path: string;
  readonly message: string;
}

/** A schema that uses a keyword this validator does not implement, or is malformed. */
export class SchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaError';
  }
}

const ANNOTATIONS = new Set(['$schema', '$id', '$comment', 'title', 'description', 'examples', 'default', '$defs', 'deprecated', 'readOnly']);
const KEYWORDS = new Set([
  'type', 'properties', 'required', 'additionalProperties', 'items', 'prefixItems', 'minItems', 'maxItems', 'uniqueItems',
  'enum', 'const', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'pattern',
  '$ref', 'allOf', 'anyOf', 'oneOf', 'not',
]);

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v; // 'object' | 'string' | 'number' | 'boolean' | ...
}

function matchesType(v: unknown, t: string): boolean {
  switch (t) {
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'null':
    case 'array':
    case 'object':
    case 'string':
    case 'boolean':
      return typeOf(v) === t;
    default:
      throw new SchemaError(`unknown type '${t}'`);
  }
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeOf(a) !== typeOf(b) || typeof a !== 'object' || a === null) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((x, i) => deepEqual(x, (b as unknown[])[i]));
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b as object, k) && deepEqual((a as any)[k], (b as any)[k]));
}

function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

const show = (v: unknown) => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

class Validator {
  private readonly patterns = new Map<string, RegExp>();
  constructor(private readonly root: JsonSchema) {}

  private resolve(ref: string): JsonSchema {
    if (ref === '#') return this.root;
    const m = /^#\/\$defs\/([^/]+)$/.exec(ref);
    const defs = typeof this.root === 'object' ? (this.root.$defs as Record<string, JsonSchema> | undefined) : undefined;
    const target = m && defs ? defs[m[1].replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
    if (target === undefined) throw new SchemaError(`unresolvable $ref '${ref}' (only '#' and '#/$defs/NAME' are supported)`);
    return target;
  }

  private regex(p: string): RegExp {
    let r = this.patterns.get(p);
    if (!r) this.patterns.set(p, (r = new RegExp(p, 'u')));
    return r;
  }

  /** The first failure of `v` against `s` at `path`, or null. */
  check(s: JsonSchema, v: unknown, path: string): JsonSchemaFailure | null {
    if (s === true) return null;
    if (s === false) return { path, message: 'no value is allowed here' };
    if (typeof s !== 'object' || s === null || Array.isArray(s)) throw new SchemaError(`a schema must be an object or a boolean at ${path}`);
    for (const k of Object.keys(s)) if (!KEYWORDS.has(k) && !ANNOTATIONS.has(k)) throw new SchemaError(`unsupported keyword '${k}' (schema at ${path})`);
    const fail = (message: string, at = path): JsonSchemaFailure => ({ path: at, message });

    if (s.$ref !== undefined) {
      const r = this.check(this.resolve(String(s.$ref)), v, path);
      if (r) return r;
    }
    if (s.type !== undefined) {
      const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
      if (!types.some((t) => matchesType(v, t))) return fail(`expected ${types.join(' or ')}, got ${typeOf(v)} ${show(v)}`);
    }
    if (s.const !== undefined && !deepEqual(v, s.const)) return fail(`expected ${show(s.const)}, got ${show(v)}`);
    if (s.enum !== undefined && !(s.enum as unknown[]).some((e) => deepEqual(v, e)))
      return fail(`expected one of ${(s.enum as unknown[]).map(show).join(', ')}, got ${show(v)}`);

    if (typeof v === 'number') {
      if (typeof s.minimum === 'number' && v < s.minimum) return fail(`${v} is below the minimum ${s.minimum}`);
      if (typeof s.maximum === 'number' && v > s.maximum) return fail(`${v} is above the maximum ${s.maximum}`);
      if (typeof s.exclusiveMinimum === 'number' && v <= s.exclusiveMinimum) return fail(`${v} must be greater than ${s.exclusiveMinimum}`);
      if (typeof s.exclusiveMaximum === 'number' && v >= s.exclusiveMaximum) return fail(`${v} must be less than ${s.exclusiveMaximum}`);
    }
    if (typeof v === 'string') {
      const len = [...v].length;
      if (typeof s.minLength === 'number' && len < s.minLength) return fail(`string shorter than ${s.minLength}`);
      if (typeof s.maxLength === 'number' && len > s.maxLength) return fail(`string longer than ${s.maxLength}`);
      if (typeof s.pattern === 'string' && !this.regex(s.pattern).test(v)) return fail(`${show(v)} does not match /${s.pattern}/`);
    }
    if (Array.isArray(v)) {
      if (typeof s.minItems === 'number' && v.length < s.minItems) return fail(`expected at least ${s.minItems} items, got ${v.length}`);
      if (typeof s.maxItems === 'number' && v.length > s.maxItems) return fail(`expected at most ${s.maxItems} items, got ${v.length}`);
      const prefix = (s.prefixItems as JsonSchema[] | undefined) ?? [];
      for (let i = 0; i < v.length; i++) {
        const item = i < prefix.length ? prefix[i] : (s.items as JsonSchema | undefined);
        if (item === undefined) continue;
        const r = this.check(item, v[i], childPath(path, i));
        if (r) return r;
      }
      if (s.uniqueItems === true)
        for (let i = 1; i < v.length; i++)
          for (let j = 0; j < i; j++) if (deepEqual(v[i], v[j])) return fail(`items ${j} and ${i} are equal`);
    }
    if (typeOf(v) === 'object') {
      const o = v as Record<string, unknown>;
      // a property holding `undefined` is absent, as JSON.stringify would write it
      for (const k of (s.required as string[] | undefined) ?? []) if (o[k] === undefined) return fail(`missing required property '${k}'`);
      const props = (s.properties as Record<string, JsonSchema> | undefined) ?? {};
      for (const [k, x] of Object.entries(o)) {
        if (x === undefined) continue;
        const at = childPath(path, k);
        if (Object.hasOwn(props, k)) {
          const r = this.check(props[k], x, at);
          if (r) return r;
        } else if (s.additionalProperties !== undefined) {
          if (s.additionalProperties === false) return fail(`unexpected property '${k}'`, at);
          const r = this.check(s.additionalProperties as JsonSchema, x, at);
          if (r) return r;
        }
      }
    }

    for (const sub of (s.allOf as JsonSchema[] | undefined) ?? []) {
      const r = this.check(sub, v, path);
      if (r) return r;
    }
    if (s.anyOf !== undefined) {
      const fails = (s.anyOf as JsonSchema[]).map((sub) => this.check(sub, v, path));
      if (fails.every((f) => f)) return this.noneMatched(fails as JsonSchemaFailure[], path, 'anyOf');
    }
    if (s.oneOf !== undefined) {
      const fails = (s.oneOf as JsonSchema[]).map((sub) => this.check(sub, v, path));
      const ok = fails.filter((f) => f === null).length;
      if (ok === 0) return this.noneMatched(fails as JsonSchemaFailure[], path, 'oneOf');
      if (ok > 1) return fail(`matches ${ok} of the oneOf alternatives, expected exactly one`);
    }
    if (s.not !== undefined && this.check(s.not as JsonSchema, v, path) === null) return fail('matches a schema it must not match');
    return null;
  }

  /** Reports the alternative that got deepest into the value (most likely the intended one). */
  private noneMatched(fails: JsonSchemaFailure[], path: string, kw: string): JsonSchemaFailure {
    const best = fails.reduce((a, b) => (b.path.length > a.path.length ? b : a));
    return { path: best.path, message: `${best.message} (no ${kw} alternative matches at ${path})` };
  }
}

/** The first failure of `value` against `schema`, or null when it is valid. Throws SchemaError for an unsupported schema. */
export function validateJson(schema: JsonSchema, value: unknown): JsonSchemaFailure | null {
  return new Validator(schema).check(schema, value, '$');
}

/**
 * Validates and throws PosePortError(`code`) naming `what` and the failing path.
 * `what` is e.g. "model metadata" or a file name.
 */
export function assertJson(schema: JsonSchema, value: unknown, opts: { code: ErrorCode; what: string; file?: string }): void {
  const f = validateJson(schema, value);
  if (f) throw new PosePortError(opts.code, `${opts.what}: ${f.path}: ${f.message}`, { file: opts.file, key: f.path });
}
