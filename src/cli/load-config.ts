// Loads a config file for a command; an invalid file is invalid input (exit 2), every
// problem on its own line.
import type { JitConfig } from '../config/index.js';
import { invalidInput } from './cli-error.js';

export async function loadConfig(path: string): Promise<JitConfig> {
  const { loadConfigFile } = await import('../config/index.js');
  const result = await loadConfigFile(path);
  if (!result.ok) throw invalidInput(`${path} is not valid`, result.errors);
  return result.config;
}
