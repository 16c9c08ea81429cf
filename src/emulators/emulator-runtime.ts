// The emulators' own small view of time and logging. They share no code with the product's
// adapters (ARCHITECTURE.md §5: both sides are written from the public contract and meet
// only over HTTP), so they do not import its ports either; the product's clocks and pino
// loggers fit these shapes as they are.

/** Epoch milliseconds, on whatever clock drives the emulator (real, or a test's). */
export interface EmulatorClock {
  now(): number;
}

/** pino's calling convention. */
export interface EmulatorLogger {
  debug(fields: Readonly<Record<string, unknown>>, message: string): void;
  info(fields: Readonly<Record<string, unknown>>, message: string): void;
  warn(fields: Readonly<Record<string, unknown>>, message: string): void;
  error(fields: Readonly<Record<string, unknown>>, message: string): void;
}

export const silentEmulatorLogger: EmulatorLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
