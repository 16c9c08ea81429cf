// The CDK app's entry (cdk.json runs the compiled file): reads the deployment settings
// (`-c settings=path`, default infra/jit.deploy.yaml) and the product config they name.
// Bad settings print what is wrong and how to fix it, one line each, and exit 2.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { DeploySettingsError, loadDeployment } from '../lib/deploy-settings.js';
import { buildJitApp } from '../lib/jit-app.js';

// dist/infra/bin/jit-infra.js → the repository root (the Dockerfile, the sources).
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const context = new App({ autoSynth: false }).node.tryGetContext('settings') as unknown;
const settingsPath = resolve(typeof context === 'string' ? context : 'jit.deploy.yaml');

try {
  const deployment = loadDeployment(settingsPath);
  const outdir = process.env['CDK_OUTDIR'];
  buildJitApp(deployment, { repoRoot, ...(outdir === undefined ? {} : { outdir }) }).app.synth();
} catch (error) {
  if (!(error instanceof DeploySettingsError)) throw error;
  for (const problem of error.problems) process.stderr.write(`error: ${problem}\n`);
  process.exit(2);
}
