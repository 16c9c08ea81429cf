// The published JSON Schema of jit.config.yaml (schema/jit.config.schema.json): editors use
// it, so it must accept every example, refuse each broken config whose mistake is in one key's
// shape, and agree with the loader on what it cannot see (cross-key checks stay with
// `jit config validate`).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CONFIG_SCHEMA_FILE } from '../../src/config/config-json-schema.js';
import { BROKEN_CONFIGS } from '../support/broken-configs.js';
import { ROOT } from '../support/jit-process.js';

const schema = JSON.parse(await readFile(join(ROOT, CONFIG_SCHEMA_FILE), 'utf8')) as object;
const ajv = new Ajv({ strict: true, allowUnionTypes: true, allErrors: true });
addFormats.default(ajv);
const validate = ajv.compile(schema);

function errorsOf(text: string): string[] {
  const ok = validate(parse(text) as unknown);
  return ok ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

describe('the config JSON Schema', () => {
  it('is draft-07, compiles in strict mode and names every top-level key', () => {
    expect((schema as { $schema: string }).$schema).toBe('http://json-schema.org/draft-07/schema#');
    const properties = Object.keys((schema as { properties: object }).properties);
    expect(properties).toEqual(expect.arrayContaining(['mode', 'roles', 'permissionSets', 'aws']));
  });

  for (const example of ['jit.config.yaml', 'jit.live.config.yaml']) {
    it(`accepts examples/${example}, which carries the modeline`, async () => {
      const text = await readFile(join(ROOT, 'examples', example), 'utf8');
      expect(text.split('\n')[0]).toBe(
        '# yaml-language-server: $schema=../schema/jit.config.schema.json',
      );
      expect(errorsOf(text)).toEqual([]);
    });
  }

  for (const broken of BROKEN_CONFIGS.filter((c) => c.jsonSchema === 'rejects')) {
    it(`refuses ${broken.name}`, () => {
      expect(errorsOf(broken.text())).not.toEqual([]);
    });
  }

  for (const broken of BROKEN_CONFIGS.filter((c) => c.jsonSchema === 'accepts')) {
    it(`leaves ${broken.name} to jit config validate (a cross-key or content check)`, () => {
      expect(errorsOf(broken.text())).toEqual([]);
    });
  }

  it('gives durations in their YAML form and requires what the loader requires', () => {
    const defs = JSON.stringify(schema);
    expect(defs).toContain('"default":"PT8H"');
    const role = (
      schema as {
        properties: { roles: { additionalProperties: { required: string[] } } };
      }
    ).properties.roles.additionalProperties;
    expect(role.required).toEqual(['permissionSet', 'eligibility']);
  });
});
