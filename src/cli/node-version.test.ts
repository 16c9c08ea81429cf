import { describe, expect, it } from 'vitest';
import { MINIMUM_NODE_MAJOR, nodeVersionProblem } from './node-version.js';

describe('nodeVersionProblem', () => {
  it('accepts the floor and anything newer', () => {
    for (const version of ['24.0.0', '24.21.0', '26.1.0', '100.0.0']) {
      expect(nodeVersionProblem(version), version).toBeUndefined();
    }
  });

  it('refuses older majors in one line naming both versions', () => {
    const problem = nodeVersionProblem('20.20.2');
    expect(problem).toMatch(/needs Node\.js 24 or newer, but this is Node\.js 20\.20\.2; install/);
    expect(problem).not.toMatch(/\n/);
    expect(nodeVersionProblem('22.12.0')).toBeDefined();
    expect(MINIMUM_NODE_MAJOR).toBe(24);
  });

  it('refuses a version it cannot read rather than guessing', () => {
    expect(nodeVersionProblem('')).toBeDefined();
    expect(nodeVersionProblem('v24')).toBeDefined();
  });
});
