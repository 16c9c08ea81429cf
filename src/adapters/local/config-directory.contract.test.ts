import { runDirectoryContract } from '../../../test/contracts/directory-contract.js';
import { ConfigDirectory } from './config-directory.js';

runDirectoryContract('the config directory (sandbox)', {
  people: [
    { id: 'alice@example.com', email: 'alice@example.com', handle: 'alice', group: 'developers' },
    { id: 'bob@example.com', email: 'bob@example.com', handle: 'bob', group: 'approvers' },
  ],
  create: () =>
    Promise.resolve({
      directory: new ConfigDirectory({
        users: [
          {
            id: 'alice@example.com',
            name: 'alice',
            displayName: 'Alice',
            email: 'alice@example.com',
            mfa: true,
            groups: ['developers'],
          },
          {
            id: 'bob@example.com',
            name: 'bob',
            displayName: 'Bob',
            email: 'bob@example.com',
            mfa: true,
            groups: ['approvers'],
          },
        ],
        groups: [
          { name: 'developers', members: ['alice@example.com'] },
          { name: 'approvers', members: ['bob@example.com'] },
        ],
      }),
    }),
});
