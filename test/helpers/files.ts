import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** A temporary folder removed after the test file. */
export async function temporaryFolder(prefix = 'reward-router-'): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), prefix));
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });
  return folder;
}

export async function writeJsonl(path: string, rows: unknown[]): Promise<string> {
  await writeFile(path, rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
  return path;
}

/** Writes `config` as `folder/models.json` (the model config `--config` reads); returns its path. */
export async function writeModelConfig(folder: string, config: unknown): Promise<string> {
  const path = join(folder, 'models.json');
  await writeFile(path, JSON.stringify(config));
  return path;
}
