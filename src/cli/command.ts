import type { FlagSpecs, ParsedArgs } from './args.js';
import type { CliIO } from './io.js';

/**
 * A subcommand: main parses its flags into typed values (from `flags`); `run` turns them
 * into the options of one API function, calls it, prints, and returns an exit code.
 */
export interface Command<S extends FlagSpecs = FlagSpecs> {
  name: string;
  /** one line for the command list */
  summary: string;
  /** e.g. 'inspect <ckpt> [--json]' */
  usage: string;
  /** longer text under the usage in --help */
  description?: string;
  flags: S;
  run(args: ParsedArgs<S>, io: CliIO): Promise<number>;
}

/** A command with its flags' types inferred from the spec (literal choices kept). */
export function defineCommand<const S extends FlagSpecs>(c: Command<S>): Command {
  return c as unknown as Command;
}
