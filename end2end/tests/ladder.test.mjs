// A manager confirms a ladder suggestion in one click; the customer file says who, when and why.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, DB, PROJECTS, launch, open, login, press, shot, waitForHydration } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

for (const project of PROJECTS) {
  describe(`ladder, ${project.name} (${DB})`, () => {
    test('a manager confirms a suggested stage and the customer file shows it with its reason', async () => {
      const { context, page } = await open(browser, project);
      await login(page, 'manager');
      await page.waitForURL(`${BASE_URL}/dashboard`);
      await page.goto(`${BASE_URL}/customers/ladder`);
      const panel = page.getByTestId('ladder-suggestions');
      await panel.waitFor();
      await waitForHydration(page);
      await shot(page, `ladder-${project.name}.png`);
      const before = Number(await panel.locator('h2 .count').textContent());
      assert.ok(before > 0, 'the demo company has customers whose orders call for another stage');
      const first = panel.locator('li.suggestion').first();
      const customerId = await first.getAttribute('data-customer');
      const name = (await first.locator('.suggestion-main a').textContent()).trim();
      const target = (await first.locator('.suggestion-change .badge').nth(1).textContent()).trim();
      const reason = (await first.locator('.suggestion-change .muted').textContent()).trim();
      await press(first.getByRole('button', { name: '确认' }), project);
      await page.getByTestId('ladder-confirmed').waitFor();
      assert.equal((await page.getByTestId('ladder-confirmed').textContent()).trim(), '已调整 1 家客户的阶段');
      await panel.locator(`li.suggestion[data-customer="${customerId}"]`).waitFor({ state: 'detached' });
      assert.equal(Number(await panel.locator('h2 .count').textContent()), before - 1);

      await page.goto(`${BASE_URL}/customers/${customerId}`);
      await page.getByTestId('customer-name').waitFor();
      assert.equal((await page.getByTestId('customer-name').textContent()).trim(), name);
      assert.equal((await page.locator('.customer-header .badge').first().textContent()).trim(), target);
      await page.getByTestId('timeline').getByText(reason).first().waitFor();
      assert.deepEqual(page.errors, []);
      await context.close();
    });
  });
}
