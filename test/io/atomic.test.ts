import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/io/atomic.js';
import { temporaryFolder } from '../helpers/files.js';

describe('writeFileAtomic', () => {
  it('writes the whole file and removes temporaries left by killed writers, keeping live ones', async () => {
    const folder = await temporaryFolder();
    const target = join(folder, 'report.json');
    // pid 2^22 + 1 is above Linux's default pid_max, so no process has it: a killed writer's leftover.
    const stale = `.report.json.${2 ** 22 + 1}.0123abcd.tmp`;
    const live = `.report.json.${process.pid}.89abcdef.tmp`;
    const other = `.other.json.${2 ** 22 + 1}.0123abcd.tmp`;
    for (const name of [stale, live, other]) await writeFile(join(folder, name), 'partial');
    await writeFileAtomic(target, '{"complete": true}\n');
    expect(await readFile(target, 'utf8')).toBe('{"complete": true}\n');
    expect((await readdir(folder)).sort()).toEqual([live, other, 'report.json'].sort());
  });
});
