// A real headless Chromium for the WASM tests: a tiny static server for the repository on
// 127.0.0.1 (port 0), and the Debian `chromium` binary driven by playwright-core with a fresh
// profile. Used by bindings/wasm/test/browser.test.mjs and examples/browser/example.test.mjs.
import { createServer } from 'node:http';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, normalize, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

import { loadVectors } from '../../../../tests/js/load-vectors.mjs';

/** The repository root: what the server serves. */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.toml': 'text/plain; charset=utf-8',
};

/**
 * Serves the repository read-only on 127.0.0.1 at a free port, plus
 * `/__vectors__/manifest.json`: `{ files: ["transport/x.json", ...] }`, every vector file
 * (relative to tests/vectors/), generated from the same loader the Node tests use.
 * Resolves to `{ origin, close }`.
 */
export async function serveRepo(root = REPO_ROOT) {
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (url.pathname === '/__vectors__/manifest.json') {
      const files = loadVectors().map(({ file }) => file.split(sep).join('/'));
      res.writeHead(200, { 'content-type': TYPES['.json'], 'cache-control': 'no-store' });
      res.end(JSON.stringify({ files }));
      return;
    }
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const path = normalize(join(root, decodeURIComponent(url.pathname)));
    const inside = relative(root, path);
    if (inside.startsWith('..') || inside.split(sep).includes('node_modules')) {
      res.writeHead(403).end('forbidden');
      return;
    }
    let file = path;
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    });
    res.end(readFileSync(file));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** The Debian Chromium binary (`command -v chromium`), or null when it is not installed. */
export function chromiumPath() {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      const found = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
      if (found) return found;
    } catch {
      // not on PATH
    }
  }
  return null;
}

/** The flags of TOOLCHAIN.md (the profile folder is passed separately, see `launch`). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * Launches headless Chromium with a fresh `--user-data-dir` in a temp folder (playwright-core
 * passes it for a persistent context) and opens one page. Page errors and console errors are
 * collected in `errors`. Resolves to `{ page, errors, version, close }`; throws with a clear
 * message when Chromium or playwright-core is missing.
 */
export async function launch() {
  const executablePath = chromiumPath();
  if (!executablePath) {
    throw new Error('Chromium is not installed: apt-get install -y chromium (scripts/test-wasm.sh does it as root)');
  }
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (e) {
    throw new Error(`playwright-core is not installed (run npm install at the repository root): ${e.message}`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'breakwater-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 60_000,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  const version = context.browser()?.version() ?? (await page.evaluate(() => navigator.userAgent));
  return {
    page,
    errors,
    version,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * For a node:test file about one page of the repository: serves the repository, launches
 * Chromium and opens `path` before the tests, waits until the page sets
 * `body[data-ready="true"]`, and closes both after them. Returns `{ page(), errors(), text(id) }`.
 */
export function pageUnderTest(path, { before, after }) {
  let server;
  let browser;
  before(async () => {
    server = await serveRepo();
    browser = await launch();
    await browser.page.goto(`${server.origin}${path}`);
    await browser.page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });
  return {
    page: () => browser.page,
    errors: () => browser.errors,
    text: (id) => browser.page.locator(`#${id}`).textContent(),
  };
}
