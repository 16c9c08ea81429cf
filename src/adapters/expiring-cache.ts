// A map whose entries expire after a fixed time on the injected clock, and whose loads are
// shared: callers asking for a key that is being loaded wait for that one load instead of
// starting their own. Failed loads are not cached. Directory data (ids, names, members)
// changes rarely, but it does change (a user re-provisioned by SCIM gets a new id), so the
// Entra and Identity Center adapters cache it for minutes at most.
import type { Clock } from '../ports/clock.js';

export class ExpiringCache<V> {
  readonly #entries = new Map<string, { value: V; expiresAt: number }>();
  readonly #loading = new Map<string, Promise<V>>();
  readonly #clock: Clock;
  readonly #ttlMs: number;

  constructor(clock: Clock, ttlMs: number) {
    this.#clock = clock;
    this.#ttlMs = ttlMs;
  }

  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (this.#clock.now() >= entry.expiresAt) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V): void {
    if (this.#ttlMs <= 0) return;
    this.#entries.set(key, { value, expiresAt: this.#clock.now() + this.#ttlMs });
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  /** Returns the cached value, or loads it once (shared by concurrent callers) and caches it. */
  getOrLoad(key: string, load: () => Promise<V>): Promise<V> {
    const entry = this.#entries.get(key);
    if (entry !== undefined && this.#clock.now() < entry.expiresAt) {
      return Promise.resolve(entry.value);
    }
    const loading = this.#loading.get(key);
    if (loading !== undefined) return loading;
    const started = load()
      .then((value) => {
        this.set(key, value);
        return value;
      })
      .finally(() => {
        this.#loading.delete(key);
      });
    this.#loading.set(key, started);
    return started;
  }
}
