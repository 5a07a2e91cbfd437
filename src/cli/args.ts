import { PosePortError } from '../core/errors.js';

/** One flag of a command. `string` flags take a value (`--out DIR` or `--out=DIR`). */
export interface FlagSpec {
  type: 'boolean' | 'string';
  /** shown in --help */
  help: string;
  /** value placeholder in --help, e.g. 'DIR' */
  arg?: string;
  /** may be given several times (values collected in order) */
  multiple?: boolean;
}

export interface ParsedArgs {
  positionals: string[];
  flags: Record<string, string | boolean | string[] | undefined>;
}

/** Parses argv against a spec; unknown flags are rejected (USAGE error). */
export function parseArgs(argv: readonly string[], spec: Readonly<Record<string, FlagSpec>>, command: string): ParsedArgs {
  const positionals: string[] = [];
  const flags: ParsedArgs['flags'] = {};
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
    const f = spec[name];
    if (!f) throw new PosePortError('USAGE', `${command}: unknown option '--${name}' (see 'pose-port ${command} --help')`);
    let value: string | boolean;
    if (f.type === 'boolean') {
      if (eq >= 0) throw new PosePortError('USAGE', `${command}: option '--${name}' takes no value`);
      value = true;
    } else if (eq >= 0) {
      value = a.slice(eq + 1);
    } else {
      if (i + 1 >= argv.length) throw new PosePortError('USAGE', `${command}: option '--${name}' needs a value (${f.arg ?? 'VALUE'})`);
      value = argv[++i];
    }
    if (f.multiple) {
      const prev = (flags[name] as string[] | undefined) ?? [];
      flags[name] = [...prev, String(value)];
    } else {
      if (flags[name] !== undefined) throw new PosePortError('USAGE', `${command}: option '--${name}' given twice`);
      flags[name] = value;
    }
  }
  return { positionals, flags };
}

export function flagHelp(spec: Readonly<Record<string, FlagSpec>>): string {
  const rows = Object.entries(spec).map(([n, f]) => [`--${n}${f.type === 'string' ? ` ${f.arg ?? 'VALUE'}` : ''}`, f.help]);
  const w = Math.max(0, ...rows.map((r) => r[0].length));
  return rows.map(([a, h]) => `  ${a.padEnd(w)}  ${h}`).join('\n');
}

/** Parses a number flag, naming it on failure. */
export function numberFlag(command: string, name: string, v: unknown, opts: { int?: boolean; min?: number } = {}): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n) || (opts.int && !Number.isInteger(n)) || (opts.min !== undefined && n < opts.min))
    throw new PosePortError('USAGE', `${command}: --${name} expects ${opts.int ? 'an integer' : 'a number'}${opts.min !== undefined ? ` >= ${opts.min}` : ''}, got '${String(v)}'`);
  return n;
}
