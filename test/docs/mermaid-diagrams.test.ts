// Every ```mermaid diagram in README.md and docs/ parses with Mermaid's own parser (the
// `mermaid` package, in a happy-dom window: its sanitiser wants a DOM), so a diagram that
// GitHub would show as an error fails here first. The docs carry the five diagrams:
// the architecture, an activation's data flow, the session timeline, the multi-account
// layout and the security controls.
import { Window } from 'happy-dom';
import { afterAll, describe, expect, it } from 'vitest';
import { codeBlocks, markdownFiles } from '../support/markdown-blocks.js';

const window = new Window();
Object.assign(globalThis, { window, document: window.document });
const { default: mermaid } = await import('mermaid');

afterAll(async () => {
  await window.happyDOM.close();
});

const diagrams = markdownFiles().flatMap((file) =>
  codeBlocks(file).filter((b) => b.info === 'mermaid'),
);

describe('mermaid diagrams', () => {
  it('the docs have at least the five diagrams', () => {
    expect(diagrams.length).toBeGreaterThanOrEqual(5);
  });

  for (const diagram of diagrams) {
    it(`${diagram.file}:${String(diagram.line)} parses`, async () => {
      const result = await mermaid.parse(diagram.text, { suppressErrors: false });
      expect(result).toMatchObject({ diagramType: expect.any(String) as string });
    });
  }

  it('the parser refuses a broken diagram (it is not a rubber stamp)', async () => {
    await expect(
      mermaid.parse('flowchart LR\n  A -->', { suppressErrors: false }),
    ).rejects.toThrow();
  });
});
