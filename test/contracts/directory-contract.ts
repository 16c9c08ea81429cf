// The contract every Directory must pass: the config's (sandbox) and Entra's through Graph,
// against the Entra emulator. The fixture names people the directory knows, with a group
// each is in.
import { describe, expect, it } from 'vitest';
import type { Directory } from '../../src/ports/directory.js';

export interface DirectoryFixture {
  readonly id: string;
  readonly email: string;
  /** The short name people type (`jit login --as`, config): Entra's mailNickname. */
  readonly handle: string;
  readonly group: string;
}

export interface DirectoryContractOptions {
  readonly create: () => Promise<{ directory: Directory; cleanup?: () => Promise<void> }>;
  /** Two people the directory holds, in different groups. */
  readonly people: readonly [DirectoryFixture, DirectoryFixture];
}

export function runDirectoryContract(name: string, options: DirectoryContractOptions): void {
  const [first, second] = options.people;

  async function withDirectory(test: (directory: Directory) => Promise<void>): Promise<void> {
    const { directory, cleanup } = await options.create();
    try {
      await test(directory);
    } finally {
      await cleanup?.();
    }
  }

  describe(`Directory contract: ${name}`, () => {
    it('finds a person by principal id, e-mail and handle, in any case, as the same person', () =>
      withDirectory(async (directory) => {
        for (const key of [first.id, first.email.toUpperCase(), first.handle, ` ${first.id} `]) {
          const found = await directory.findUser(key);
          expect(found?.id, key).toBe(first.id);
          expect(found?.email.toLowerCase()).toBe(first.email.toLowerCase());
        }
      }));

    it('gives each person the groups they are in, and only theirs', () =>
      withDirectory(async (directory) => {
        const a = await directory.findUser(first.id);
        const b = await directory.findUser(second.id);
        expect(a?.groups).toContain(first.group);
        expect(a?.groups).not.toContain(second.group);
        expect(b?.groups).toContain(second.group);
      }));

    it('knows nobody by a name it does not hold', () =>
      withDirectory(async (directory) => {
        for (const key of ['nobody@example.com', 'nobody', '']) {
          expect(await directory.findUser(key), key).toBeUndefined();
        }
      }));

    it('lists the people it holds, each once', () =>
      withDirectory(async (directory) => {
        const ids = (await directory.listUsers()).map((u) => u.id);
        expect(ids).toEqual(expect.arrayContaining([first.id, second.id]));
        expect(new Set(ids).size).toBe(ids.length);
      }));
  });
}
