// A manager uploads a GBK-encoded CSV (as Chinese Excel saves it), sees the guessed column
// mapping, finds a bad row in the dry run, fixes the file, and imports it.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BASE_URL, DB, PROJECTS, launch, open, login, press, shot, waitForHydration } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/// A fixture with `@@` replaced by a tag: ASCII is the same bytes in GBK, so the Chinese text
/// stays GBK while each run gets its own names and ids.
function gbkFixture(file, tag) {
  const bytes = readFileSync(join(import.meta.dirname, '..', 'fixtures', file)).toString('latin1');
  return Buffer.from(bytes.replaceAll('@@', tag), 'latin1');
}

async function uploadFile(page, buffer) {
  await page.goto(`${BASE_URL}/import`);
  await page.getByTestId('import-file').setInputFiles({ name: '客户导入.csv', mimeType: 'text/csv', buffer });
  await page.getByTestId('import-upload').click();
  await page.waitForURL(/\/import\/\d+$/);
  await page.getByTestId('import-summary').waitFor();
  await waitForHydration(page);
}

for (const project of PROJECTS) {
  describe(`imports, ${project.name} (${DB})`, () => {
    test('a GBK file: mapping guessed, a bad row found in the dry run, the fixed file imported', async () => {
      const tag = `${project.name === 'phone' ? 'P' : 'D'}${Date.now() % 100000}`;
      const { context, page } = await open(browser, project);
      await login(page, 'manager');
      await page.waitForURL(`${BASE_URL}/dashboard`);

      await uploadFile(page, gbkFixture('customers-gbk-bad.csv', tag));
      assert.match(await page.getByTestId('import-summary').textContent(), /2 行数据，编码 GB18030/);
      assert.equal(await page.getByTestId('map-0').inputValue(), 'external_id');
      assert.equal(await page.getByTestId('map-1').inputValue(), 'name');
      assert.equal(await page.getByTestId('map-3').inputValue(), 'stage');
      await shot(page, `import-mapping-${project.name}.png`);
      await press(page.getByTestId('dry-run'), project);
      const errors = page.getByTestId('import-errors');
      await errors.waitFor();
      const row = errors.locator('tbody tr');
      assert.equal(await row.count(), 1);
      assert.deepEqual((await row.first().locator('td').allTextContents()).map((t) => t.trim()), ['3', '客户阶段', '客户阶段', '请从列表中选择']);
      await shot(page, `import-dry-run-${project.name}.png`);

      await uploadFile(page, gbkFixture('customers-gbk-fixed.csv', tag));
      await press(page.getByTestId('dry-run'), project);
      await page.getByTestId('import-report').getByText('试运行：2 行，将新建 2 条、更新 0 条。尚未写入任何数据。').waitFor();
      await press(page.getByTestId('commit-import'), project);
      await page.locator('[data-testid="import-report"][data-committed="true"]').getByText('导入完成：新建 2 条，更新 0 条。').waitFor();
      await shot(page, `import-done-${project.name}.png`);

      await page.goto(`${BASE_URL}/customers?q=${encodeURIComponent(`无锡星河导入测试${tag}`)}`);
      await page.getByRole('link', { name: `无锡星河导入测试${tag}有限公司` }).first().waitFor();
      // The list as shown, downloaded: the search applies to the export too.
      const href = await page.getByTestId('export-csv').getAttribute('href');
      const csv = await (await page.request.get(`${BASE_URL}${href}`)).text();
      const lines = csv.replace(/^\uFEFF/, '').trim().split('\n');
      assert.equal(lines.length, 2, csv);
      assert.match(lines[0], /^客户名称,简称,客户阶段,负责人/);
      assert.match(lines[1], new RegExp(`^无锡星河导入测试${tag}有限公司,,VIP 客户,陈志强,0510-88889999`));
      await shot(page, `import-exported-list-${project.name}.png`);
      assert.deepEqual(page.errors, []);
      await context.close();
    });
  });
}
