// Shared set-up for the browser tests: Debian's chromium through playwright-core (each launch
// gets a fresh temporary profile), a desktop and a phone project, and a check that no page logs an error (a broken wasm shows up here).
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

// The company's clock (Asia/Shanghai by default) decides days on the server, whatever zone the
// machine runs in: the tests and their browsers read the calendar in the same zone.
export const COMPANY_TZ = process.env.COMPANY_TZ ?? 'Asia/Shanghai';
process.env.TZ = COMPANY_TZ;

/// The company's calendar day `offsetDays` from today, as YYYY-MM-DD.
export function companyDay(offsetDays = 0) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: COMPANY_TZ }).format(new Date(Date.now() + offsetDays * 86400000));
}

export const BASE_URL = process.env.BASE_URL ?? 'http://127.0.0.1:3000';
export const DB = process.env.E2E_DB ?? 'sqlite';
export const SHOTS = process.env.SCREENSHOT_DIR ?? join(import.meta.dirname, '..', 'test-results');
mkdirSync(SHOTS, { recursive: true });

export const PROJECTS = [
  { name: 'desktop', viewport: { width: 1280, height: 800 } },
  { name: 'phone', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
];

/// The server may still be migrating and seeding the demo company when the suites start (the
/// PostgreSQL seed of deals and orders takes a while): wait until it answers.
async function serverReady(timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(`${BASE_URL}/login`);
      if (response.ok) return;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error(`the server at ${BASE_URL} did not answer within ${timeoutMs / 1000}s`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export async function launch() {
  await serverReady();
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

/// A fresh context (own cookies) for a project; collects page errors for `assertNoErrors`.
export async function open(browser, project, options = {}) {
  const { name, ...device } = project;
  const context = await browser.newContext({ ...device, locale: 'zh-CN', timezoneId: COMPANY_TZ, ...options });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (error) => page.errors.push(String(error)));
  page.on('console', (message) => {
    if (message.type() === 'error') page.errors.push(message.text());
  });
  return { context, page };
}

export async function login(page, username, password = 'demo1234') {
  await page.goto(`${BASE_URL}/login`);
  await waitForHydration(page);
  await page.fill('input[name="username"]', username);
  await page.fill('input[name="password"]', password);
  await page.click('button[type="submit"].primary');
}

/// Hydration has run once the wasm module has mounted: leptos removes nothing visible, so we
/// wait until the client router is installed (it handles in-app links without a reload).
export async function waitForHydration(page) {
  await page.waitForFunction(() => performance.getEntriesByType('resource').some((r) => r.name.endsWith('.wasm')));
  await page.waitForLoadState('networkidle');
}

export async function shot(page, file) {
  await page.screenshot({ path: join(SHOTS, file), fullPage: false });
}

/// A tap on touch projects, a click elsewhere: phone journeys use the finger.
export async function press(locator, project) {
  if (project.hasTouch) await locator.tap(); else await locator.click();
}
