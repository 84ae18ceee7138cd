/** Where the repository root is, found from this file so the scripts run the same from source or from dist/. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function repositoryRoot(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(folder, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'reward-router') return folder;
    const parent = dirname(folder);
    if (parent === folder) throw new Error(`Expected to find the reward-router package.json above ${fileURLToPath(import.meta.url)}`);
    folder = parent;
  }
}

/** The bundled corpus: one sentence a line. */
export const corpusFile = (root: string): string => join(root, 'data', 'corpus', 'sentences.txt');

/** The shipped reward model folder. */
export const modelFolder = (root: string): string => join(root, 'models', 'bow-rm');
