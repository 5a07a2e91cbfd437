import type { Command } from '../command.js';

/** Every subcommand, in the order `pose-port --help` lists them. Each lives in its own file. */
export const COMMANDS: Command[] = [];
