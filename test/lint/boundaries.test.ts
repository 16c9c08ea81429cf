// The import boundaries of eslint/boundaries.js bite: a deliberate violation of each is
// reported, and the same imports from where they are allowed are not.
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { emulatorBoundaries } from '../../eslint/boundaries.js';

const eslint = new ESLint({
  cwd: new URL('../..', import.meta.url).pathname,
  overrideConfigFile: true,
  overrideConfig: [
    { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } },
    ...emulatorBoundaries,
  ],
});

async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
}

describe('the emulator boundary', () => {
  it('refuses an emulator importing the product (ports, core, adapters, tests)', async () => {
    for (const [file, from] of [
      ['src/emulators/entra/entra-emulator.ts', '../../ports/clock.js'],
      ['src/emulators/identity-center/handlers.ts', '../../core/grant.js'],
      ['src/emulators/identity-center/handlers.ts', '../../adapters/aws/identity-center-errors.js'],
      ['src/emulators/identity-center/handlers.ts', '../../../test/harness/core-fixtures.js'],
      ['src/emulators/emulator-runtime.ts', '../ports/logger.js'],
    ] as const) {
      const found = await problems(file, `import type { X } from '${from}';\nexport type Y = X;\n`);
      expect(found, `${file} → ${from}`).toHaveLength(1);
      expect(found[0]).toMatch(/^no-restricted-imports: .*share no code with the product/);
    }
  });

  it('lets an emulator import its own modules and the other emulator’s', async () => {
    for (const [file, from] of [
      ['src/emulators/entra/entra-emulator.ts', '../emulator-runtime.js'],
      ['src/emulators/entra/entra-emulator.ts', './clock-timer.js'],
      ['src/emulators/entra/provisioning-job.ts', '../identity-center/scim-handlers.js'],
    ] as const) {
      expect(await problems(file, `import { x } from '${from}';\nexport const y = x;\n`)).toEqual(
        [],
      );
    }
  });

  it('refuses the product importing an emulator, outside the sandbox wiring and jit emulate', async () => {
    const code = `import { startIdentityCenterEmulator } from './emulators/identity-center/start-identity-center-emulator.js';\nexport const s = startIdentityCenterEmulator;\n`;
    expect(await problems('src/main.ts', code)).toEqual([
      expect.stringMatching(/^no-restricted-imports: .*only src\/sandbox\//) as unknown as string,
    ]);
    const fromAdapter = `import type { X } from '../../emulators/entra/index.js';\nexport type Y = X;\n`;
    expect(await problems('src/adapters/entra/graph-client.ts', fromAdapter)).toHaveLength(1);
    const sandbox = code.replace('./emulators/', '../emulators/');
    expect(await problems('src/sandbox/identity-center-sandbox.ts', sandbox)).toEqual([]);
    expect(await problems('src/cli/emulate-command.ts', sandbox)).toEqual([]);
  });
});
