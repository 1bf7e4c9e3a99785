// Quotes: a rep quotes a deal, sends it, the customer accepts, a contract follows; a second quote
// at another price for the same product is held until the rep confirms it; the customer file lists
// every quote with its prices.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, DB, PROJECTS, launch, open, login, press, shot, waitForHydration } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function signedIn(project, username) {
  const { context, page } = await open(browser, project);
  await login(page, username);
  await page.waitForURL(`${BASE_URL}/dashboard`);
  return { context, page };
}

async function fillLine(page, index, { product, quantity, price, discount }) {
  const row = page.locator('.quote-line').nth(index);
  if (product !== undefined) await row.locator('select').selectOption({ index: product });
  if (quantity !== undefined) await row.locator('input[name$="[quantity]"]').fill(quantity);
  if (price !== undefined) await row.locator('input[name$="[unit_price]"]').fill(price);
  if (discount !== undefined) await row.locator('input[name$="[discount]"]').fill(discount);
}

PROJECTS.forEach((project, n) => {
  describe(`quotes, ${project.name} (${DB})`, () => {
    test('quote, send, accept, contract; a changed price waits for confirmation', async () => {
      const { context, page } = await signedIn(project, 'rep');
      await page.goto(`${BASE_URL}/pipeline`);
      await page.getByTestId('board').waitFor();
      const deal = await page.locator('.board-column').nth(2 + n).locator('.deal-card').first().getAttribute('data-card');
      await page.goto(`${BASE_URL}/pipeline/deals/${deal}`);
      await page.getByTestId('deal-quotes').waitFor();
      await waitForHydration(page);
      const newQuote = page.getByTestId('deal-quotes').locator('a.button');
      assert.equal(await newQuote.getAttribute('href'), `/pipeline/quotes/new?deal=${deal}`);
      // A client-side navigation: the editor must read this address's deal, not the last page's.
      await newQuote.click();
      await page.waitForURL(`${BASE_URL}/pipeline/quotes/new?deal=${deal}`);
      await page.locator('.quote-form').waitFor();
      await waitForHydration(page);
      // One line only: clear the lines the deal brought and quote 2 × ¥500.00 less 10 %.
      const lines = await page.locator('.quote-line').count();
      for (let i = 1; i < lines; i++) await fillLine(page, i, { product: 0, quantity: '', price: '', discount: '' });
      await fillLine(page, 0, { product: 1, quantity: '2', price: '500', discount: '10' });
      await shot(page, `quote-editor-${project.name}.png`);
      await press(page.locator('.quote-form button[type="submit"]'), project);
      // The demo customer may have accepted this product at another price before: confirm it.
      const confirm = page.locator('input[name="form[confirm_prices]"]');
      await Promise.race([page.waitForURL(/\/pipeline\/quotes\/\d+$/), confirm.waitFor()]);
      if (await confirm.count()) {
        await press(confirm, project);
        await press(page.locator('.quote-form button[type="submit"]'), project);
      }
      await page.waitForURL(/\/pipeline\/quotes\/\d+$/);
      const quote = page.getByTestId('quote');
      await quote.waitFor();
      assert.equal((await page.getByTestId('quote-total').textContent()).trim(), '¥900.00');
      assert.equal((await page.getByTestId('quote-status').textContent()).trim(), '草稿');
      await waitForHydration(page);
      await press(page.locator('button[data-status="sent"]'), project);
      await page.waitForFunction(() => document.querySelector('[data-testid="quote-status"]')?.textContent.trim() === '已发送');
      await press(page.locator('button[data-status="accepted"]'), project);
      await page.waitForFunction(() => document.querySelector('[data-testid="quote-status"]')?.textContent.trim() === '已接受');
      await page.locator('input[name="form[signed_on]"]').fill('2026-11-20');
      await press(page.locator('form:has(input[name="form[quote_id]"]) button[type="submit"]'), project);
      await page.getByTestId('contract').waitFor();
      assert.equal((await page.getByTestId('contract-status').textContent()).trim(), '已签订');
      await shot(page, `quote-accepted-${project.name}.png`);

      // The next quote for the same product at ¥600.00 is held at the price field.
      await page.goto(`${BASE_URL}/pipeline/quotes/new?deal=${deal}`);
      await page.locator('.quote-form').waitFor();
      await waitForHydration(page);
      await page.getByTestId('accepted-prices').waitFor();
      await fillLine(page, 0, { price: '600', discount: '' });
      await press(page.locator('.quote-form button[type="submit"]'), project);
      const warning = page.locator('.field-error[data-field="lines.0.unit_price"]');
      await warning.waitFor();
      assert.match(await warning.textContent(), /¥450\.00/);
      await shot(page, `quote-price-warning-${project.name}.png`);
      await press(page.locator('input[name="form[confirm_prices]"]'), project);
      await press(page.locator('.quote-form button[type="submit"]'), project);
      await page.waitForURL(/\/pipeline\/quotes\/\d+$/);
      assert.equal((await page.getByTestId('quote-status').textContent()).trim(), '草稿');

      // The customer file lists both quotes with their prices.
      const customer = await page.locator('.quote-sheet a[href^="/customers/"]').getAttribute('href');
      await page.goto(`${BASE_URL}${customer}`);
      const listed = page.getByTestId('customer-quotes');
      await listed.locator('details').first().waitFor();
      assert.ok(await listed.locator('details').count() >= 2);
      assert.match(await listed.textContent(), /已接受/);
      await context.close();
    });
  });
});
