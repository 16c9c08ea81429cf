// The JSON Schema (draft-07) of `jit.config.yaml`, derived from the zod schema so that it
// cannot drift: editors with the YAML language server complete and check the file with it
// (schema/jit.config.schema.json, or `jit config schema`). It describes the shape of each key
// (pass 2 of the loader); the checks across keys (references, quorum, durations against each
// other) need the whole file and stay with `jit config validate`.
import { z } from 'zod';
import { fieldShapes, type FieldShape } from './config-fields.js';
import { configSchema } from './config-schema.js';

export type JsonSchema = Record<string, unknown>;

/** Where the schema is published in the repository (and in the npm package). */
export const CONFIG_SCHEMA_FILE = 'schema/jit.config.schema.json';

export function configJsonSchema(): JsonSchema {
  const schema = z.toJSONSchema(configSchema, {
    target: 'draft-7',
    io: 'input',
    override: ({ zodSchema, jsonSchema }) => {
      const json = jsonSchema as JsonSchema;
      const def = zodSchema._zod.def;
      const field = fieldShapes.get(zodSchema);
      if (field !== undefined) Object.assign(json, field.json);
      if (def.type === 'default' || def.type === 'prefault' || def.type === 'optional') {
        const inner = fieldOf(zodSchema);
        // The default is the parsed value (milliseconds); the file holds its YAML form.
        if (inner?.toYaml !== undefined && def.type === 'default') {
          json['default'] = inner.toYaml(def.defaultValue);
        }
        const note = inner?.json['description'];
        if (typeof note === 'string' && typeof json['description'] === 'string') {
          json['description'] = `${json['description']} (${note})`;
        }
      }
      if (def.type === 'object') {
        // A hand-checked field that refuses to be absent is required, though z.unknown()
        // would let zod call it optional.
        const shape = def.shape;
        const required = new Set((json['required'] as string[] | undefined) ?? []);
        for (const [key, value] of Object.entries(shape)) {
          if (fieldShapes.get(value)?.required === true) required.add(key);
        }
        if (required.size > 0) json['required'] = Object.keys(shape).filter((k) => required.has(k));
      }
    },
  }) as JsonSchema;
  return {
    $schema: schema['$schema'],
    $comment: `Generated from src/config/config-schema.ts by \`npm run docs:generate\`; do not edit. Cross-key checks (references, quorum) run in \`jit config validate\`.`,
    title: 'jit.config.yaml',
    description: 'The configuration of JIT Access: permission sets, roles, people and servers.',
    ...Object.fromEntries(Object.entries(schema).filter(([key]) => key !== '$schema')),
  };
}

/** The hand-checked field under optional/default wrappers, if there is one. */
function fieldOf(schema: z.core.$ZodType): FieldShape | undefined {
  let current: z.core.$ZodType | undefined = schema;
  for (let depth = 0; current !== undefined && depth < 4; depth += 1) {
    const shape = fieldShapes.get(current);
    if (shape !== undefined) return shape;
    const def = current._zod.def as { innerType?: z.core.$ZodType };
    current = def.innerType;
  }
  return undefined;
}
