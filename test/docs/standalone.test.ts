/**
 * The project stands on its own: nothing a user gets (README, docs/, the sources and their comments, adapters,
 * examples) points at a design file or a folder outside the repository, and every relative link in the Markdown
 * leads to a file that exists.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const TEXT = /\.(md|ts|py|sh|json|html)$/;

async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(join(root, folder), { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && TEXT.test(entry.name))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

const shipped = async () => ['README.md', ...(await Promise.all(['docs', 'src', 'adapters', 'examples'].map(filesUnder))).flat()];

describe('the project stands on its own', () => {
  it('no shipped file mentions a design document or ../shared', async () => {
    const files = await shipped();
    expect(files.length).toBeGreaterThan(50);
    const hits: string[] = [];
    for (const file of files) {
      const lines = (await readFile(join(root, file), 'utf8')).split('\n');
      lines.forEach((line, index) => {
        if (/\bDESIGN\b|\.\.\/shared\b/.test(line)) hits.push(`${file}:${index + 1}: ${line.trim()}`);
      });
    }
    expect(hits).toEqual([]);
  });

  it('every relative link in README.md and docs/ points at a file of the repository', async () => {
    const markdown = (await shipped()).filter((file) => file.endsWith('.md') && !file.startsWith('src/'));
    const broken: string[] = [];
    for (const file of markdown) {
      const text = await readFile(join(root, file), 'utf8');
      for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = match[1].split('#')[0];
        if (target === '' || /^[a-z]+:/.test(target)) continue;
        const path = join(root, dirname(file), target);
        if (!path.startsWith(root) || !existsSync(path)) broken.push(`${file}: ${match[1]}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
