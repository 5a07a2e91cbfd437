/**
 * Reading a JSON input file (annotations, detections, results, report.json, MPII ground
 * truth): untrusted, so through `readRegularFile`: a regular file only (a FIFO would hang
 * the read, /dev/zero would never end, a directory is not JSON) under a size bound,
 * checked before one byte is read.
 */
import { readRegularFile } from '../core/regular-file.js';
import { PosePortError, type ErrorCode } from '../core/errors.js';

/** The default bound of a JSON input: 2 GiB (COCO train annotations are ~450 MiB; V8 strings stop near 512 MiB anyway). */
export const MAX_JSON_INPUT_BYTES = 2 ** 31 - 1;

/**
 * Reads and parses a JSON file. A file that cannot be read is an IO error; one that is
 * not a regular file, is above `maxBytes` or is not JSON is `code` (the caller's:
 * ANNOTATION_FORMAT, MODEL_FORMAT, USAGE...). All name the file and say what it was meant
 * to be (`what`, e.g. 'annotation file').
 */
export function readJsonFile(file: string, what: string, code: ErrorCode = 'ANNOTATION_FORMAT', maxBytes: number = MAX_JSON_INPUT_BYTES): unknown {
  const bytes = readRegularFile(file, { what, maxBytes, code });
  let text: string;
  try {
    text = bytes.toString('utf8');
  } catch (e) {
    throw new PosePortError(code, `the ${what} (${bytes.length} bytes) cannot be held as text: ${(e as Error).message}`, { file });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new PosePortError(code, `the ${what} is not JSON: ${(e as Error).message}`, { file });
  }
}
