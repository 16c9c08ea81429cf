import { describe, expect, it } from 'vitest';
import { isAllowedInLive, isLoopbackUrl } from './loopback.js';

describe('loopback URLs', () => {
  it.each([
    ['http://127.0.0.1:4000/x', true],
    ['http://127.10.0.1/', true],
    ['http://localhost:8400', true],
    ['http://[::1]:8400/', true],
    ['http://127.0.0.1.example.com/', false],
    ['http://10.0.0.1/', false],
    ['not a url', false],
  ])('%s is loopback: %s', (url, expected) => {
    expect(isLoopbackUrl(url)).toBe(expected);
  });

  it('allows https anywhere and http only to loopback in live mode', () => {
    expect(isAllowedInLive('https://login.microsoftonline.com')).toBe(true);
    expect(isAllowedInLive('http://127.0.0.1:4567')).toBe(true);
    expect(isAllowedInLive('http://login.example.com')).toBe(false);
    expect(isAllowedInLive('ftp://127.0.0.1')).toBe(false);
  });
});
