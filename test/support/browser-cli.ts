// Runs a `jit` command that signs in through a browser (`--no-browser` prints the URL): once
// the URL is printed, the test is the browser, following redirects and submitting the
// sign-in page's form for `signIn` (the Entra emulator's page, or a provider that signs in
// at once).
import { spawn } from 'node:child_process';
import { CookieJar, followAsBrowser, type PageSignIn } from '../harness/auth-harness.js';
import { OPEN_URL_PROMPT } from '../../src/cli/loopback-login.js';
import { JIT, type CliResult } from './jit-process.js';

export function runJitThroughBrowser(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  signIn?: PageSignIn,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [JIT, ...args, '--no-browser'], {
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let browsing = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const lines = stderr.split('\n');
      const url = lines[lines.indexOf(OPEN_URL_PROMPT) + 1];
      if (!browsing && lines.includes(OPEN_URL_PROMPT) && url) {
        browsing = true;
        followAsBrowser(url, new CookieJar(), undefined, signIn).catch(reject);
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}
