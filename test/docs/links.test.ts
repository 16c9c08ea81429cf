// Every relative link in README.md and docs/ leads somewhere: the file exists, and a
// `#fragment` into a Markdown file names one of its headings (GitHub's slugs) or an explicit
// `<a id>`. Links inside code are not links; web links are not fetched (tests stay local).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/jit-process.js';
import { markdownFiles } from '../support/markdown-blocks.js';

/** The file's text with fenced blocks and inline code blanked (their links are not links). */
function prose(text: string): string[] {
  const lines = text.split('\n');
  let fence: string | undefined;
  return lines.map((line) => {
    const open = /^\s*(`{3,}|~{3,})/.exec(line);
    if (fence !== undefined) {
      if (open?.[1]?.startsWith(fence)) fence = undefined;
      return '';
    }
    if (open?.[1] !== undefined) {
      fence = open[1];
      return '';
    }
    return line.replace(/`[^`]*`/g, '``');
  });
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats
 *  numbered; plus explicit `<a id="...">` and `<a name="...">`. */
function anchorsOf(file: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fence = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (/^\s*(`{3,}|~{3,})/.test(line)) fence = !fence;
    if (fence) continue;
    for (const match of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(match[1] ?? '');
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading?.[1] === undefined) continue;
    const text = heading[1].replace(/<[^>]+>/g, '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${String(count)}`);
  }
  return anchors;
}

interface Link {
  readonly line: number;
  readonly target: string;
}

function linksOf(file: string): Link[] {
  const links: Link[] = [];
  for (const [index, line] of prose(readFileSync(join(ROOT, file), 'utf8')).entries()) {
    for (const match of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      links.push({ line: index + 1, target: match[1] ?? '' });
    }
  }
  return links;
}

const files = markdownFiles();

describe('links in the docs', () => {
  it('finds the docs and their links (not a rubber stamp)', () => {
    expect(files.length).toBeGreaterThan(10);
    expect(files.flatMap(linksOf).length).toBeGreaterThan(50);
  });

  for (const file of files) {
    it(`${file}: every relative link resolves`, () => {
      const broken: string[] = [];
      for (const { line, target } of linksOf(file)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: ...
        const [path = '', fragment] = target.split('#');
        const resolved = path === '' ? join(ROOT, file) : join(ROOT, dirname(file), path);
        const where = `${file}:${String(line)} → ${target}`;
        if (!existsSync(resolved)) {
          broken.push(`${where}: no ${relative(ROOT, resolved)}`);
          continue;
        }
        if (fragment === undefined || fragment === '') continue;
        if (!resolved.endsWith('.md') || statSync(resolved).isDirectory()) continue;
        if (!anchorsOf(resolved).has(decodeURIComponent(fragment).toLowerCase())) {
          broken.push(`${where}: no heading #${fragment} in ${relative(ROOT, resolved)}`);
        }
      }
      expect(broken).toEqual([]);
    });
  }
});
