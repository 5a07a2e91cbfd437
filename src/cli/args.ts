import { PosePortError } from '../core/errors.js';

/**
 * Flags are declared with their type and parsed into typed values here, once: unknown
 * flags, a value where none is taken, a missing value, a number that is not one or is
 * out of range, a value outside `choices`, an empty item of a `list` and a structured
 * value its `parse` refuses (`--input-size HxW`, `--bbox x,y,w,h`, `--shard i/n`) are all
 * USAGE errors naming the flag.
 * Commands read `args.flags` typed by their spec (no casts).
 */

interface FlagBase {
  /** shown in --help */
  help: string;
  /** value placeholder in --help, e.g. 'DIR' */
  arg?: string;
}
export type FlagSpec =
  | (FlagBase & { type: 'boolean' })
  /**
   * `--out DIR` or `--out=DIR`; `multiple`: may be given several times (values collected in
   * order); `list`: each value is a comma-separated list (`--format onnx,tfjs`), its items
   * collected in order and each checked against `choices`
   */
  | (FlagBase & { type: 'string'; multiple?: boolean; list?: boolean; choices?: readonly string[] })
  | (FlagBase & { type: 'number'; int?: boolean; min?: number })
  /** a structured value: `parse` turns the text into it or throws a USAGE error naming the flag */
  | (FlagBase & { type: 'value'; parse: (raw: string) => unknown; multiple?: boolean });
export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** The parsed value of a flag: booleans default to false, `multiple` and `list` to [], the rest to undefined. */
export type FlagValue<F extends FlagSpec> = F extends { type: 'boolean' }
  ? boolean
  : F extends { type: 'number' }
    ? number | undefined
    : F extends { type: 'value'; parse: (raw: string) => infer T }
      ? F extends { multiple: true }
        ? T[]
        : T | undefined
      : F extends { list: true; choices: readonly (infer C)[] }
        ? C[]
        : F extends { multiple: true } | { list: true }
          ? string[]
          : F extends { choices: readonly (infer C)[] }
            ? C | undefined
            : string | undefined;

export interface ParsedArgs<S extends FlagSpecs = FlagSpecs> {
  positionals: string[];
  flags: { readonly [K in keyof S]: FlagValue<S[K]> };
}

/** Parses a number, naming the flag on failure. */
export function numberFlag(command: string, name: string, v: unknown, opts: { int?: boolean; min?: number } = {}): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n) || (opts.int && !Number.isInteger(n)) || (opts.min !== undefined && n < opts.min))
    throw new PosePortError('USAGE', `${command}: --${name} expects ${opts.int ? 'an integer' : 'a number'}${opts.min !== undefined ? ` >= ${opts.min}` : ''}, got '${String(v)}'`);
  return n;
}

function typed(command: string, name: string, f: FlagSpec, raw: string): unknown {
  if (f.type === 'number') return numberFlag(command, name, raw, f)!;
  if (f.type === 'value') return f.parse(raw);
  if (f.type === 'string' && f.choices && !f.choices.includes(raw))
    throw new PosePortError('USAGE', `${command}: --${name} expects ${f.choices.join(' or ')}, got '${raw}'`);
  return raw;
}

/** The items of a `list` flag's value, each typed; an empty item is a USAGE error. */
function listItems(command: string, name: string, f: FlagSpec, raw: string): string[] {
  const items = raw.split(',').map((s) => s.trim());
  if (items.some((s) => s === ''))
    throw new PosePortError('USAGE', `${command}: --${name} expects a comma-separated list${f.type === 'string' && f.choices ? ` of ${f.choices.join(', ')}` : ''} without empty items, got '${raw}'`);
  return items.map((s) => typed(command, name, f, s) as string);
}

/** Parses argv against a spec into typed flags; unknown or ill-typed flags are rejected (USAGE error). */
export function parseArgs<S extends FlagSpecs>(argv: readonly string[], spec: S, command: string): ParsedArgs<S> {
  const positionals: string[] = [];
  const flags: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(spec)) flags[name] = f.type === 'boolean' ? false : (f.type === 'string' || f.type === 'value') && (f.multiple || ('list' in f && f.list)) ? [] : undefined;
  const given = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('--') || a === '-') {
      if (a.startsWith('-') && a !== '-' && !/^-\d/.test(a))
        throw new PosePortError('USAGE', `${command}: unknown option '${a}' (see 'pose-port ${command} --help')`);
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq >= 0 ? eq : undefined);
    const f = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (!f) throw new PosePortError('USAGE', `${command}: unknown option '--${name}' (see 'pose-port ${command} --help')`);
    if (f.type === 'boolean') {
      if (eq >= 0) throw new PosePortError('USAGE', `${command}: option '--${name}' takes no value`);
      if (given.has(name)) throw new PosePortError('USAGE', `${command}: option '--${name}' given twice`);
      given.add(name);
      flags[name] = true;
      continue;
    }
    let raw: string;
    if (eq >= 0) raw = a.slice(eq + 1);
    else {
      if (i + 1 >= argv.length) throw new PosePortError('USAGE', `${command}: option '--${name}' needs a value (${f.arg ?? 'VALUE'})`);
      raw = argv[++i];
    }
    const multiple = (f.type === 'string' || f.type === 'value') && f.multiple;
    if (!multiple && given.has(name)) throw new PosePortError('USAGE', `${command}: option '--${name}' given twice`);
    given.add(name);
    const list = f.type === 'string' && f.list;
    if (multiple || list) (flags[name] as unknown[]).push(...(list ? listItems(command, name, f, raw) : [typed(command, name, f, raw)]));
    else flags[name] = typed(command, name, f, raw);
  }
  return { positionals, flags: flags as ParsedArgs<S>['flags'] };
}

export function flagHelp(spec: FlagSpecs): string {
  const rows = Object.entries(spec).map(([n, f]) => [`--${n}${f.type !== 'boolean' ? ` ${f.arg ?? (f.type === 'string' && f.choices ? f.choices.join('|') : 'VALUE')}` : ''}`, f.help]);
  const w = Math.max(0, ...rows.map((r) => r[0].length));
  return rows.map(([a, h]) => `  ${a.padEnd(w)}  ${h}`).join('\n');
}
