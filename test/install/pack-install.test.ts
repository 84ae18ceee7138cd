/**
 * reward-router as a dependency: `npm pack`, then `npm install` of the tarball in an empty project, offline (npm's
 * cache only, which `npm ci` of this repository filled), with no environment variable and no setting of ours.
 * Then a script in that project scores rollouts with the lexicon adapter, writes a report through the library,
 * runs an ONNX model on the CPU, and the installed `reward-router` bin writes a report too.
 *
 * The project gets a lockfile made from this repository's (its production dependencies, at the versions the tests
 * ran with), as a project that commits its lockfile has: npm then needs no registry metadata, so the install stays
 * on this machine. Everything it installs comes from the npm registry's tarballs in the cache.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repositoryRoot } from '../helpers/cli.js';
import { temporaryFolder } from '../helpers/files.js';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** npm's own configuration reaches child processes as npm_* variables (`npm test` sets many): none may leak in. */
function cleanEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^npm_/i.test(key) && !/^ONNXRUNTIME/i.test(key)) env[key] = value;
  return { ...env, NO_UPDATE_NOTIFIER: '1' };
}

function run(command: string, args: string[], cwd: string, timeoutMs = 120_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: cleanEnvironment(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

interface LockEntry {
  readonly dev?: boolean;
  readonly [field: string]: unknown;
}

/** The consumer's lockfile: reward-router from the tarball, and this repository's production dependencies. */
async function consumerLockfile(tarball: string, tarballName: string): Promise<object> {
  const lock = JSON.parse(await readFile(join(repositoryRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const manifest = JSON.parse(await readFile(join(repositoryRoot, 'package.json'), 'utf8')) as Record<string, unknown>;
  const integrity = `sha512-${createHash('sha512').update(await readFile(tarball)).digest('base64')}`;
  const packages: Record<string, unknown> = {
    '': { name: 'consumer', version: '1.0.0', dependencies: { 'reward-router': `file:${tarballName}` } },
    'node_modules/reward-router': {
      version: manifest.version,
      resolved: `file:${tarballName}`,
      integrity,
      license: manifest.license,
      dependencies: manifest.dependencies,
      peerDependencies: manifest.peerDependencies,
      peerDependenciesMeta: manifest.peerDependenciesMeta,
      bin: manifest.bin,
      engines: manifest.engines,
    },
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || entry.dev) continue;
    // A lockfile written with omit-lockfile-registry-resolved has no tarball URLs; npm would then ask the registry
    // for metadata. With the URL (npm's default form) and the integrity, the tarball comes from the cache.
    const name = typeof entry.name === 'string' ? entry.name : path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const resolved = entry.resolved ?? `https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${String(entry.version)}.tgz`;
    packages[path] = { ...entry, resolved };
  }
  return { name: 'consumer', version: '1.0.0', lockfileVersion: 3, requires: true, packages };
}

const SCRIPT = `
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { measureRolloutsDetailed, RewardRouterError, scoreRollouts, writeReport } from 'reward-router';
import { createLexiconModel } from 'reward-router/adapters/lexicon';
import { createOnnxRewardModel } from 'reward-router/adapters/onnx';

const prompts = ['Review the film.', 'Describe your holiday.', 'How was the cafe?', 'Rate the concert.'];
const completions = [' Wonderful, moving and brilliant.', ' Dull and far too long.', ' It was fine.', ' A lovely, happy surprise!'];
await writeFile('rollouts.jsonl', prompts.map((prompt, i) => JSON.stringify({ prompt_id: 'p' + i, prompt, completions: completions.map((c, j) => completions[(i + j) % 4]) })).join('\\n') + '\\n');
const models = ['afinn', 'wink', 'vader'].map((name) => createLexiconModel({ id: name, name, template: '{completion}' }));
const scored = await scoreRollouts({ rollouts: 'rollouts.jsonl', out: 'scored.jsonl', models });
const details = await measureRolloutsDetailed('scored.jsonl', { reference: 'vader', bootstrapResamples: 100 });
const files = await writeReport('report', details, { input: { rollouts: 'scored.jsonl' } });

// ONNX on the CPU with no extra install: the package's own model, through onnxruntime-web.
const path = fileURLToPath(new URL('./node_modules/reward-router/models/bow-rm', import.meta.url));
const bow = await createOnnxRewardModel({ id: 'bow', path });
const onnx = await bow.score([{ prompt: '', completion: 'What a wonderful, happy day.' }, { prompt: '', completion: 'A terrible, sad failure.' }]);
await bow.close();
// Asking for the native runtime, which this project does not have, says how to get it.
const native = await createOnnxRewardModel({ id: 'native', path, backend: 'node' }).then(() => null, (error) => ({ code: RewardRouterError.isInstance(error) ? error.code : 'other', message: error.message }));
process.stdout.write(JSON.stringify({ scored, selected: details.report.selected, files, onnx, native }));
`;

describe('installing the packed package into an empty project, offline', () => {
  it('installs with no network, no env var and no config warning, and a script there scores, reports and runs ONNX', async () => {
    expect(existsSync(join(repositoryRoot, 'dist', 'src', 'index.js')), 'dist is built by `npm test` before the tests run').toBe(true);
    const folder = await temporaryFolder('reward-router-pack-');

    const pack = await run('npm', ['pack', '--pack-destination', folder, '--json', '--offline'], repositoryRoot);
    expect(pack.code, pack.stderr).toBe(0);
    const [{ filename, files }] = JSON.parse(pack.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const packed = files.map((file) => file.path);
    expect(packed).toContain('dist/src/index.js');
    expect(packed).toContain('models/bow-rm/onnx/model.onnx');
    expect(packed.filter((path) => path.startsWith('test/') || path.startsWith('src/') || path === '.npmrc')).toEqual([]);

    const project = join(folder, 'project');
    await run('mkdir', ['-p', project], folder);
    const tarballName = `../${filename}`;
    await writeFile(join(project, 'package.json'), `${JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module', dependencies: { 'reward-router': `file:${tarballName}` } }, null, 2)}\n`);
    await writeFile(join(project, 'package-lock.json'), `${JSON.stringify(await consumerLockfile(join(folder, filename), tarballName), null, 2)}\n`);

    const install = await run('npm', ['install', '--offline', '--no-audit', '--no-fund'], project, 180_000);
    expect(install.code, install.stderr).toBe(0);
    const output = `${install.stdout}\n${install.stderr}`;
    expect(output).not.toMatch(/Unknown (project|user|env|cli|global|builtin) config/i);
    expect(output).not.toMatch(/onnxruntime-node|nuget|cuda/i);
    // npm 11 lists dependencies whose install scripts the project has not reviewed (protobufjs, a version check, comes
    // with onnxruntime-web); that notice is the only kind of warning, and reward-router itself is not in it.
    const warnings = output.split('\n').filter((line) => /^npm warn/i.test(line));
    expect(warnings.filter((line) => !line.startsWith('npm warn install-scripts')), output).toEqual([]);
    expect(output).not.toMatch(/reward-router@[^\s]+ \(/);
    // onnxruntime-node is an optional peer: not installed, so its CUDA download never runs. The web runtime is.
    expect(existsSync(join(project, 'node_modules', 'onnxruntime-node'))).toBe(false);
    expect(existsSync(join(project, 'node_modules', 'onnxruntime-web'))).toBe(true);

    await writeFile(join(project, 'score.mjs'), SCRIPT);
    const script = await run(process.execPath, ['score.mjs'], project);
    expect(script.stderr).toBe('');
    expect(script.code).toBe(0);
    const result = JSON.parse(script.stdout) as { scored: { records: number }; selected: string; files: Record<string, string>; onnx: number[]; native: { code: string; message: string } };
    expect(result.scored.records).toBe(4);
    expect(['afinn', 'wink']).toContain(result.selected);
    expect((await readdir(join(project, 'report'))).sort()).toEqual(['report.html', 'report.json', 'report.md']);
    const report = JSON.parse(await readFile(join(project, 'report', 'report.json'), 'utf8'));
    expect(report.generator.version).toBe(JSON.parse(await readFile(join(repositoryRoot, 'package.json'), 'utf8')).version);
    expect(report.input.rollouts).toBe('scored.jsonl');
    expect(result.onnx[0]).toBeGreaterThan(0);
    expect(result.onnx[1]).toBeLessThan(0);
    expect(result.native.code).toBe('MODEL_LOAD_ERROR');
    expect(result.native.message).toContain('npm install onnxruntime-node');

    // The bin works from the project too.
    const bin = join(project, 'node_modules', '.bin', 'reward-router');
    const cli = await run(bin, ['report', '--rollouts', 'scored.jsonl', '--reference', 'vader', '--out', 'report-cli', '--quiet'], project);
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    expect(JSON.parse(await readFile(join(project, 'report-cli', 'report.json'), 'utf8')).selected).toBe(result.selected);
  }, 300_000);
});
