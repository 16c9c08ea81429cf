// Plain http is allowed in live mode only to this machine: a URL whose host is a loopback
// address (127.0.0.0/8, ::1) or `localhost`. Everything that crosses a network uses https.

/** Whether `url` names this machine (loopback), so plain http cannot be overheard. */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return false;
  }
  if (host === 'localhost' || host === '[::1]' || host === '::1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Whether live mode may use `url`: https anywhere, http only to loopback. */
export function isAllowedInLive(url: string): boolean {
  return url.startsWith('https://') || (url.startsWith('http://') && isLoopbackUrl(url));
}
