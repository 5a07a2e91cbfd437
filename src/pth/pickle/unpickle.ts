/**
 * Runs one pre-scanned pickle through pickleparser with pose-port's reader,
 * allowlist resolver and persistent-id handler. Whatever goes wrong inside the
 * parser (a TypeError from a BUILD on a frozen value, a call of a non-function, a
 * RangeError from an oversized spread) comes out as a PosePortError carrying the
 * file offset of the opcode that was executing.
 */
import pickleparser from 'pickleparser';
import { PosePortError } from '../../core/errors.js';
import { makeResolver } from './globals.js';
import { PickleReader } from './reader.js';
import type { ScanResult } from './scan.js';

export interface UnpickleOptions {
  file: string;
  /** absolute file offset of buf[0] */
  base: number;
  /** what is being read, for messages */
  what: string;
  allowUnknownGlobals: boolean;
  warnings: string[];
  /** BINPERSID handler; `at` is the opcode's file offset */
  persistentLoad?: (pid: unknown, at: number) => unknown;
}

const { Parser } = pickleparser;

export function unpickle(buf: Uint8Array, scan: ScanResult, opts: UnpickleOptions): unknown {
  const reader = new PickleReader(buf, scan, opts.base, opts.file);
  const resolve = makeResolver({
    file: opts.file,
    allowUnknownGlobals: opts.allowUnknownGlobals,
    warnings: opts.warnings,
    at: () => reader.offset,
  });
  const parser = new Parser({
    nameResolver: { resolve: resolve as (m: string, n: string) => (...args: unknown[]) => unknown },
    persistentResolver: {
      resolve: (pid: unknown) => {
        if (!opts.persistentLoad) {
          throw new PosePortError('PICKLE_FORMAT', `${opts.what}: unexpected persistent id`, {
            file: opts.file,
            offset: reader.offset,
          });
        }
        return opts.persistentLoad(pid, reader.offset);
      },
    },
    extensionResolver: { resolve: (i: number) => reader.takeLong(i) },
    unpicklingTypeOfSet: 'array',
    unpicklingTypeOfDictionary: 'Map',
  });
  try {
    return parser.read(reader);
  } catch (e) {
    if (e instanceof PosePortError) throw e.withFile(opts.file);
    const msg = e instanceof Error ? e.message : String(e);
    if (e instanceof RangeError) {
      throw new PosePortError('PICKLE_LIMIT', `${opts.what}: pickle exceeds a limit (${msg})`, {
        file: opts.file,
        offset: reader.offset,
      });
    }
    throw new PosePortError('PICKLE_FORMAT', `${opts.what}: malformed pickle (${msg})`, {
      file: opts.file,
      offset: reader.offset,
    });
  }
}
