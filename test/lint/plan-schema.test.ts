// schemas/plan.schema.json is what a pull-request bot validates `jit plan --json` against.
// It is generated from the zod schema of the plan document; this fails when it is stale.
// To regenerate: UPDATE_SCHEMAS=1 npx vitest run test/lint/plan-schema.test.ts
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planJsonSchema } from '../../src/plan/plan-document.js';
import { ROOT } from '../support/jit-process.js';

const FILE = join(ROOT, 'schemas', 'plan.schema.json');

describe('schemas/plan.schema.json', () => {
  it('is the JSON Schema of the plan document, as generated', async () => {
    const generated = planJsonSchema();
    if (process.env['UPDATE_SCHEMAS'] === '1')
      await writeFile(FILE, `${JSON.stringify(generated, null, 2)}\n`);
    const committed = JSON.parse(await readFile(FILE, 'utf8')) as unknown;
    expect(
      committed,
      'schemas/plan.schema.json is stale: UPDATE_SCHEMAS=1 npx vitest run test/lint/plan-schema.test.ts',
    ).toEqual(generated);
  });
});
