// A parser for the subset of HCL that Terraform variable files (`*.tfvars`) use: attribute
// assignments whose values are literals — strings (with escapes), numbers, booleans, null,
// lists, objects/maps — heredocs (`<<EOF`, `<<-EOF`), and the one function such files call
// for policies, `jsonencode(...)`, evaluated to its JSON text. Comments: `#`, `//`, `/* */`.
// Anything else (interpolation, references, other functions) is refused with the file, the
// line and column, and what was expected.
//
// npm has no maintained HCL parser: @cdktf/hcl2json wraps HashiCorp's own (as WASM), but
// CDKTF is discontinued, and it leaves `jsonencode({...})` as an unevaluated string, which is
// the part an import needs. So this subset is parsed here.

export type HclValue =
  string | number | boolean | null | readonly HclValue[] | { readonly [key: string]: HclValue };

/** A value with the line it started on, for messages about it. */
export interface Located {
  readonly value: HclValue;
  readonly line: number;
}

export class TfvarsSyntaxError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    detail: string,
  ) {
    super(`${file}:${String(line)}:${String(column)}: ${detail}`);
    this.name = 'TfvarsSyntaxError';
  }
}

/** The file's top-level attributes, in order, each with its line. */
export function parseTfvars(text: string, file: string): Map<string, Located> {
  return new Parser(text, file).file();
}

class Parser {
  #pos = 0;
  readonly #text: string;
  readonly #file: string;

  constructor(text: string, file: string) {
    this.#text = text.replace(/\r\n/g, '\n');
    this.#file = file;
  }

  file(): Map<string, Located> {
    const out = new Map<string, Located>();
    for (;;) {
      this.#skip(true);
      if (this.#pos >= this.#text.length) return out;
      const line = this.#line();
      const name = this.#identifier('a variable name');
      if (out.has(name)) this.#fail(`${name} is set twice; keep one`);
      this.#skip(false);
      if (this.#peek() !== '=')
        this.#fail(
          `expected "=" after ${name}${this.#peek() === '{' ? ' (blocks are not variables)' : ''}`,
        );
      this.#pos += 1;
      this.#skip(false);
      const value = this.#value();
      out.set(name, { value, line });
      this.#skip(false);
      const next = this.#peek();
      if (next !== '\n' && next !== '' && next !== undefined)
        this.#fail(`expected the end of the line after ${name}'s value, found ${describe(next)}`);
    }
  }

  #value(): HclValue {
    const c = this.#peek();
    if (c === '"') return this.#string();
    if (c === '[') return this.#list();
    if (c === '{') return this.#object();
    if (c === '<' && this.#text.startsWith('<<', this.#pos)) return this.#heredoc();
    if (c !== undefined && /[-0-9]/.test(c)) return this.#number();
    if (c !== undefined && /[A-Za-z_]/.test(c)) {
      const start = this.#pos;
      const word = this.#identifier('a value');
      if (word === 'true') return true;
      if (word === 'false') return false;
      if (word === 'null') return null;
      this.#skip(false);
      if (this.#peek() === '(') {
        if (word !== 'jsonencode') {
          this.#pos = start;
          this.#fail(
            `${word}(...) is not supported here; only literal values and jsonencode(...) are`,
          );
        }
        this.#pos += 1;
        this.#skip(true);
        const inner = this.#value();
        this.#skip(true);
        this.#expect(')', 'to close jsonencode(');
        return JSON.stringify(inner);
      }
      this.#pos = start;
      this.#fail(
        `${word} is a reference; a tfvars file holds values only (quote it if it is a string)`,
      );
    }
    this.#fail(`expected a value, found ${describe(c)}`);
  }

  #string(): string {
    this.#pos += 1;
    let out = '';
    for (;;) {
      const c = this.#text[this.#pos];
      if (c === undefined || c === '\n') this.#fail('this string is not closed with "');
      if (c === '"') {
        this.#pos += 1;
        return out;
      }
      if (c === '\\') {
        const e = this.#text[this.#pos + 1];
        const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' };
        if (e === 'u') {
          const hex = this.#text.slice(this.#pos + 2, this.#pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.#fail('expected four hex digits after \\u');
          out += String.fromCharCode(parseInt(hex, 16));
          this.#pos += 6;
          continue;
        }
        const mapped = e === undefined ? undefined : map[e];
        if (mapped === undefined) this.#fail(`unknown escape \\${e ?? ''}`);
        out += mapped;
        this.#pos += 2;
        continue;
      }
      if ((c === '$' || c === '%') && this.#text.startsWith(`${c}${c}{`, this.#pos)) {
        // `$${` and `%%{` are HCL's escapes for a literal `${` and `%{`.
        out += `${c}{`;
        this.#pos += 3;
        continue;
      }
      if ((c === '$' || c === '%') && this.#text[this.#pos + 1] === '{')
        this.#fail(
          `${c}{...} interpolation is not supported in a tfvars value; write the value itself`,
        );
      out += c;
      this.#pos += 1;
    }
  }

  #heredoc(): string {
    const match = /^<<(-?)([A-Za-z_][A-Za-z0-9_]*)[ \t]*\n/.exec(this.#text.slice(this.#pos));
    if (match === null) this.#fail('expected a heredoc marker like <<EOF on its own line');
    const [whole, dash, marker] = match as unknown as [string, string, string];
    this.#pos += whole.length;
    const lines: string[] = [];
    for (;;) {
      if (this.#pos >= this.#text.length) this.#fail(`the heredoc is not closed with ${marker}`);
      const end = this.#text.indexOf('\n', this.#pos);
      const line = this.#text.slice(this.#pos, end === -1 ? undefined : end);
      if (line.trim() === marker) {
        this.#pos += line.length;
        break;
      }
      lines.push(line);
      this.#pos = end === -1 ? this.#text.length : end + 1;
    }
    if (dash === '-') {
      const indents = lines
        .filter((l) => l.trim() !== '')
        .map((l) => /^[ \t]*/.exec(l)?.[0].length ?? 0);
      const cut = indents.length === 0 ? 0 : Math.min(...indents);
      return `${lines.map((l) => l.slice(cut)).join('\n')}\n`;
    }
    return `${lines.join('\n')}\n`;
  }

  #number(): number {
    const match = /^-?\d+(\.\d+)?([eE][-+]?\d+)?/.exec(this.#text.slice(this.#pos));
    if (match === null) this.#fail('expected a number');
    this.#pos += match[0].length;
    return Number(match[0]);
  }

  #list(): HclValue[] {
    this.#pos += 1;
    const out: HclValue[] = [];
    for (;;) {
      this.#skip(true);
      if (this.#peek() === ']') {
        this.#pos += 1;
        return out;
      }
      out.push(this.#value());
      this.#skip(true);
      if (this.#peek() === ',') {
        this.#pos += 1;
        continue;
      }
      if (this.#peek() !== ']')
        this.#fail(`expected "," or "]" in the list, found ${describe(this.#peek())}`);
    }
  }

  #object(): Record<string, HclValue> {
    this.#pos += 1;
    const out: Record<string, HclValue> = {};
    for (;;) {
      this.#skip(true);
      if (this.#peek() === '}') {
        this.#pos += 1;
        return out;
      }
      const key = this.#peek() === '"' ? this.#string() : this.#identifier('a key');
      if (Object.hasOwn(out, key)) this.#fail(`the key ${key} appears twice in this object`);
      this.#skip(false);
      const sep = this.#peek();
      if (sep !== '=' && sep !== ':') this.#fail(`expected "=" or ":" after the key ${key}`);
      this.#pos += 1;
      this.#skip(true);
      out[key] = this.#value();
      this.#skip(false);
      if (this.#peek() === ',') {
        this.#pos += 1;
        continue;
      }
      const next = this.#peek();
      if (next !== '\n' && next !== '}' && !this.#atComment())
        this.#fail(`expected a new line, "," or "}" after ${key}'s value, found ${describe(next)}`);
    }
  }

  #identifier(what: string): string {
    const match = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(this.#text.slice(this.#pos));
    if (match === null) this.#fail(`expected ${what}, found ${describe(this.#peek())}`);
    this.#pos += match[0].length;
    return match[0];
  }

  #expect(char: string, why: string): void {
    if (this.#peek() !== char)
      this.#fail(`expected "${char}" ${why}, found ${describe(this.#peek())}`);
    this.#pos += 1;
  }

  #atComment(): boolean {
    return (
      this.#peek() === '#' ||
      this.#text.startsWith('//', this.#pos) ||
      this.#text.startsWith('/*', this.#pos)
    );
  }

  /** Skips blanks and comments; new lines too when `newlines`. */
  #skip(newlines: boolean): void {
    for (;;) {
      const c = this.#text[this.#pos];
      if (c === ' ' || c === '\t' || (newlines && c === '\n')) {
        this.#pos += 1;
      } else if (c === '#' || (c === '/' && this.#text[this.#pos + 1] === '/')) {
        while (this.#pos < this.#text.length && this.#text[this.#pos] !== '\n') this.#pos += 1;
      } else if (c === '/' && this.#text[this.#pos + 1] === '*') {
        const end = this.#text.indexOf('*/', this.#pos + 2);
        if (end === -1) this.#fail('this comment is not closed with */');
        this.#pos = end + 2;
      } else {
        return;
      }
    }
  }

  #peek(): string | undefined {
    return this.#text[this.#pos];
  }

  #line(): number {
    return this.#text.slice(0, this.#pos).split('\n').length;
  }

  #fail(detail: string): never {
    const before = this.#text.slice(0, this.#pos);
    const line = before.split('\n').length;
    const column = this.#pos - before.lastIndexOf('\n');
    throw new TfvarsSyntaxError(this.#file, line, column, detail);
  }
}

function describe(c: string | undefined): string {
  if (c === undefined || c === '') return 'the end of the file';
  if (c === '\n') return 'the end of the line';
  return `"${c}"`;
}
