// The references generated from the code (tools/reference/): the config's JSON Schema and
// keys, the CLI and the HTTP API. Each file in the repository must be what the code gives
// now; when one is stale, `npm run docs:generate` rewrites them.
import { describe, expect, it } from 'vitest';
import { renderReferences, staleReferences } from '../../tools/reference/generate.js';

describe('generated references', () => {
  it('are up to date (run `npm run docs:generate` after changing the config, CLI or API)', async () => {
    const files = await renderReferences();
    expect([...files.keys()].sort()).toEqual([
      'docs/reference/cli.md',
      'docs/reference/config.md',
      'docs/reference/http-api.md',
      'docs/reference/openapi.json',
      'schema/jit.config.schema.json',
    ]);
    expect(await staleReferences(files)).toEqual([]);
  });

  it('cover every command and every route', async () => {
    const files = await renderReferences();
    const cli = files.get('docs/reference/cli.md') ?? '';
    for (const command of [
      'jit serve',
      'jit check',
      'jit config schema',
      'jit plan',
      'jit audit verify',
    ]) {
      expect(cli).toContain(`## \`${command}\``);
    }
    const api = files.get('docs/reference/http-api.md') ?? '';
    expect(api).toContain('## POST /v1/requests');
    expect(api).toContain('## GET /v1/audit');
  });
});
