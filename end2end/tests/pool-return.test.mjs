// The lead-pool job with a clock we control: run last (see Cargo.toml's end2end-cmd), because it
// moves the clock a month on for every customer.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { BASE_URL, DB, PROJECTS, launch, open, login, press, shot, waitForHydration } from './browser.mjs';

const JINGXI = process.env.JINGXI_BIN ?? join(process.env.CARGO_TARGET_DIR ?? join(import.meta.dirname, '..', '..', 'target'), 'release', 'jingxi');

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

function runPoolJob(daysAhead) {
  const asOf = new Date(Date.now() + daysAhead * 86400000).toISOString();
  return execFileSync(JINGXI, ['jobs', 'pool-return', '--as-of', asOf], { encoding: 'utf8', env: process.env });
}

for (const project of PROJECTS) {
  describe(`lead pool, ${project.name} (${DB})`, () => {
    test('a customer nobody followed up for 30 days goes back to the pool, and the rep is told', async () => {
      const { context, page } = await open(browser, project);
      await login(page, 'rep');
      await page.waitForURL(`${BASE_URL}/dashboard`);
      // Claim one from the pool, so the rep certainly owns a customer the job will look at.
      await page.goto(`${BASE_URL}/customers?view=pool`);
      await waitForHydration(page);
      const card = page.getByTestId('customer-list').locator('li').first();
      const name = (await card.locator('a.customer-name').textContent()).trim();
      await press(card.getByRole('button', { name: '领取' }), project);
      // The claim has gone through once the pool list, refetched, no longer shows the customer.
      await page.getByTestId('customer-list').getByRole('link', { name, exact: true }).waitFor({ state: 'detached' });
      await page.goto(`${BASE_URL}/customers?q=${encodeURIComponent(name)}`);
      await page.getByTestId('customer-list').getByRole('link', { name, exact: true }).waitFor();

      const output = runPoolJob(31);
      assert.match(output, /^[1-9]\d* customers returned to the lead pool/);

      await page.goto(`${BASE_URL}/customers?q=${encodeURIComponent(name)}`);
      await page.getByTestId('customer-total').or(page.locator('.empty-state')).first().waitFor();
      assert.equal(await page.getByTestId('customer-list').getByRole('link', { name, exact: true }).count(), 0, 'no longer the rep\'s');
      await page.goto(`${BASE_URL}/customers?view=pool&q=${encodeURIComponent(name)}`);
      await page.getByTestId('customer-list').getByRole('link', { name, exact: true }).waitFor();

      const bell = page.getByTestId('notification-bell');
      await press(bell, project);
      await page.waitForURL(`${BASE_URL}/notifications`);
      // The rep may have lost many customers at once: the message names at most ten and counts all.
      await page.getByTestId('notifications').getByText(/家客户超过 30 天没有你的跟进，已退回公海/).first().waitFor();
      await shot(page, `notifications-${project.name}.png`);
      assert.deepEqual(page.errors, []);
      await context.close();
    });
  });
}
