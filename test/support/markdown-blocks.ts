// The fenced code blocks of the repository's Markdown (README.md and docs/), with where each
// starts, for the tests that run the docs' shell blocks and parse their diagrams.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './jit-process.js';

export interface CodeBlock {
  /** Relative to the repository root, e.g. `docs/getting-started.md`. */
  readonly file: string;
  /** The line of the opening fence (1-based). */
  readonly line: number;
  /** The fence's info string, e.g. `sh runnable` or `mermaid`. */
  readonly info: string;
  readonly text: string;
}

/** README.md and every Markdown file under docs/, in a stable order. */
export function markdownFiles(): string[] {
  const files = ['README.md'];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.md')) files.push(relative(ROOT, path));
    }
  };
  walk(join(ROOT, 'docs'));
  return files;
}

/** The fenced blocks (``` or ~~~, three or more) of one Markdown file. */
export function codeBlocks(file: string): CodeBlock[] {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const open = /^(\s*)(`{3,}|~{3,})(.*)$/.exec(lines[i] ?? '');
    if (open === null) continue;
    const [, indent = '', fence = '', info = ''] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j += 1) {
      const line = lines[j] ?? '';
      const close = line.trim();
      if (close.length >= fence.length && close === (fence[0] ?? '`').repeat(close.length)) break;
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line);
    }
    blocks.push({ file, line: i + 1, info: info.trim(), text: body.join('\n') });
    i = j;
  }
  return blocks;
}
