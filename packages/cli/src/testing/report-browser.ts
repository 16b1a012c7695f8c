import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

/** What a report page did in a real browser. */
export interface ReportPageCheck {
  /** console.error messages (a CSP violation is one). */
  consoleErrors: string[];
  /** Uncaught exceptions in the page. */
  pageErrors: string[];
  /** Every request the page made beyond loading its own file (none expected). */
  requests: string[];
  failedRequests: string[];
  /** alert/confirm/prompt the page opened (an injected script would). */
  dialogs: string[];
  /** The `data-charts-drawn` count the page's script sets when it has drawn every chart. */
  chartsDrawn: number;
  charts: DrawnChart[];
  /** The page's visible text. */
  text: string;
  /** `window.__injected`: set by test data that would run if escaping failed. */
  injected: unknown;
}

export interface DrawnChart {
  id: string;
  type: string;
  labels: string[];
  datasets: { label: string; data: (number | null)[] }[];
  width: number;
  height: number;
  /** Pixels of the canvas that are not transparent (something was drawn). */
  paintedPixels: number;
}

/** The system's Chromium (Debian's `chromium`), or ORG_BUDGETS_CHROMIUM. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = [env['ORG_BUDGETS_CHROMIUM'], '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  const found = candidates.find((path): path is string => !!path && existsSync(path));
  if (!found) {
    throw new Error(
      'Chromium is not installed (looked for ORG_BUDGETS_CHROMIUM, /usr/bin/chromium, /usr/bin/chromium-browser): ' +
        'install it with `apt-get install -y chromium` (npm test does, through scripts/with-tools.sh)',
    );
  }
  return found;
}

/** Runs in the page (the workspace's TypeScript has no DOM types): each canvas, its chart and its pixels. */
const PROBE = `(() => {
  const charts = [...document.querySelectorAll('canvas')].map((canvas) => {
    const chart = window.Chart && window.Chart.getChart(canvas);
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted += 1;
    return {
      id: canvas.id,
      type: chart ? chart.config.type : 'none',
      labels: chart ? (chart.data.labels || []).map(String) : [],
      datasets: chart
        ? chart.data.datasets.map((d) => ({
            label: d.label || '',
            data: d.data.map((v) => (typeof v === 'number' ? v : null)),
          }))
        : [],
      width: canvas.width,
      height: canvas.height,
      paintedPixels: painted,
    };
  });
  return {
    chartsDrawn: Number(document.body.getAttribute('data-charts-drawn') || 0),
    charts,
    text: document.body.innerText,
    injected: window.__injected,
  };
})()`;

/**
 * Opens a report page from its file in headless Chromium (nothing else loaded, no network), waits
 * for its charts, records every error and request, and keeps a screenshot of the whole page.
 */
export async function checkReportInBrowser(
  file: string,
  options: { screenshot?: string } = {},
): Promise<ReportPageCheck> {
  const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, timeout: 120_000 });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, offline: true });
    const page = await context.newPage();
    const url = pathToFileURL(file).href;
    const check: ReportPageCheck = {
      consoleErrors: [],
      pageErrors: [],
      requests: [],
      failedRequests: [],
      dialogs: [],
      chartsDrawn: 0,
      charts: [],
      text: '',
      injected: undefined,
    };
    page.on('console', (message) => {
      if (message.type() === 'error') check.consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => check.pageErrors.push(String(error)));
    page.on('request', (request) => {
      if (request.url() !== url) check.requests.push(request.url());
    });
    page.on('requestfailed', (request) =>
      check.failedRequests.push(`${request.url()}: ${request.failure()?.errorText}`),
    );
    page.on('dialog', (dialog) => {
      check.dialogs.push(dialog.message());
      void dialog.dismiss();
    });

    await page.goto(url, { waitUntil: 'load', timeout: 60_000 });
    await page.waitForSelector('body[data-charts-drawn]', { timeout: 30_000 }).catch(() => undefined);
    Object.assign(check, await page.evaluate<Partial<ReportPageCheck>>(PROBE));
    if (options.screenshot) {
      mkdirSync(dirname(options.screenshot), { recursive: true });
      await page.screenshot({ path: options.screenshot, fullPage: true });
    }
    await context.close();
    return check;
  } finally {
    await browser.close();
  }
}
