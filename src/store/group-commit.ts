// Group commit: independent writes that arrive while another commits share one transaction, so a burst
// (10,000 removals recorded as a shift ends) pays one commit, and one fsync, per batch
// instead of one per write. Each caller's promise settles when its batch has committed,
// exactly as if it had run its own transaction: its work sees the writes of the batch's
// earlier work (one transaction), and if any work in a batch throws, the batch is rolled
// back and each work is run again in a transaction of its own, so only the one that failed
// fails. Work must touch nothing but `tx` (as for Store.transaction): it may be run twice.
import type { Store, StoreTransaction } from './store.js';

interface Pending {
  readonly work: (tx: StoreTransaction) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

export class GroupCommit {
  readonly #store: Pick<Store, 'transaction'>;
  readonly #maxBatch: number;
  #pending: Pending[] = [];
  #running: Promise<void> | undefined;

  constructor(store: Pick<Store, 'transaction'>, options: { readonly maxBatch?: number } = {}) {
    this.#store = store;
    this.#maxBatch = Math.max(1, options.maxBatch ?? 256);
  }

  /** Runs `work` in the next batch's transaction; resolves once that batch committed. */
  run<T>(work: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.#kick();
    });
  }

  #kick(): void {
    if (this.#running) return;
    this.#running = this.#drain().finally(() => {
      this.#running = undefined;
      if (this.#pending.length > 0) this.#kick();
    });
  }

  async #drain(): Promise<void> {
    // No timer: the first write goes at once, and those that arrive while a batch commits
    // form the next one (classic group commit; nothing waits that need not).
    const batch = this.#pending.splice(0, this.#maxBatch);
    if (batch.length === 0) return;
    let results: unknown[];
    try {
      results = await this.#store.transaction(async (tx) => {
        const out: unknown[] = [];
        for (const item of batch) out.push(await item.work(tx));
        return out;
      });
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      for (const item of batch) {
        try {
          item.resolve(await this.#store.transaction(item.work));
        } catch (alone) {
          item.reject(alone);
        }
      }
      return;
    }
    batch.forEach((item, index) => {
      item.resolve(results[index]);
    });
  }
}
