/**
 * The one error type pose-port throws for bad input. Every error carries a stable
 * machine-readable `code`, and where it applies the file, the byte offset and the
 * tensor/key it failed on, so messages can name the thing and the place.
 */
export type ErrorCode =
  // checkpoint container / pickle (src/pth)
  | 'NOT_A_CHECKPOINT'
  | 'TRUNCATED'
  | 'ZIP_FORMAT'
  | 'ZIP_RECORD_MISSING'
  | 'LEGACY_FORMAT'
  | 'PICKLE_FORMAT'
  | 'PICKLE_GLOBAL'
  | 'PICKLE_LIMIT'
  | 'STORAGE_MISSING'
  | 'TENSOR_BOUNDS'
  | 'TENSOR_DTYPE'
  | 'STATE_DICT'
  // architecture mapping / graph (src/arch, src/ir)
  | 'ARCH_UNKNOWN'
  | 'ARCH_MISMATCH'
  | 'KEY_MISSING'
  | 'KEY_UNEXPECTED'
  | 'SHAPE_MISMATCH'
  | 'GRAPH_INVALID'
  // the checkpoint's MMPose config (src/config) and the settings taken from it
  | 'CONFIG_UNSUPPORTED'
  | 'CONFIG_MISMATCH'
  | 'SETTING_DEFAULTED'
  // emitters
  | 'EMIT_UNSUPPORTED'
  | 'EMIT_FORMAT'
  // pipeline / eval / zoo / io
  | 'MODEL_FORMAT'
  | 'IMAGE_FORMAT'
  | 'ANNOTATION_FORMAT'
  | 'ZOO_UNKNOWN'
  | 'DOWNLOAD_FAILED'
  | 'CHECKSUM_MISMATCH'
  | 'VERIFY_FAILED'
  | 'JOURNAL_FORMAT'
  | 'JOURNAL_MISMATCH'
  | 'IO'
  /** an onnxruntime execution provider this build lacks or that cannot start here */
  | 'EXECUTION_PROVIDER'
  /** a memory or size limit reached (onnxruntime out of memory): smaller work may pass */
  | 'RESOURCE_LIMIT'
  // command line
  | 'USAGE';

export interface ErrorPlace {
  /** path of the file the error is about */
  file?: string;
  /** byte offset inside that file (or inside the named record) */
  offset?: number;
  /** checkpoint key, tensor or graph value the error is about */
  key?: string;
  /** free-form structured facts (keys listed, shapes seen, ...) */
  details?: Record<string, unknown>;
}

export class PosePortError extends Error {
  readonly code: ErrorCode;
  readonly file?: string;
  readonly offset?: number;
  readonly key?: string;
  readonly details?: Record<string, unknown>;
  /** the message without the place appended to it */
  readonly reason: string;

  constructor(code: ErrorCode, message: string, place: ErrorPlace = {}) {
    const where: string[] = [];
    if (place.file !== undefined) where.push(place.file);
    if (place.offset !== undefined) where.push(`byte ${place.offset}`);
    super(where.length ? `${message} (${where.join(', ')})` : message);
    this.name = 'PosePortError';
    this.reason = message;
    this.code = code;
    this.file = place.file;
    this.offset = place.offset;
    this.key = place.key;
    this.details = place.details;
  }

  /** Same error with the file filled in, for code that learns the path late. */
  withFile(file: string): PosePortError {
    if (this.file !== undefined) return this;
    const e = new PosePortError(this.code, this.reason, { ...this.placeOf(), file });
    e.stack = this.stack;
    return e;
  }

  private placeOf(): ErrorPlace {
    return { offset: this.offset, key: this.key, details: this.details };
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      ...(this.file !== undefined ? { file: this.file } : {}),
      ...(this.offset !== undefined ? { offset: this.offset } : {}),
      ...(this.key !== undefined ? { key: this.key } : {}),
      ...(this.details !== undefined ? { details: this.details } : {}),
    };
  }
}

export function isPosePortError(e: unknown): e is PosePortError {
  return e instanceof PosePortError;
}
