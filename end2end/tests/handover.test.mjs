// A manager hands a leaving rep's customers over; the new rep sees them with their full history.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, DB, PROJECTS, launch, open, login, press, shot, waitForHydration } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// Desktop hands 周杰's customers to 欧阳明月; the phone run hands them back.
const MOVES = {
  desktop: { from: ['zhou.jie', '周杰'], to: ['ouyang.mingyue', '欧阳明月'] },
  phone: { from: ['ouyang.mingyue', '欧阳明月'], to: ['zhou.jie', '周杰'] },
};

async function firstCustomerOf(project, username) {
  const { context, page } = await open(browser, project);
  await login(page, username);
  await page.waitForURL(`${BASE_URL}/dashboard`);
  await page.goto(`${BASE_URL}/customers`);
  const name = (await page.getByTestId('customer-list').locator('a.customer-name').first().textContent()).trim();
  await context.close();
  return name;
}

for (const project of PROJECTS) {
  describe(`handover, ${project.name} (${DB})`, () => {
    test('a manager hands all of a rep\'s customers to another rep, who sees their history', async () => {
      const { from, to } = MOVES[project.name];
      const customer = await firstCustomerOf(project, from[0]);

      const { context, page } = await open(browser, project);
      await login(page, 'manager');
      await page.waitForURL(`${BASE_URL}/dashboard`);
      await page.goto(`${BASE_URL}/customers/handover`);
      const form = page.getByTestId('handover-form');
      await form.waitFor();
      await waitForHydration(page);
      await form.locator('select[name="from"]').selectOption({ label: from[1] });
      await press(form.getByLabel(to[1], { exact: true }), project);
      await shot(page, `handover-${project.name}.png`);
      await press(form.getByRole('button', { name: '交接全部客户' }), project);
      const result = page.getByTestId('handover-result');
      await result.waitFor();
      assert.match(await result.textContent(), /已转移 [1-9]\d* 家客户/);
      assert.deepEqual(page.errors, []);
      await context.close();

      const next = await open(browser, project);
      await login(next.page, to[0]);
      await next.page.waitForURL(`${BASE_URL}/dashboard`);
      await next.page.goto(`${BASE_URL}/customers?q=${encodeURIComponent(customer)}`);
      await press(next.page.getByTestId('customer-list').getByRole('link', { name: customer, exact: true }), project);
      await next.page.getByTestId('customer-name').waitFor();
      assert.equal((await next.page.getByTestId('customer-owner').textContent()).trim(), to[1]);
      await next.page.getByTestId('timeline').getByText(`更换负责人：${from[1]}→${to[1]}`).first().waitFor();
      assert.deepEqual(next.page.errors, []);
      await next.context.close();
    });
  });
}
