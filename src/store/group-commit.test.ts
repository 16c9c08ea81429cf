import { describe, expect, it } from 'vitest';
import type { Store, StoreTransaction } from './store.js';
import { GroupCommit } from './group-commit.js';

/** A store whose transactions record what each committed (or rolled back). */
function fakeStore() {
  const committed: string[][] = [];
  let rolledBack = 0;
  const store: Pick<Store, 'transaction'> = {
    async transaction<T>(work: (tx: StoreTransaction) => Promise<T>): Promise<T> {
      const writes: string[] = [];
      const tx = { write: (what: string) => writes.push(what) } as unknown as StoreTransaction;
      try {
        const result = await work(tx);
        committed.push(writes);
        return result;
      } catch (error) {
        rolledBack += 1;
        throw error;
      }
    },
  };
  const write = (tx: StoreTransaction, what: string) => {
    (tx as unknown as { write: (w: string) => void }).write(what);
  };
  return { store, committed, write, rolledBack: () => rolledBack };
}

describe('GroupCommit', () => {
  it('commits writes that arrive together in one transaction, each caller getting its own result', async () => {
    const { store, committed, write } = fakeStore();
    const group = new GroupCommit(store);
    const results = await Promise.all(
      ['a', 'b', 'c'].map((what) =>
        group.run((tx) => {
          write(tx, what);
          return Promise.resolve(what.toUpperCase());
        }),
      ),
    );
    expect(results).toEqual(['A', 'B', 'C']);
    // The first goes at once; those that arrived while it committed go together.
    expect(committed).toEqual([['a'], ['b', 'c']]);
  });

  it('when one write fails, rolls the batch back and runs each alone: only that one fails', async () => {
    const { store, committed, write, rolledBack } = fakeStore();
    const group = new GroupCommit(store);
    const outcomes = await Promise.allSettled(
      ['a', 'bad', 'c'].map((what) =>
        group.run((tx) => {
          if (what === 'bad') return Promise.reject(new Error('refused'));
          write(tx, what);
          return Promise.resolve(what);
        }),
      ),
    );
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(committed).toEqual([['a'], ['c']]);
    expect(rolledBack()).toBe(2); // the batch of 'bad' and 'c', then 'bad' alone
  });

  it('caps a batch and carries the rest into the next', async () => {
    const { store, committed, write } = fakeStore();
    const group = new GroupCommit(store, { maxBatch: 2 });
    await Promise.all(
      ['a', 'b', 'c', 'd'].map((what) =>
        group.run((tx) => {
          write(tx, what);
          return Promise.resolve();
        }),
      ),
    );
    expect(committed).toEqual([['a'], ['b', 'c'], ['d']]);
  });
});
