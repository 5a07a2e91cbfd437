import type { FlagSpec, ParsedArgs } from './args.js';
import type { CliIO } from './io.js';

/** A subcommand: it parses nothing itself (main does, from `flags`), calls the library, returns an exit code. */
export interface Command {
  name: string;
  /** one line for the command list */
  summary: string;
  /** e.g. 'inspect <ckpt> [--json]' */
  usage: string;
  /** longer text under the usage in --help */
  description?: string;
  flags: Readonly<Record<string, FlagSpec>>;
  run(args: ParsedArgs, io: CliIO): Promise<number>;
}
