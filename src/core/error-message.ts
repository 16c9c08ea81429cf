// Turns anything thrown into a one-line message, without stacks.

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  const json = JSON.stringify(error) as string | undefined;
  return json ?? String(error);
}
