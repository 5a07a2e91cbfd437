import type { Command } from '../command.js';
import { convertCommand } from './convert.js';
import { evalCommand } from './eval.js';
import { fetchCommand } from './fetch.js';
import { inspectCommand } from './inspect.js';
import { runCommand } from './run.js';
import { scoreCommand } from './score.js';
import { verifyCommand } from './verify.js';
import { zooCommand } from './zoo.js';

/** Every subcommand, in the order `pose-port --help` lists them. Each lives in its own file. */
export const COMMANDS: Command[] = [convertCommand, inspectCommand, zooCommand, fetchCommand, runCommand, evalCommand, scoreCommand, verifyCommand];
