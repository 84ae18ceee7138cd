/**
 * The one place the browser tests find a real browser, so `npm ci && npm test` works on a fresh machine with
 * nothing installed by hand:
 *
 * 1. `REWARD_ROUTER_CHROMIUM=/path/to/chrome` (any Chromium or Chrome build: Debian's /usr/bin/chromium, a snap,
 *    macOS's Google Chrome) wins when set; it must exist.
 * 2. Otherwise the headless Chromium shipped inside the `@sparticuz/chromium` devDependency (a brotli-compressed
 *    binary in the npm package: nothing is downloaded at install or test time). It is unpacked once into
 *    node_modules/.cache/reward-router/, written under a temporary name and renamed into place, so test files
 *    starting in parallel never launch a half-written binary. That binary is built for Linux x64/arm64.
 *
 * When neither works the tests fail (never skip) with a message saying what to set.
 */
import { constants, createReadStream, createWriteStream, existsSync } from 'node:fs';
import { access, chmod, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress } from 'node:zlib';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM_ENV = 'REWARD_ROUTER_CHROMIUM';

export interface ChromiumExecutable {
  readonly path: string;
  /** Where it came from, for messages. */
  readonly source: string;
}

const require = createRequire(import.meta.url);

/** Unpacks @sparticuz/chromium's bundled binary (once per package version) and returns its path. */
async function unpackBundledChromium(): Promise<string> {
  let entry: string;
  try {
    entry = require.resolve('@sparticuz/chromium');
  } catch (error) {
    throw new Error(`@sparticuz/chromium is not installed (${(error as Error).message}); run \`npm ci\``);
  }
  // The package does not export its package.json: walk up from its entry point to the folder whose package.json
  // names it (build/cjs has a package.json of its own that only sets the module type).
  let folderOfPackage = dirname(entry);
  const isPackageRoot = async (folder: string) =>
    existsSync(join(folder, 'package.json')) && (JSON.parse(await readFile(join(folder, 'package.json'), 'utf8')) as { name?: string }).name === '@sparticuz/chromium';
  while (!(await isPackageRoot(folderOfPackage))) {
    if (dirname(folderOfPackage) === folderOfPackage) throw new Error(`cannot find the package folder of ${entry}`);
    folderOfPackage = dirname(folderOfPackage);
  }
  const packageJson = join(folderOfPackage, 'package.json');
  const { version } = JSON.parse(await readFile(packageJson, 'utf8')) as { version: string };
  const packed = join(dirname(packageJson), 'bin', 'chromium.br');
  if (!existsSync(packed)) throw new Error(`${packed} is missing from @sparticuz/chromium ${version}`);
  const root = dirname(dirname(dirname(packageJson))); // .../node_modules (the package is @sparticuz/chromium)
  const folder = join(root, '.cache', 'reward-router', `chromium-${version}`);
  const binary = join(folder, 'chromium');
  if (existsSync(binary)) return binary;
  await mkdir(folder, { recursive: true });
  const partial = `${binary}.${process.pid}.${Date.now()}.partial`;
  try {
    await pipeline(createReadStream(packed), createBrotliDecompress(), createWriteStream(partial));
    await chmod(partial, 0o755);
    // rename is atomic: a parallel test file either sees no binary or a whole one.
    await rename(partial, binary);
  } finally {
    await rm(partial, { force: true });
  }
  return binary;
}

/** The browser the tests use (see the module comment). Throws a message that says what to do. */
export async function findChromium(env: NodeJS.ProcessEnv = process.env): Promise<ChromiumExecutable> {
  const override = env[CHROMIUM_ENV];
  if (override !== undefined && override !== '') {
    try {
      await access(override, constants.X_OK);
    } catch {
      throw new Error(`${CHROMIUM_ENV}=${override}: no executable there; expected the path of a Chromium or Chrome binary (or unset it to use the one bundled in @sparticuz/chromium)`);
    }
    return { path: override, source: CHROMIUM_ENV };
  }
  if (platform() !== 'linux' || (arch() !== 'x64' && arch() !== 'arm64')) {
    throw new Error(
      `The browser tests need a Chromium: the one bundled in @sparticuz/chromium runs on Linux x64/arm64 only (this is ${platform()}/${arch()}). ` +
        `Set ${CHROMIUM_ENV} to a Chromium or Chrome binary, e.g. ${CHROMIUM_ENV}="/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"`,
    );
  }
  try {
    return { path: await unpackBundledChromium(), source: '@sparticuz/chromium' };
  } catch (error) {
    throw new Error(`The browser tests could not unpack the Chromium bundled in @sparticuz/chromium (${(error as Error).message}); set ${CHROMIUM_ENV} to a Chromium or Chrome binary`);
  }
}

/** Launches the browser headless, offline-friendly (no background networking, no updates, no sync). */
export async function launchChromium(): Promise<Browser> {
  const executable = await findChromium();
  try {
    return await chromium.launch({
      executablePath: executable.path,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  } catch (error) {
    throw new Error(`Could not launch the browser from ${executable.source} (${executable.path}): ${(error as Error).message.split('\n')[0]}; set ${CHROMIUM_ENV} to another Chromium or Chrome binary`);
  }
}
