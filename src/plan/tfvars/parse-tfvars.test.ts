import { describe, expect, it } from 'vitest';
import { parseTfvars, TfvarsSyntaxError } from './parse-tfvars.js';

const value = (text: string) => parseTfvars(`x = ${text}\n`, 't.tfvars').get('x')?.value;

function failure(text: string): string {
  try {
    parseTfvars(text, 't.tfvars');
  } catch (error) {
    if (error instanceof TfvarsSyntaxError) return error.message;
    throw error;
  }
  throw new Error('parsed');
}

describe('parseTfvars', () => {
  it('reads literals, lists and objects, with either separator and trailing commas', () => {
    expect(value('"a\\n\\"b\\" \\u00e9"')).toBe('a\n"b" é');
    expect(value('-12.5')).toBe(-12.5);
    expect(value('[true, false, null,]')).toEqual([true, false, null]);
    expect(value('{ a = 1, "b-c": "d" }')).toEqual({ a: 1, 'b-c': 'd' });
    expect(
      value('{\n  a = [\n    "x", # a comment\n    "y"\n  ]\n  // another\n  b = {}\n}'),
    ).toEqual({
      a: ['x', 'y'],
      b: {},
    });
    expect(value('"$${literal}"')).toBe('${literal}');
  });

  it('evaluates jsonencode to its JSON text, keys in order', () => {
    expect(value('jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Deny" }] })')).toBe(
      '{"Version":"2012-10-17","Statement":[{"Effect":"Deny"}]}',
    );
  });

  it('reads heredocs, and strips the common indent of <<-', () => {
    expect(value('<<EOT\n  {"a": 1}\nEOT')).toBe('  {"a": 1}\n');
    expect(value('<<-EOT\n    {\n      "a": 1\n    }\n    EOT')).toBe('{\n  "a": 1\n}\n');
  });

  it('keeps each variable with its line, and refuses one set twice', () => {
    const vars = parseTfvars('/* head */\na = 1\n\nb = "x"\n', 't.tfvars');
    expect([...vars.entries()]).toEqual([
      ['a', { value: 1, line: 2 }],
      ['b', { value: 'x', line: 4 }],
    ]);
    expect(failure('a = 1\na = 2\n')).toBe('t.tfvars:2:2: a is set twice; keep one');
  });

  it('says where and what was expected, for anything outside the subset', () => {
    expect(failure('a = "open\n')).toBe('t.tfvars:1:10: this string is not closed with "');
    expect(failure('a = var.x\n')).toMatch(/^t\.tfvars:1:5: var is a reference/);
    expect(failure('a = "${var.x}"\n')).toMatch(
      /^t\.tfvars:1:6: \$\{\.\.\.\} interpolation is not supported/,
    );
    expect(failure('a = file("p.json")\n')).toMatch(
      /^t\.tfvars:1:5: file\(\.\.\.\) is not supported/,
    );
    expect(failure('a = [1 2]\n')).toMatch(
      /^t\.tfvars:1:8: expected "," or "\]" in the list, found "2"/,
    );
    expect(failure('a = 1 b = 2\n')).toMatch(/^t\.tfvars:1:7: expected the end of the line/);
    expect(failure('resource "x" {\n')).toMatch(/^t\.tfvars:1:10: expected "="/);
    expect(failure('a = <<EOT\nnever closed\n')).toMatch(/the heredoc is not closed with EOT/);
  });
});
