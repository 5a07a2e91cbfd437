/**
 * The journal of a long `eval`: one JSON line per finished batch, appended (and flushed to
 * disk) beside `--results`, so `eval --resume` continues after any interruption (Ctrl-C,
 * SIGKILL, a lost machine) with exactly the numbers an uninterrupted run gives.
 *
 * - The first line binds the journal to its inputs: the sha256 of the model's files, the
 *   annotation and detection files, and every setting that changes a prediction (flip,
 *   batch size, runtime, shard, pose-port's version). A resume with any of them different
 *   is refused, naming which.
 * - Each batch line holds the index of its first person and the predictions as the bytes
 *   of the float32 array (base64), so the values read back are bit-equal. Batches are
 *   contiguous from person 0; a resume restarts at a batch boundary, so every batch the
 *   model sees is the one an uninterrupted run would have given it.
 * - A torn last line (the process died while writing it) is dropped and cut off the
 *   file; damage anywhere else is an error.
 */
import { closeSync, existsSync, fdatasyncSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PosePortError } from '../core/errors.js';
import { sha256Bytes, sha256File } from '../core/hash.js';
import { VERSION as POSE_PORT_VERSION } from '../version.js';
import type { PoseModel } from '../artifact/model.js';

export const JOURNAL_SUFFIX = '.journal';
const MAGIC = 'pose-port eval journal';
const VERSION = 1;

/** The journal beside a results file. */
export function journalPathFor(results: string): string {
  return results + JOURNAL_SUFFIX;
}

/** What the journal is bound to: one digest per input, compared field by field on resume. */
export type JournalInputs = Record<string, string | number | boolean | null>;

interface Header {
  journal: typeof MAGIC;
  version: number;
  persons: number;
  keypoints: number;
  inputs: JournalInputs;
}

interface BatchLine {
  from: number;
  n: number;
  preds: string;
}

/** The predictions read back from a journal: persons [0, done), each [K*3] float32. */
export interface JournalState {
  done: number;
  preds: Float32Array[];
}

function bad(file: string, msg: string, line?: number): PosePortError {
  return new PosePortError('JOURNAL_FORMAT', line !== undefined ? `${msg} (line ${line})` : msg, { file, ...(line !== undefined ? { key: `line ${line}` } : {}) });
}

/**
 * An open journal: `append` writes one batch and flushes it to disk; `close` ends it.
 * Create with `EvalJournal.start` (fresh) or `EvalJournal.resume`.
 */
export class EvalJournal {
  private constructor(
    readonly file: string,
    private fd: number,
    private next: number,
    private readonly persons: number,
    private readonly keypoints: number,
  ) {}

  /** Starts a new journal at `file` (replacing none: the caller checked there is none, or resumes). */
  static start(file: string, persons: number, keypoints: number, inputs: JournalInputs): EvalJournal {
    let fd: number;
    try {
      fd = openSync(file, 'w');
    } catch (e) {
      throw new PosePortError('IO', `cannot create the eval journal: ${(e as Error).message}`, { file });
    }
    const j = new EvalJournal(file, fd, 0, persons, keypoints);
    const header: Header = { journal: MAGIC, version: VERSION, persons, keypoints, inputs };
    j.write(JSON.stringify(header) + '\n');
    return j;
  }

  /**
   * Reads the journal at `file`, checks it was written for `inputs`, cuts a torn last line
   * off, and opens it for appending. Returns the journal and the persons already done.
   */
  static resume(file: string, persons: number, keypoints: number, inputs: JournalInputs): { journal: EvalJournal; state: JournalState } {
    const text = readFileSync(file);
    const lines: { start: number; end: number }[] = [];
    let s = 0;
    for (let i = 0; i < text.length; i++)
      if (text[i] === 0x0a) {
        lines.push({ start: s, end: i });
        s = i + 1;
      }
    // no complete header: the run died before its first write; nothing was done
    if (lines.length === 0) return { journal: EvalJournal.start(file, persons, keypoints, inputs), state: { done: 0, preds: [] } };
    const parse = (k: number): unknown => JSON.parse(text.subarray(lines[k].start, lines[k].end).toString('utf8'));
    let header: Header;
    try {
      header = parse(0) as Header;
    } catch {
      throw bad(file, 'the first line is not a journal header', 1);
    }
    if (header?.journal !== MAGIC || header.version !== VERSION) throw bad(file, `not a pose-port eval journal of version ${VERSION}`, 1);
    const differ = Object.keys({ ...inputs, ...header.inputs }).filter((k) => JSON.stringify(header.inputs?.[k]) !== JSON.stringify(inputs[k]));
    if (differ.length || header.persons !== persons || header.keypoints !== keypoints)
      throw new PosePortError(
        'JOURNAL_MISMATCH',
        `the journal was written for other inputs (${differ.length ? differ.map((k) => `${k}: ${JSON.stringify(header.inputs?.[k])} then, ${JSON.stringify(inputs[k])} now`).join('; ') : `${header.persons} persons then, ${persons} now`}): ` +
          'resume with the same model, files and settings, or delete the journal to start again',
        { file, key: differ[0] ?? 'persons', details: { differ } },
      );
    const preds: Float32Array[] = [];
    const per = keypoints * 3;
    // bytes after the last newline are a line torn by the interruption: cut off below
    let goodEnd = lines[0].end + 1;
    for (let k = 1; k < lines.length; k++) {
      let b: BatchLine;
      try {
        b = parse(k) as BatchLine;
      } catch {
        // the last line garbled (e.g. zero-filled after a power loss): torn as well
        if (k === lines.length - 1 && s === text.length) break;
        throw bad(file, 'a batch line is not JSON', k + 1);
      }
      if (!b || b.from !== preds.length || !Number.isInteger(b.n) || b.n < 1 || b.from + b.n > persons || typeof b.preds !== 'string')
        throw bad(file, `the batch line does not continue at person ${preds.length}`, k + 1);
      const bytes = Buffer.from(b.preds, 'base64');
      if (bytes.length !== b.n * per * 4) throw bad(file, `a batch of ${b.n} persons holds ${bytes.length} bytes of predictions, expected ${b.n * per * 4}`, k + 1);
      const all = new Float32Array(b.n * per);
      new Uint8Array(all.buffer).set(bytes);
      for (let i = 0; i < b.n; i++) preds.push(all.slice(i * per, (i + 1) * per));
      goodEnd = lines[k].end + 1;
    }
    let fd: number;
    try {
      fd = openSync(file, 'r+');
      ftruncateSync(fd, goodEnd);
    } catch (e) {
      throw new PosePortError('IO', `cannot reopen the eval journal: ${(e as Error).message}`, { file });
    }
    const j = new EvalJournal(file, fd, preds.length, persons, keypoints);
    j.at = goodEnd;
    return { journal: j, state: { done: preds.length, preds } };
  }

  private at = 0;

  private write(line: string): void {
    const buf = Buffer.from(line, 'utf8');
    try {
      let o = 0;
      while (o < buf.length) o += writeSync(this.fd, buf, o, buf.length - o, this.at + o);
      this.at += buf.length;
      fdatasyncSync(this.fd);
    } catch (e) {
      throw new PosePortError('IO', `cannot write the eval journal: ${(e as Error).message}`, { file: this.file });
    }
  }

  /** Appends the batch of persons [from, from + preds.length) and flushes it to disk. */
  append(from: number, preds: readonly Float32Array[]): void {
    if (from !== this.next || from + preds.length > this.persons) throw new Error(`journal: batch at ${from} after ${this.next}`);
    const per = this.keypoints * 3;
    const all = new Float32Array(preds.length * per);
    preds.forEach((p, i) => all.set(p, i * per));
    const line: BatchLine = { from, n: preds.length, preds: Buffer.from(all.buffer).toString('base64') };
    this.write(JSON.stringify(line) + '\n');
    this.next += preds.length;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** True when a journal exists at `file`. */
export function journalExists(file: string): boolean {
  return existsSync(file);
}

/** sha256 over the model's files: model.onnx, or model.json followed by its shards in manifest order. */
async function modelDigest(model: PoseModel): Promise<string> {
  if (model.kind === 'onnx') return sha256File(model.file);
  const json = readFileSync(model.file);
  const manifest = (JSON.parse(json.toString('utf8')) as { weightsManifest?: { paths?: string[] }[] }).weightsManifest ?? [];
  const parts = [sha256Bytes(json)];
  // the loader has already confined and checked these paths
  for (const g of manifest) for (const p of g.paths ?? []) parts.push(await sha256File(join(dirname(model.file), p)));
  return sha256Bytes(Buffer.from(parts.join('\n')));
}

/** What a journal is bound to: digests of the inputs and every setting that changes a prediction. */
export async function journalInputs(
  model: PoseModel,
  o: { ann: string; dets?: string; flip: boolean; batchSize: number; shard: string | null },
): Promise<JournalInputs> {
  return {
    model: await modelDigest(model),
    ann: await sha256File(o.ann),
    dets: o.dets ? await sha256File(o.dets) : null,
    runtime: model.runtime,
    flip: o.flip,
    batch: o.batchSize,
    shard: o.shard,
    version: POSE_PORT_VERSION,
  };
}
