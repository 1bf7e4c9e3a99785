// An administrator adds a pipeline and a lost reason; the board then offers both pipelines.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, DB, PROJECTS, launch, open, login, press, shot, waitForHydration } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

for (const project of PROJECTS) {
  describe(`sales settings, ${project.name} (${DB})`, () => {
    test('an administrator adds a pipeline and a lost reason, and the board switches pipelines', async () => {
      const { context, page } = await open(browser, project);
      await login(page, 'admin');
      await page.waitForURL(`${BASE_URL}/dashboard`);
      await page.goto(`${BASE_URL}/settings/sales`);
      const form = page.getByTestId('new-pipeline');
      await form.waitFor();
      await waitForHydration(page);

      // An empty name is refused at the field; a named one opens its own stages.
      await press(form.getByRole('button', { name: '保存' }), project);
      await form.locator('.field-error, [role="alert"]').first().waitFor();
      page.errors.length = 0; // the refusal above is an error response the browser logs
      const name = `续约业务-${project.name}`;
      await form.locator('input[name="name"]').fill(name);
      await press(form.getByRole('button', { name: '保存' }), project);
      await page.waitForURL(/\/settings\/sales\?pipeline=\d+/);
      await page.locator('#pipelines [aria-current="page"]', { hasText: name }).waitFor();
      assert.ok(await page.getByTestId('stages-table').locator('tbody tr').count() >= 3);

      const reason = `项目取消-${project.name}`;
      const newReason = page.getByTestId('new-lost-reason');
      await newReason.locator('input[name="form[name]"]').fill(reason);
      await press(newReason.getByRole('button', { name: '保存' }), project);
      await page.getByTestId('lost-reasons-table').locator(`input[value="${reason}"]`).waitFor();
      await shot(page, `sales-settings-${project.name}.png`);

      await page.goto(`${BASE_URL}/pipeline`);
      const select = page.getByTestId('pipeline-select');
      await select.waitFor();
      await waitForHydration(page);
      await select.selectOption({ label: name });
      await press(page.locator('form.board-filters').getByRole('button', { name: '筛选' }), project);
      await page.waitForURL(/pipeline=\d+/);
      await page.getByTestId('board').waitFor();
      assert.equal(await page.locator('.deal-card').count(), 0, 'a new pipeline has no deals yet');
      assert.deepEqual(page.errors, []);
      await context.close();
    });
  });
}
