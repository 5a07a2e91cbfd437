/**
 * A lazy tokenizer for the subset of Python that MMPose config texts are written in
 * (mmcv `Config.pretty_text`, mmengine's dump, hand-written config files). It produces
 * one token at a time (no token array: memory stays O(1) in the text length), reports
 * bad input as `err` tokens with a line and column, and never fails.
 *
 * Strings: every quote form (' " ''' """), the prefixes r b u f and their combinations
 * (rb, br, fr, rf; any case), escapes of str and bytes literals, backslash-newline
 * continuation. Numbers: decimal, 0x/0o/0b, underscores, floats with exponents,
 * imaginary literals (flagged). Comments are skipped; NEWLINE is emitted only outside
 * brackets, as Python's logical lines.
 */

export interface Pos {
  /** 1-based */
  line: number;
  /** 1-based, in UTF-16 code units of the line */
  col: number;
}

export type Token =
  | (Pos & { t: 'name'; v: string })
  | (Pos & { t: 'num'; v: number; int: boolean; imag: boolean; unsafe: boolean })
  | (Pos & { t: 'str'; v: string; bytes: boolean; fstring: boolean })
  | (Pos & { t: 'op'; v: string })
  | (Pos & { t: 'nl' })
  | (Pos & { t: 'err'; msg: string })
  | (Pos & { t: 'eof' });

const OPENERS = '([{';
const CLOSERS = ')]}';
/** longest first, so '**=' wins over '**' and '*' */
const OPS = [
  '**=', '//=', '>>=', '<<=', '...', '->', ':=',
  '**', '//', '<<', '>>', '<=', '>=', '==', '!=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '@=',
  '+', '-', '*', '/', '%', '@', '&', '|', '^', '~', '<', '>', '(', ')', '[', ']', '{', '}', ',', ':', ';', '.', '=',
];

const isIdStart = (c: string) => /[A-Za-z_]/.test(c) || c > '\x7f';
const isIdPart = (c: string) => /[A-Za-z0-9_]/.test(c) || c > '\x7f';

const SIMPLE_ESCAPES: Record<string, string> = {
  '\n': '', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v',
};

export class Tokenizer {
  private i = 0;
  private line = 1;
  private lineStart = 0;
  /** open brackets: NEWLINE is not a token inside them */
  private depth = 0;
  /** the last emitted token was a NEWLINE (or nothing yet): blank lines emit no more */
  private atLineStart = true;
  private peeked: Token | null = null;

  constructor(private readonly src: string) {}

  peek(): Token {
    if (this.peeked === null) this.peeked = this.scan();
    return this.peeked;
  }

  next(): Token {
    const t = this.peek();
    this.peeked = null;
    return t;
  }

  private pos(at = this.i): Pos {
    return { line: this.line, col: at - this.lineStart + 1 };
  }

  private newline(): void {
    this.line++;
    this.lineStart = this.i;
  }

  private scan(): Token {
    const s = this.src;
    for (;;) {
      if (this.i >= s.length) {
        if (!this.atLineStart && this.depth === 0) {
          this.atLineStart = true;
          return { t: 'nl', ...this.pos() };
        }
        return { t: 'eof', ...this.pos() };
      }
      const c = s[this.i];
      if (c === '\n' || c === '\r') {
        const p = this.pos();
        this.i += c === '\r' && s[this.i + 1] === '\n' ? 2 : 1;
        this.newline();
        if (this.depth === 0 && !this.atLineStart) {
          this.atLineStart = true;
          return { t: 'nl', ...p };
        }
        continue;
      }
      if (c === ' ' || c === '\t' || c === '\f') {
        this.i++;
        continue;
      }
      if (c === '#') {
        while (this.i < s.length && s[this.i] !== '\n' && s[this.i] !== '\r') this.i++;
        continue;
      }
      if (c === '\\' && (s[this.i + 1] === '\n' || s[this.i + 1] === '\r')) {
        this.i += s[this.i + 1] === '\r' && s[this.i + 2] === '\n' ? 3 : 2;
        this.newline();
        continue;
      }
      this.atLineStart = false;
      const start = this.pos();
      // string, possibly prefixed
      const prefix = /^[rRbBuUfF]{0,2}['"]/.exec(s.slice(this.i, this.i + 3));
      if (prefix) return this.string(start, prefix[0].length - 1);
      if (isIdStart(c)) {
        let j = this.i + 1;
        while (j < s.length && isIdPart(s[j])) j++;
        const v = s.slice(this.i, j);
        this.i = j;
        return { t: 'name', v, ...start };
      }
      if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(s[this.i + 1] ?? ''))) return this.number(start);
      const op = OPS.find((o) => s.startsWith(o, this.i));
      if (op) {
        this.i += op.length;
        if (OPENERS.includes(op)) this.depth++;
        else if (CLOSERS.includes(op) && this.depth > 0) this.depth--;
        return { t: 'op', v: op, ...start };
      }
      this.i++;
      return { t: 'err', msg: `unexpected character ${JSON.stringify(c)}`, ...start };
    }
  }

  private number(start: Pos): Token {
    const s = this.src;
    const m =
      /^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:(?:[0-9](?:_?[0-9])*)?\.(?:[0-9](?:_?[0-9])*)?|[0-9](?:_?[0-9])*)(?:[eE][+-]?[0-9](?:_?[0-9])*)?)([jJ])?/.exec(
        s.slice(this.i, this.i + 400),
      );
    const text = m ? m[0] : s[this.i];
    this.i += text.length;
    const imag = Boolean(m?.[1]);
    const body = (imag ? text.slice(0, -1) : text).replace(/_/g, '');
    // an identifier character glued to a number ('1abc') is not a number
    if (this.i < s.length && isIdPart(s[this.i])) {
      while (this.i < s.length && isIdPart(s[this.i])) this.i++;
      return { t: 'err', msg: `invalid number literal`, ...start };
    }
    const radix = /^0[xX]/.test(body) ? 16 : /^0[oO]/.test(body) ? 8 : /^0[bB]/.test(body) ? 2 : 10;
    if (radix !== 10 || /^[0-9]+$/.test(body)) {
      if (radix === 10 && body.length > 1 && body.startsWith('0') && /[1-9]/.test(body))
        return { t: 'err', msg: `leading zeros in a decimal integer ('${text}')`, ...start };
      const big = radix === 10 ? BigInt(body) : BigInt(body.slice(0, 2).toLowerCase() + body.slice(2));
      const unsafe = big > BigInt(Number.MAX_SAFE_INTEGER);
      return { t: 'num', v: Number(big), int: true, imag, unsafe, ...start };
    }
    return { t: 'num', v: Number(body), int: false, imag, unsafe: false, ...start };
  }

  /** `plen` prefix letters, then the quote(s) at this.i + plen. */
  private string(start: Pos, plen: number): Token {
    const s = this.src;
    const prefix = s.slice(this.i, this.i + plen).toLowerCase();
    const raw = prefix.includes('r');
    const bytes = prefix.includes('b');
    const fstring = prefix.includes('f');
    if ((bytes && (fstring || prefix.includes('u'))) || (prefix.includes('u') && plen > 1) || new Set(prefix).size !== prefix.length) {
      this.i += plen;
      return { t: 'err', msg: `invalid string prefix '${s.slice(this.i - plen, this.i)}'`, ...start };
    }
    this.i += plen;
    const q = s[this.i];
    const triple = s.startsWith(q.repeat(3), this.i);
    const close = triple ? q.repeat(3) : q;
    this.i += close.length;
    const body = this.i;
    let out = '';
    let chunk = this.i;
    for (;;) {
      if (this.i >= s.length) {
        return { t: 'err', msg: `unterminated ${triple ? 'triple-quoted ' : ''}string starting at line ${start.line}, column ${start.col}`, ...start };
      }
      const c = s[this.i];
      if (s.startsWith(close, this.i)) {
        out += s.slice(chunk, this.i);
        this.i += close.length;
        break;
      }
      if (c === '\n' || c === '\r') {
        if (!triple) {
          // Python stops the token here: the rest of the line was never a string
          return { t: 'err', msg: `unterminated string starting at line ${start.line}, column ${start.col}`, ...start };
        }
        this.i += c === '\r' && s[this.i + 1] === '\n' ? 2 : 1;
        this.newline();
        continue;
      }
      if (c !== '\\') {
        this.i++;
        continue;
      }
      // a backslash: in raw strings it only keeps the next character from closing the string
      out += s.slice(chunk, this.i);
      const n = s[this.i + 1];
      if (n === undefined) {
        this.i++;
        chunk = this.i;
        continue;
      }
      if (raw) {
        out += '\\' + n;
        this.i += 2;
        if (n === '\n' || n === '\r') {
          if (n === '\r' && s[this.i] === '\n') {
            out += '\n';
            this.i++;
          }
          this.newline();
        }
        chunk = this.i;
        continue;
      }
      const esc = this.escape(bytes);
      if (typeof esc !== 'string') return { t: 'err', msg: esc.error, ...start };
      out += esc;
      chunk = this.i;
    }
    // bytes literals take ASCII characters only (escapes give the others)
    if (bytes && /[^\x00-\x7f]/.test(s.slice(body, this.i - close.length)))
      return { t: 'err', msg: `non-ASCII character in a bytes literal`, ...start };
    return { t: 'str', v: out, bytes, fstring, ...start };
  }

  /** At a backslash of a non-raw literal: the escape's value; this.i moves past it. */
  private escape(bytes: boolean): string | { error: string } {
    const s = this.src;
    const n = s[this.i + 1];
    const at = this.pos();
    if (n === '\r') {
      this.i += s[this.i + 2] === '\n' ? 3 : 2;
      this.newline();
      return '';
    }
    if (n in SIMPLE_ESCAPES) {
      this.i += 2;
      if (n === '\n') this.newline();
      return SIMPLE_ESCAPES[n];
    }
    if (/[0-7]/.test(n)) {
      const m = /^[0-7]{1,3}/.exec(s.slice(this.i + 1, this.i + 4))![0];
      this.i += 1 + m.length;
      return String.fromCharCode(parseInt(m, 8) & (bytes ? 0xff : 0x1ff));
    }
    const hex = (len: number, what: string): string | { error: string } => {
      const h = s.slice(this.i + 2, this.i + 2 + len);
      if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(h)) return { error: `truncated \\${what} escape at line ${at.line}, column ${at.col}` };
      const cp = parseInt(h, 16);
      if (cp > 0x10ffff) return { error: `\\${what} escape out of range at line ${at.line}, column ${at.col}` };
      this.i += 2 + len;
      return String.fromCodePoint(cp);
    };
    if (n === 'x') return hex(2, 'x');
    if (!bytes && n === 'u') return hex(4, 'u');
    if (!bytes && n === 'U') return hex(8, 'U');
    if (!bytes && n === 'N') return { error: `\\N{...} escapes are not read (line ${at.line}, column ${at.col})` };
    // an unknown escape keeps its backslash, as Python does
    this.i += 1;
    return '\\';
  }
}
