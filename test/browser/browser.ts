/**
 * Browser tests' harness: Debian's chromium (never a downloaded browser) driven by
 * playwright-core, headless, with a fresh profile and nothing that talks to the network; a page
 * whose errors and requests are recorded; screenshots under test/browser/output (git-ignored).
 *
 * Without chromium the tests skip, unless FER_REQUIRE_BROWSER=1 (set by .ci/run after it has
 * installed chromium), where a missing browser fails them.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { HAVE_SHARED_DATA, SHARED_DATA_ABSENT } from '../shared-data.js';

export const CHROMIUM = '/usr/bin/chromium';
export const OUTPUT = fileURLToPath(new URL('./output/', import.meta.url));
export const DEFAULT_MODEL = fileURLToPath(new URL('../../models/default', import.meta.url));

const HAVE_MODEL = existsSync(join(DEFAULT_MODEL, 'model.onnx'));
const REQUIRED = process.env.FER_REQUIRE_BROWSER === '1';

/** The tap `skip` value of a browser test: false to run it. */
export const BROWSER_SKIP: string | false = !HAVE_SHARED_DATA
  ? SHARED_DATA_ABSENT
  : !HAVE_MODEL
    ? 'models/default is absent'
    : existsSync(CHROMIUM) || REQUIRED
      ? false
      : `${CHROMIUM} is absent (apt-get install chromium; FER_REQUIRE_BROWSER=1 makes this a failure)`;

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Chromium with extra flags (e.g. a fake camera); playwright gives each launch a fresh profile. */
export function launch(extraArgs: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is absent: install Debian's chromium (apt-get install -y chromium)`);
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extraArgs], headless: true, timeout: 60_000 });
}

/** A page with its uncaught errors, console errors and requests recorded. */
export interface WatchedPage {
  page: Page;
  /** Uncaught exceptions and console errors. */
  errors: string[];
  /** Every URL the page asked for that is not on 127.0.0.1 (data: and blob: URLs are local). */
  foreign: string[];
  /** Every URL requested. */
  requests: string[];
  /** `status METHOD path` of every answer with status >= 400. */
  failed: string[];
}

export async function watchedPage(context: BrowserContext): Promise<WatchedPage> {
  const page = await context.newPage();
  page.setDefaultTimeout(60_000); // the test machine may be busy
  const w: WatchedPage = { page, errors: [], foreign: [], requests: [], failed: [] };
  page.on('pageerror', (err) => w.errors.push(`pageerror: ${err.message}`));
  // Chromium logs every 4xx/5xx answer as a console error; those are in `failed`, for the tests
  // to say which they expect.
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/^Failed to load resource: the server responded with a status of/.test(msg.text())) w.errors.push(`console: ${msg.text()}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400) w.failed.push(`${res.status()} ${res.request().method()} ${new URL(res.url()).pathname}`);
  });
  context.on('request', (req) => {
    const url = new URL(req.url());
    w.requests.push(req.url());
    if (!(url.protocol === 'data:' || url.protocol === 'blob:' || url.hostname === '127.0.0.1')) w.foreign.push(req.url());
  });
  return w;
}

/** Saves a full-page screenshot as test/browser/output/<name>.png; returns the path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(OUTPUT, { recursive: true });
  const path = join(OUTPUT, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** The RGBA of canvas pixel (x, y) in the page. */
export function canvasPixel(page: Page, selector: string, x: number, y: number): Promise<number[]> {
  return page.$eval(
    selector,
    (el, [px, py]) => {
      const ctx = (el as HTMLCanvasElement).getContext('2d');
      if (!ctx) throw new Error('no 2d context');
      return Array.from(ctx.getImageData(px, py, 1, 1).data);
    },
    [Math.round(x), Math.round(y)] as const,
  );
}

/** #rrggbb as [r, g, b]. */
export const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
