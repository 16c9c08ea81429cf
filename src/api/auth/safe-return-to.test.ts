import { describe, expect, it } from 'vitest';
import { safeReturnTo } from './oidc-login.js';

describe('safeReturnTo', () => {
  it('keeps paths on this server', () => {
    expect(safeReturnTo('/v1/me')).toBe('/v1/me');
    expect(safeReturnTo('/grants?status=active#top')).toBe('/grants?status=active#top');
    expect(safeReturnTo('/a/../b')).toBe('/b');
  });

  it('refuses anything a browser would send to another host', () => {
    for (const value of [
      'https://evil.example/x',
      '//evil.example',
      '/\\evil.example',
      '/.//evil.example',
      '/%2e%2e//evil.example/x',
      '/a/..//evil.example',
      '/./\\evil.example',
      'javascript:alert(1)',
      '/\tx',
      'relative/path',
    ]) {
      expect(safeReturnTo(value), value).toBeUndefined();
    }
  });
});
