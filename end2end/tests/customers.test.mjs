// Customer journeys on the seeded demo company, desktop and phone.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, DB, PROJECTS, companyDay, launch, open, login, press, shot, waitForHydration } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const isoDate = (offsetDays) => companyDay(offsetDays);

for (const project of PROJECTS) {
  describe(`customers, ${project.name} (${DB})`, () => {
    test('a rep finds a customer, logs a visit with a next date and sees it in My follow-ups', async () => {
      const { context, page } = await open(browser, project);
      await login(page, 'rep');
      await page.waitForURL(`${BASE_URL}/dashboard`);
      await page.goto(`${BASE_URL}/customers`);
      const list = page.getByTestId('customer-list');
      await list.waitFor();
      await shot(page, `customers-${project.name}.png`);
      const first = list.locator('a.customer-name').first();
      const name = (await first.textContent()).trim();
      // Search by part of the name, as a rep would type it on the phone.
      await page.fill('input[name="q"]', name.slice(2, 6));
      await press(page.getByRole('button', { name: '搜索' }), project);
      await page.waitForURL(/q=/);
      await press(page.getByTestId('customer-list').getByRole('link', { name }), project);
      await page.getByTestId('customer-name').waitFor();
      assert.equal((await page.getByTestId('customer-name').textContent()).trim(), name);
      await waitForHydration(page);

      const summary = `${project.name} 拜访：客户要求下周出方案`;
      const next = isoDate(project.name === 'desktop' ? 0 : 2);
      const form = page.locator('#follow-up');
      await form.locator('select[name="form[kind]"]').selectOption('visit');
      await form.locator('input[name="form[summary]"]').fill(summary);
      await form.locator('input[name="form[next_date]"]').fill(next);
      await form.locator('input[name="form[next_action]"]').fill('发送方案');
      await press(form.locator('button[type="submit"]'), project);
      await page.getByTestId('timeline').getByText(summary).waitFor();
      await shot(page, `customer-${project.name}.png`);

      await page.goto(`${BASE_URL}/customers/follow-ups`);
      const agenda = page.getByTestId('agenda');
      await agenda.getByRole('link', { name }).first().waitFor();
      assert.deepEqual(page.errors, []);
      await context.close();
    });

    test('a follow-up without content is refused at the field', async () => {
      const { context, page } = await open(browser, project);
      await login(page, 'rep');
      await page.waitForURL(`${BASE_URL}/dashboard`);
      await page.goto(`${BASE_URL}/customers`);
      await page.getByTestId('customer-list').locator('a.customer-name').first().click();
      await page.getByTestId('customer-name').waitFor();
      await waitForHydration(page);
      await press(page.locator('#follow-up button[type="submit"]'), project);
      const message = page.locator('#follow-up .field-error[data-field="summary"]');
      await message.waitFor();
      assert.equal(await message.textContent(), '此项必填');
      await context.close();
    });
  });
}
