/**
 * The TypeScript snippets in README.md and docs/*.md are compiled against the real sources, so an API change that
 * makes a snippet wrong (a renamed option, a wrong import, a wrong type) fails the tests. Snippets may use
 * placeholder names for the reader's own values (`myVerifier`, `models`); only "cannot find name" errors for such
 * placeholders are allowed.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const folder = join(root, '.tmp', 'doc-snippets');
/** Cannot find name; no value for a shorthand property; implicit any (a parameter of a placeholder callback). */
const PLACEHOLDER_ERRORS = new Set([2304, 2552, 18004, 7006]);

async function snippets(): Promise<Array<{ source: string; code: string }>> {
  const files = ['README.md', ...(await readdir(join(root, 'docs'))).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];
  const found: Array<{ source: string; code: string }> = [];
  for (const file of files) {
    const text = await readFile(join(root, file), 'utf8');
    let index = 0;
    for (const match of text.matchAll(/```(?:ts|typescript)\n([\s\S]*?)```/g)) {
      const code = match[1]
        .replace(/from 'reward-router\/adapters\/([a-z-]+)'/g, "from '../../adapters/$1/index.js'")
        .replace(/from 'reward-router'/g, "from '../../src/index.js'");
      found.push({ source: `${file} snippet ${++index}`, code: `export {};\n${code}` });
    }
  }
  return found;
}

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('documentation snippets', () => {
  it('every TypeScript snippet in README.md and docs/ compiles against the sources', async () => {
    const all = await snippets();
    expect(all.length).toBeGreaterThanOrEqual(5);
    await mkdir(folder, { recursive: true });
    const paths = await Promise.all(
      all.map(async ({ code }, i) => {
        const path = join(folder, `snippet-${i}.ts`);
        await writeFile(path, code);
        return path;
      }),
    );
    const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
    const program = ts.createProgram(paths, { ...config!.options, noEmit: true });
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((diagnostic) => diagnostic.file && paths.includes(diagnostic.file.fileName) && !PLACEHOLDER_ERRORS.has(diagnostic.code))
      .map((diagnostic) => {
        const snippet = all[paths.indexOf(diagnostic.file!.fileName)].source;
        const { line } = diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
        return `${snippet}, line ${line}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
      });
    expect(problems).toEqual([]);
  }, 60_000);
});
