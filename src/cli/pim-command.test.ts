import { describe, expect, it } from 'vitest';
import { checkGraphUrl } from './pim-command.js';

const config = (graphUrl: string, allowInsecureRequests = false) => ({
  issuer: 'https://login.microsoftonline.com/t/v2.0',
  clientId: 'c',
  graphUrl,
  allowInsecureRequests,
  scopes: [],
  roles: [],
});

describe('jit pim activate: where the delegated token may go', () => {
  it('sends it to Microsoft Graph over https', () => {
    expect(() => {
      checkGraphUrl(config('https://graph.microsoft.com/v1.0'), 'https://jit.example.com');
    }).not.toThrow();
    expect(() => {
      checkGraphUrl(config('https://graph.microsoft.us/v1.0'), 'https://jit.example.com');
    }).not.toThrow();
  });

  it('refuses another host, plain http, or insecure requests from a remote server', () => {
    for (const [url, insecure] of [
      ['https://graph.evil.example/v1.0', false],
      ['http://graph.microsoft.com/v1.0', false],
      ['https://graph.microsoft.com/v1.0', true],
    ] as const) {
      expect(() => {
        checkGraphUrl(config(url, insecure), 'https://jit.example.com');
      }).toThrow(/your sign-in token goes only to Microsoft Graph over https/);
    }
  });

  it('lets a server on this machine (the sandbox) name its emulator', () => {
    expect(() => {
      checkGraphUrl(config('http://127.0.0.1:4567/v1.0', true), 'http://127.0.0.1:8400');
    }).not.toThrow();
  });
});
