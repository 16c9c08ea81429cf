// The CSRF check of cookie-signed-in changes: where the token travels, and the refusal.

export const csrfRefusal = {
  code: 'ERR_FORBIDDEN' as const,
  message:
    'this request is signed in by cookie, so it needs the x-csrf-token header; get the token from GET /v1/auth/session',
};

export function csrfHeader(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): string | undefined {
  const value = headers['x-csrf-token'];
  return typeof value === 'string' ? value : undefined;
}
