import { readFileSync } from 'node:fs';
import { PosePortError, type ErrorCode } from '../core/errors.js';

/**
 * Reads and parses a JSON file. A file that cannot be read is an IO error; one that is
 * not JSON is `code` (the caller's: ANNOTATION_FORMAT, MODEL_FORMAT, USAGE...). Both
 * name the file and say what it was meant to be (`what`, e.g. 'annotation file').
 */
export function readJsonFile(file: string, what: string, code: ErrorCode = 'ANNOTATION_FORMAT'): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new PosePortError('IO', `cannot read the ${what}: ${(e as Error).message}`, { file });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new PosePortError(code, `the ${what} is not JSON: ${(e as Error).message}`, { file });
  }
}
