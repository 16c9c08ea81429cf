// Identifiers as a port, so tests get predictable ids and production gets random ones.

export interface Ids {
  /** A new unique id with the given prefix, e.g. `g_01J...`. */
  next(prefix: string): string;
}

/** Sequential ids for tests: `g_1`, `g_2`, ... */
export class SequentialIds implements Ids {
  #n = 0;
  next(prefix: string): string {
    this.#n += 1;
    return `${prefix}_${this.#n}`;
  }
}
