/**
 * Reads an MMPose config text (mmcv `Config.pretty_text`, mmengine's dump, or a
 * hand-written config file) into values, WITHOUT evaluating it: only Python literal
 * syntax is understood (dict(...) with keyword arguments, {...} with str/int keys,
 * lists, tuples, strings, numbers, True/False/None), plus top-level `NAME = value`
 * assignments, references to names assigned earlier (`channel_cfg`) and subscripts of
 * them (`channel_cfg['num_output_channels']`, `x[0]`), f-strings whose fields are such
 * names, and the pure built-ins `list(...)`, `tuple(...)`, `dict(...)` and `range(...)`,
 * computed here (never by an interpreter, and not when the text rebinds their names).
 *
 * Everything else (other calls, attribute access, operators, lambdas, comprehensions,
 * imports, `{{_base_.x}}`, statements inside blocks) is never evaluated: the smallest
 * value that contains it becomes an `Unreadable` recording its line and column, and so
 * does whatever refers to it; the rest of the assignment stays usable. Every such
 * place is listed in `issues`. The parse is bounded (CONFIG_LIMITS): recursion depth,
 * expanded value size and range() length; skipping over an unreadable value is
 * iterative, so a 10,000-deep nesting costs one pass over its tokens.
 *
 * Past 300 lines because it is one recursive-descent grammar: the productions (value,
 * call, subscript, string, number) call each other and share one position and one
 * issue list; split apart they would only pass that state around.
 */
import { Tokenizer, type Pos, type Token } from './tokenize.js';
import { CONFIG_LIMITS, PyDict, Unreadable, isUnreadable, type PyKey, type PyValue } from './value.js';

export interface ConfigIssue {
  line: number;
  col: number;
  message: string;
}

export interface Binding {
  value: PyValue;
  line: number;
  col: number;
}

export interface ParsedConfig {
  /** top-level assignments in order (a name assigned twice keeps the last value) */
  vars: Map<string, Binding>;
  /** every place that was not read, in text order (at most CONFIG_LIMITS.maxIssues) */
  issues: ConfigIssue[];
  /** issues past the cap */
  moreIssues: number;
  /** set when the whole text was refused (too large, not text); vars is then empty */
  refused: string | null;
}

const KEYWORDS = new Set([
  'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif', 'else', 'except',
  'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or', 'pass',
  'raise', 'return', 'try', 'while', 'with', 'yield',
]);
const BUILTINS = new Set(['dict', 'list', 'tuple', 'range']);

const show = (t: Token): string => {
  switch (t.t) {
    case 'name':
    case 'op':
      return `'${t.v}'`;
    case 'num':
      return 'a number';
    case 'str':
      return 'a string';
    case 'nl':
      return 'end of line';
    case 'eof':
      return 'end of text';
    case 'err':
      return t.msg;
  }
};

/** Parses `text`; never throws on bad input (see ParsedConfig.refused and issues). */
export function parseConfigText(text: string): ParsedConfig {
  if (text.length > CONFIG_LIMITS.maxChars)
    return { vars: new Map(), issues: [], moreIssues: 0, refused: `config text of ${text.length} characters is over the ${CONFIG_LIMITS.maxChars} limit` };
  const p = new Parser(text);
  p.module();
  return { vars: p.vars, issues: p.issues, moreIssues: p.moreIssues, refused: null };
}

class Parser {
  readonly vars = new Map<string, Binding>();
  readonly issues: ConfigIssue[] = [];
  moreIssues = 0;
  private readonly tok: Tokenizer;
  /** expanded element count of each container built (references share, so counts add up) */
  private readonly weight = new WeakMap<object, number>();

  constructor(text: string) {
    this.tok = new Tokenizer(text);
  }

  private issue(p: Pos, message: string): void {
    if (this.issues.length < CONFIG_LIMITS.maxIssues) this.issues.push({ line: p.line, col: p.col, message });
    else this.moreIssues++;
  }

  private unreadable(p: Pos, reason: string): Unreadable {
    this.issue(p, reason);
    return new Unreadable(reason, p.line, p.col);
  }

  private isOp(t: Token, v: string): boolean {
    return t.t === 'op' && t.v === v;
  }

  module(): void {
    for (;;) {
      const t = this.tok.peek();
      if (t.t === 'eof') return;
      if (t.t === 'nl') {
        this.tok.next();
        continue;
      }
      this.statement();
    }
  }

  private statement(): void {
    const first = this.tok.next();
    if (first.col > 1) {
      this.issue(first, `indented statement (inside a block) not read`);
      return this.skipStatement();
    }
    if (first.t === 'name' && !KEYWORDS.has(first.v) && this.isOp(this.tok.peek(), '=')) {
      this.tok.next();
      const value = this.value(0, TOP);
      const end = this.tok.peek();
      if (end.t !== 'nl' && end.t !== 'eof') {
        // only reached when a value's terminator was wrong at top level (e.g. 'a = b = 1')
        this.issue(end, `statement '${first.v} = ...' not read: ${show(end)} after the value`);
        this.skipStatement();
        this.vars.set(first.v, { value: new Unreadable(`assignment not read`, first.line, first.col), line: first.line, col: first.col });
        return;
      }
      this.vars.set(first.v, { value, line: first.line, col: first.col });
      return;
    }
    const what = first.t === 'name' && KEYWORDS.has(first.v) ? `'${first.v}' statement` : `statement starting with ${show(first)}`;
    this.issue(first, `${what} not read`);
    // a statement that does not assign a plain name may still rebind one we read ('x.y = 1', 'x += 1')
    this.skipStatement(first.t === 'name' ? first.v : undefined);
  }

  /** Skips to the end of the logical line; a target name assigned there is no longer known. */
  private skipStatement(target?: string): void {
    for (;;) {
      const t = this.tok.next();
      if (t.t === 'nl' || t.t === 'eof') break;
      if (target !== undefined && t.t === 'op' && /^(?:[-+*/%@&|^]|\*\*|\/\/|<<|>>)?=$/.test(t.v) && this.vars.has(target)) {
        this.vars.set(target, { value: new Unreadable(`'${target}' is changed by a statement that is not read`, t.line, t.col), line: t.line, col: t.col });
        this.issue(t, `'${target}' is changed by a statement that is not read`);
      }
    }
  }

  /**
   * Skips the rest of a value: to a token in `terms` at bracket depth 0 (not consumed), or
   * the end of the line/text. A 'for' seen at depth 0 sets `sawFor` (a comprehension:
   * the enclosing container is what is unreadable).
   */
  private skip(terms: Terms): void {
    let depth = 0;
    for (;;) {
      const t = this.tok.peek();
      if (t.t === 'eof') return;
      if (t.t === 'nl' && depth === 0) return;
      if (t.t === 'op') {
        if (depth === 0 && terms.has(t.v)) return;
        if ('([{'.includes(t.v)) depth++;
        else if (')]}'.includes(t.v)) {
          if (depth === 0) return; // a closer that is not ours ends the value too
          depth--;
        }
      }
      if (depth === 0 && t.t === 'name' && t.v === 'for') this.sawFor = true;
      this.tok.next();
    }
  }

  /** set by skip() when it passes a 'for' at its own depth */
  private sawFor = false;

  /** A value ending before a token in `terms` (not consumed). */
  private value(depth: number, terms: Terms): PyValue {
    const start = this.tok.peek();
    let v = this.atom(depth, terms);
    for (;;) {
      const t = this.tok.peek();
      if (t.t === 'eof' || t.t === 'nl' || (t.t === 'op' && terms.has(t.v))) return v;
      if (this.isOp(t, '[') && !isUnreadable(v)) {
        this.tok.next();
        const index = this.value(depth + 1, CLOSE_BRACKET);
        const close = this.tok.peek();
        if (!this.isOp(close, ']')) {
          this.skip(terms);
          return this.unreadable(t, `subscript not read`);
        }
        this.tok.next();
        v = this.subscript(v, index, t);
        continue;
      }
      if (isUnreadable(v) && v.line === start.line && v.col === start.col && !(t.t === 'op' && '.(['.includes(t.v))) {
        // the atom already said why; skip whatever follows it
        this.skip(terms);
        return v;
      }
      const detail = t.t === 'op' && t.v === '.' ? 'attribute access' : t.t === 'op' && t.v === '(' ? 'call' : `expression (${show(t)})`;
      this.skip(terms);
      return this.unreadable(start, `${detail} not evaluated`);
    }
  }

  private subscript(v: PyValue, index: PyValue, p: Pos): PyValue {
    if (isUnreadable(index)) return this.unreadable(p, `subscript with an unreadable index`);
    if (Array.isArray(v) && typeof index === 'number' && Number.isInteger(index)) {
      const i = index < 0 ? v.length + index : index;
      if (i >= 0 && i < v.length) return isUnreadable(v[i]) ? this.unreadable(p, `[${index}] is unreadable (${v[i]})`) : v[i];
      return this.unreadable(p, `index ${index} out of range (length ${v.length})`);
    }
    if (v instanceof PyDict && (typeof index === 'string' || typeof index === 'number')) {
      const x = v.get(index);
      if (isUnreadable(x)) return this.unreadable(p, `[${JSON.stringify(index)}] is unreadable (${x})`);
      if (x !== undefined) return x;
      return this.unreadable(p, `no key ${JSON.stringify(index)}`);
    }
    return this.unreadable(p, `subscript of a ${Array.isArray(v) ? 'list' : typeof v} not evaluated`);
  }

  private atom(depth: number, terms: Terms): PyValue {
    const t = this.tok.next();
    if (depth > CONFIG_LIMITS.maxDepth) {
      this.skipBalanced(t, terms);
      return this.unreadable(t, `nested deeper than ${CONFIG_LIMITS.maxDepth}`);
    }
    switch (t.t) {
      case 'num':
        return this.number(t, 1);
      case 'str':
        return this.strings(t);
      case 'name':
        if (t.v === 'True') return true;
        if (t.v === 'False') return false;
        if (t.v === 'None') return null;
        if (KEYWORDS.has(t.v)) {
          this.skip(terms);
          return this.unreadable(t, `'${t.v}' expression not evaluated`);
        }
        if (this.isOp(this.tok.peek(), '(')) return this.call(t, depth);
        return this.reference(t);
      case 'op':
        if (t.v === '-' || t.v === '+') {
          const n = this.tok.peek();
          if (n.t === 'num') {
            this.tok.next();
            return this.number(n, t.v === '-' ? -1 : 1);
          }
          return this.unreadable(t, `unary '${t.v}' not evaluated`);
        }
        if (t.v === '[') return this.sequence(t, depth, ']');
        if (t.v === '(') return this.paren(t, depth);
        if (t.v === '{') return this.brace(t, depth);
        return this.unreadable(t, `${show(t)} where a value should be`);
      case 'err':
        return this.unreadable(t, t.msg);
      case 'nl':
      case 'eof':
        return this.unreadable(t, `missing value`);
    }
  }

  /** After an opening bracket past the depth limit: consume through its closer, iteratively. */
  private skipBalanced(open: Token, terms: Terms): void {
    if (open.t !== 'op' || !'([{'.includes(open.v)) return void this.skip(terms);
    let depth = 1;
    while (depth > 0) {
      const t = this.tok.next();
      if (t.t === 'eof' || (t.t === 'nl' && depth === 0)) return;
      if (t.t === 'op' && '([{'.includes(t.v)) depth++;
      else if (t.t === 'op' && ')]}'.includes(t.v)) depth--;
    }
  }

  private number(t: Extract<Token, { t: 'num' }>, sign: 1 | -1): PyValue {
    if (t.imag) return this.unreadable(t, `complex number not read`);
    if (t.unsafe) return this.unreadable(t, `integer beyond 2^53 not read`);
    return sign * t.v;
  }

  /** One or more adjacent string literals (implicit concatenation). */
  private strings(first: Extract<Token, { t: 'str' }>): PyValue {
    let out = '';
    let bytes: boolean | null = null;
    let bad: Unreadable | null = null;
    for (let t: Token = first; ; ) {
      if (t.t !== 'str') break;
      if (bytes !== null && bytes !== t.bytes) bad ??= this.unreadable(t, `str and bytes literals concatenated`);
      bytes = t.bytes;
      if (t.fstring) {
        const f = this.fstring(t);
        if (isUnreadable(f)) bad ??= f;
        else out += f;
      } else out += t.v;
      const n = this.tok.peek();
      if (n.t !== 'str') break;
      t = this.tok.next();
    }
    if (bad) return bad;
    if (bytes) return Uint8Array.from(out, (c) => c.charCodeAt(0) & 0xff);
    return out;
  }

  /** f'...{name}...': fields that are names of str/int/float values assigned earlier. */
  private fstring(t: Extract<Token, { t: 'str' }>): string | Unreadable {
    let out = '';
    const s = t.v;
    for (let i = 0; i < s.length; i++) {
      const c = s[i];
      if ((c === '{' || c === '}') && s[i + 1] === c) {
        out += c;
        i++;
        continue;
      }
      if (c === '}') return this.unreadable(t, `f-string with a single '}' not read`);
      if (c !== '{') {
        out += c;
        continue;
      }
      const end = s.indexOf('}', i);
      const field = end < 0 ? '' : s.slice(i + 1, end).trim();
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(field)) return this.unreadable(t, `f-string field {${field}} not evaluated`);
      const b = this.vars.get(field);
      const v = b?.value;
      if (typeof v !== 'string' && typeof v !== 'number') return this.unreadable(t, `f-string field {${field}} is not a str or number assigned earlier`);
      out += String(v);
      i = end;
    }
    return out;
  }

  private reference(t: Extract<Token, { t: 'name' }>): PyValue {
    const b = this.vars.get(t.v);
    if (!b) return this.unreadable(t, `name '${t.v}' is not assigned earlier in the text`);
    if (isUnreadable(b.value)) return this.unreadable(t, `'${t.v}' refers to an unreadable value (${b.value})`);
    return b.value;
  }

  private call(name: Extract<Token, { t: 'name' }>, depth: number): PyValue {
    const open = this.tok.next();
    if (!BUILTINS.has(name.v) || this.vars.has(name.v)) {
      this.skipBalanced(open, TOP);
      return this.unreadable(name, `call to '${name.v}' not evaluated`);
    }
    const positional: PyValue[] = [];
    const keywords = new PyDict();
    let bad: Unreadable | null = null;
    for (;;) {
      const t = this.tok.peek();
      if (this.isOp(t, ')')) {
        this.tok.next();
        break;
      }
      if (t.t === 'nl' || t.t === 'eof') return this.unreadable(open, `'(' never closed`);
      if (this.isOp(t, '*') || this.isOp(t, '**')) {
        this.skip(ARG);
        bad ??= this.unreadable(t, `unpacking in a call to '${name.v}' not evaluated`);
      } else if (t.t === 'name') {
        this.tok.next();
        if (this.isOp(this.tok.peek(), '=')) {
          this.tok.next();
          keywords.entries.set(t.v, this.value(depth + 1, ARG));
        } else {
          // a positional argument starting with a name: re-read it as a value
          positional.push(this.afterName(t, depth + 1, ARG));
        }
      } else positional.push(this.value(depth + 1, ARG));
      const sep = this.tok.peek();
      if (this.isOp(sep, ',')) this.tok.next();
      else if (!this.isOp(sep, ')')) {
        this.skipBalanced(open, TOP);
        return this.unreadable(sep, `${show(sep)} in the arguments of '${name.v}'`);
      }
    }
    if (bad) return bad;
    return this.builtin(name, positional, keywords);
  }

  /** A value whose first token (a name) was already consumed. */
  private afterName(t: Extract<Token, { t: 'name' }>, depth: number, terms: Terms): PyValue {
    let v: PyValue;
    if (t.v === 'True') v = true;
    else if (t.v === 'False') v = false;
    else if (t.v === 'None') v = null;
    else if (KEYWORDS.has(t.v)) {
      this.skip(terms);
      return this.unreadable(t, `'${t.v}' expression not evaluated`);
    } else if (this.isOp(this.tok.peek(), '(')) v = this.call(t, depth);
    else v = this.reference(t);
    for (;;) {
      const n = this.tok.peek();
      if (n.t === 'eof' || n.t === 'nl' || (n.t === 'op' && terms.has(n.v))) return v;
      if (this.isOp(n, '[') && !isUnreadable(v)) {
        this.tok.next();
        const index = this.value(depth + 1, CLOSE_BRACKET);
        if (!this.isOp(this.tok.peek(), ']')) {
          this.skip(terms);
          return this.unreadable(n, `subscript not read`);
        }
        this.tok.next();
        v = this.subscript(v, index, n);
        continue;
      }
      this.skip(terms);
      return this.unreadable(t, `expression (${show(n)}) not evaluated`);
    }
  }

  private builtin(name: Extract<Token, { t: 'name' }>, pos: PyValue[], kw: PyDict): PyValue {
    const bad = [...pos, ...kw.entries.values()].find(isUnreadable);
    switch (name.v) {
      case 'dict': {
        if (pos.length > 1) return this.unreadable(name, `dict() with ${pos.length} positional arguments`);
        const d = new PyDict();
        if (pos.length === 1) {
          if (!(pos[0] instanceof PyDict)) return this.unreadable(name, `dict() of a non-dict not evaluated`);
          for (const [k, v] of pos[0].entries) d.entries.set(k, v);
        }
        for (const [k, v] of kw.entries) d.entries.set(k, v);
        return this.sized(name, d);
      }
      case 'list':
      case 'tuple': {
        if (bad) return this.unreadable(name, `${name.v}() of an unreadable value`);
        if (kw.size > 0 || pos.length > 1) return this.unreadable(name, `${name.v}() with these arguments not evaluated`);
        if (pos.length === 0) return this.sized(name, []);
        const x = pos[0];
        if (Array.isArray(x)) return this.sized(name, [...x]);
        if (typeof x === 'string') return this.sized(name, [...x]);
        if (x instanceof PyDict) return this.sized(name, [...x.entries.keys()]);
        return this.unreadable(name, `${name.v}() of this value not evaluated`);
      }
      case 'range': {
        if (bad || kw.size > 0 || pos.length < 1 || pos.length > 3 || !pos.every((x) => typeof x === 'number' && Number.isInteger(x)))
          return this.unreadable(name, `range() takes 1 to 3 integers`);
        const [a, b, step] = pos.length === 1 ? [0, pos[0] as number, 1] : [pos[0] as number, pos[1] as number, (pos[2] as number | undefined) ?? 1];
        if (step === 0) return this.unreadable(name, `range() step is zero`);
        const n = Math.max(0, Math.ceil((b - a) / step));
        if (n > CONFIG_LIMITS.maxRange) return this.unreadable(name, `range() of ${n} elements is over the ${CONFIG_LIMITS.maxRange} limit`);
        return Array.from({ length: n }, (_, i) => a + i * step);
      }
    }
    return this.unreadable(name, `call to '${name.v}' not evaluated`);
  }

  /** Checks the expanded size of a new container; an oversized one is unreadable. */
  private sized<T extends PyValue[] | PyDict>(p: Pos, c: T): T | Unreadable {
    let n = 1;
    const items = Array.isArray(c) ? c : [...c.entries.values()];
    for (const x of items) n += x !== null && typeof x === 'object' ? (this.weight.get(x) ?? 1) : 1;
    if (n > CONFIG_LIMITS.maxNodes) return this.unreadable(p, `value of more than ${CONFIG_LIMITS.maxNodes} elements (references expanded) not read`);
    this.weight.set(c, n);
    return c;
  }

  /** After '[' or '(' with items: comma-separated values up to `close`. */
  private sequence(open: Token, depth: number, close: string): PyValue {
    const items: PyValue[] = [];
    const terms = close === ']' ? LIST_ITEM : TUPLE_ITEM;
    for (;;) {
      const t = this.tok.peek();
      if (this.isOp(t, close)) {
        this.tok.next();
        return this.sized(open, items);
      }
      if (t.t === 'nl' || t.t === 'eof') return this.unreadable(open, `'${show(open).slice(1, -1)}' never closed`);
      if (this.isOp(t, '*')) {
        this.skip(terms);
        items.push(this.unreadable(t, `unpacking not evaluated`));
      } else {
        this.sawFor = false;
        const v = this.value(depth + 1, terms);
        items.push(v);
        if (this.sawFor) {
          this.skipBalanced(open, TOP);
          return this.unreadable(open, `comprehension not evaluated`);
        }
      }
      const sep = this.tok.peek();
      if (this.isOp(sep, ',')) this.tok.next();
      else if (!this.isOp(sep, close)) {
        if (sep.t === 'name' && sep.v === 'for') {
          this.skipBalanced(open, TOP);
          return this.unreadable(open, `comprehension not evaluated`);
        }
        this.skipBalanced(open, TOP);
        return this.unreadable(sep, `${show(sep)} where ',' or '${close}' should be`);
      }
    }
  }

  private paren(open: Token, depth: number): PyValue {
    const t = this.tok.peek();
    if (this.isOp(t, ')')) {
      this.tok.next();
      return [];
    }
    this.sawFor = false;
    const first = this.value(depth + 1, TUPLE_ITEM);
    if (this.sawFor) {
      this.skipBalanced(open, TOP);
      return this.unreadable(open, `generator expression not evaluated`);
    }
    const sep = this.tok.peek();
    if (this.isOp(sep, ')')) {
      this.tok.next();
      return first; // a parenthesized value
    }
    if (!this.isOp(sep, ',')) {
      this.skipBalanced(open, TOP);
      return this.unreadable(sep.t === 'name' && sep.v === 'for' ? open : sep, sep.t === 'name' && sep.v === 'for' ? 'generator expression not evaluated' : `${show(sep)} where ',' or ')' should be`);
    }
    this.tok.next();
    const rest = this.sequence(open, depth, ')');
    if (isUnreadable(rest)) return rest;
    return this.sized(open, [first, ...(rest as PyValue[])]);
  }

  private brace(open: Token, depth: number): PyValue {
    if (this.isOp(this.tok.peek(), '{')) {
      this.skipBalanced(open, TOP);
      return this.unreadable(open, `'{{...}}' base-config substitution not evaluated`);
    }
    const d = new PyDict();
    for (;;) {
      const t = this.tok.peek();
      if (this.isOp(t, '}')) {
        this.tok.next();
        return this.sized(open, d);
      }
      if (t.t === 'nl' || t.t === 'eof') return this.unreadable(open, `'{' never closed`);
      if (this.isOp(t, '**')) {
        this.skipBalanced(open, TOP);
        return this.unreadable(t, `dict unpacking not evaluated`);
      }
      const key = this.value(depth + 1, DICT_KEY);
      const colon = this.tok.peek();
      if (!this.isOp(colon, ':')) {
        this.skipBalanced(open, TOP);
        return this.unreadable(open, colon.t === 'name' && colon.v === 'for' ? 'comprehension not evaluated' : `set or other brace expression not evaluated`);
      }
      this.tok.next();
      this.sawFor = false;
      const value = this.value(depth + 1, DICT_VALUE);
      if (this.sawFor) {
        this.skipBalanced(open, TOP);
        return this.unreadable(open, `comprehension not evaluated`);
      }
      if (typeof key === 'string' || (typeof key === 'number' && Number.isInteger(key))) d.entries.set(key as PyKey, value);
      else if (!isUnreadable(key)) this.issue(t, `dict key of this type not read (entry dropped)`);
      else this.issue(t, `dict entry with an unreadable key dropped`);
      const sep = this.tok.peek();
      if (this.isOp(sep, ',')) this.tok.next();
      else if (!this.isOp(sep, '}')) {
        this.skipBalanced(open, TOP);
        return this.unreadable(sep, sep.t === 'name' && sep.v === 'for' ? 'comprehension not evaluated' : `${show(sep)} where ',' or '}' should be`);
      }
    }
  }
}

type Terms = ReadonlySet<string>;
const TOP: Terms = new Set();
const ARG: Terms = new Set([',', ')']);
const LIST_ITEM: Terms = new Set([',', ']']);
const TUPLE_ITEM: Terms = new Set([',', ')']);
const CLOSE_BRACKET: Terms = new Set([']']);
const DICT_KEY: Terms = new Set([':', ',', '}']);
const DICT_VALUE: Terms = new Set([',', '}']);
