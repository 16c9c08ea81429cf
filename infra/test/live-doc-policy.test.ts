// docs/live.md shows the controller's derived policy for the live example; this keeps it
// the derivation's output (UPDATE_DOCS=1 rewrites the block).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { expect, it } from 'vitest';
import { derivePermissions } from '../lib/controller-permissions.js';
import { REPO_ROOT, variantDeployment } from './support.js';

const DOC = join(REPO_ROOT, 'docs/live.md');
const START = '<!-- derived-controller-policy:start -->';
const END = '<!-- derived-controller-policy:end -->';

it('docs/live.md shows the derived controller policy for examples/jit.live.config.yaml', async () => {
  const { config, settings } = variantDeployment();
  const aws = config.aws!;
  const { statements } = derivePermissions(REPO_ROOT, 'controller', {
    partition: 'aws',
    instanceArn: aws.instanceArn!,
    identityStoreId: aws.identityStoreId!,
    organizationAccount: settings.organization.account,
    organizationId: settings.organization.organizationId,
    revocationEnabled: true,
    scpCreatedBy: 'controller',
    ...(aws.revocation.targetId === undefined
      ? {}
      : { revocationTargetId: aws.revocation.targetId }),
    ...(config.server.controller.failSafe.roleArn === undefined
      ? {}
      : {
          failSafe: {
            scheduleGroup: config.server.controller.failSafe.scheduleGroup,
            roleArn: config.server.controller.failSafe.roleArn,
            ...(aws.region === undefined ? {} : { region: aws.region }),
          },
        }),
  });
  // As Prettier prints it inside the Markdown (the lint formats the docs).
  const json = await format(
    JSON.stringify({ Version: '2012-10-17', Statement: statements }, null, 2),
    {
      ...(await resolveConfig(DOC)),
      parser: 'json',
    },
  );
  const block = `${START}\n\n\`\`\`json\n${json}\`\`\`\n\n${END}`;
  const doc = readFileSync(DOC, 'utf8');
  const current = doc.slice(doc.indexOf(START), doc.indexOf(END) + END.length);
  if (process.env['UPDATE_DOCS'] === '1') writeFileSync(DOC, doc.replace(current, block));
  else expect(current).toBe(block);
});
