/** The browser finder: the env override wins and is checked; without it the bundled Chromium is unpacked once. */
import { describe, expect, it } from 'vitest';
import { CHROMIUM_ENV, findChromium } from './browser.js';

describe('findChromium', () => {
  it('uses REWARD_ROUTER_CHROMIUM when set, and says what to do when it points at nothing', async () => {
    await expect(findChromium({ [CHROMIUM_ENV]: '/nonexistent/chrome' })).rejects.toThrow(
      `${CHROMIUM_ENV}=/nonexistent/chrome: no executable there; expected the path of a Chromium or Chrome binary`,
    );
    const bundled = await findChromium({});
    expect(bundled.source).toBe('@sparticuz/chromium');
    expect(await findChromium({ [CHROMIUM_ENV]: bundled.path })).toEqual({ path: bundled.path, source: CHROMIUM_ENV });
  });

  it('unpacks the bundled binary once: a second call returns the same file', async () => {
    const first = await findChromium({});
    const second = await findChromium({});
    expect(second.path).toBe(first.path);
    expect(first.path).toMatch(/node_modules\/\.cache\/reward-router\/chromium-[\d.]+\/chromium$/);
  });
});
