import { describe, expect, it } from 'vitest';
import { graphOperation } from './graph-client.js';

describe('graphOperation (the metrics label of a Graph request)', () => {
  it('keeps the path below the version and turns ids into {id}, so labels stay few', () => {
    const base = 'https://graph.microsoft.com/v1.0';
    expect(graphOperation('GET', new URL(`${base}/groups?$filter=x`))).toBe('GET /groups');
    expect(
      graphOperation('GET', new URL(`${base}/groups/0f5a9c1e-1234-4abc-9def-0123456789ab/members`)),
    ).toBe('GET /groups/{id}/members');
    expect(graphOperation('GET', new URL(`${base}/users/bob@example.com`))).toBe('GET /users/{id}');
    expect(
      graphOperation(
        'POST',
        new URL(`${base}/identityGovernance/privilegedAccess/group/assignmentScheduleRequests`),
      ),
    ).toBe('POST /identityGovernance/privilegedAccess/group/assignmentScheduleRequests');
    expect(graphOperation('GET', new URL("http://127.0.0.1:4567/beta/groups('x')"))).toBe(
      'GET /{id}',
    );
  });
});
