// Foundation journeys, in a desktop (1280×800) and a phone (390×844, touch) project.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, DB, PROJECTS, launch, open, login, press, shot, waitForHydration } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

for (const project of PROJECTS) {
  describe(`${project.name} (${DB})`, () => {
    test('a manager signs in, sees the shell, switches language and logs out', async () => {
      const { context, page } = await open(browser, project);
      await page.goto(`${BASE_URL}/login`);
      await shot(page, `login-${project.name}.png`);
      await login(page, 'manager');
      await page.waitForURL(`${BASE_URL}/dashboard`);
      await page.getByRole('heading', { name: '你好，陈志强' }).waitFor();
      await waitForHydration(page);
      const nav = page.locator('nav.app-nav');
      assert.equal(await nav.isVisible(), true);
      assert.equal(await nav.locator('a.nav-link').count(), 6, 'six sections, no settings for a manager');
      await page.getByTestId('dashboard-manager').waitFor();
      assert.ok(await page.getByTestId('dash-leader').count() > 0, "this month's ranking of the team");
      await shot(page, `dashboard-${project.name}.png`);

      // In-app navigation is client-side once hydrated: a marker on window survives it.
      await page.evaluate(() => { window.__stay = 1; });
      await press(nav.getByRole('link', { name: '客户' }), project);
      await page.waitForURL(`${BASE_URL}/customers`);
      await page.getByTestId('customer-list').waitFor();
      assert.equal(await page.evaluate(() => window.__stay), 1, 'navigation reloaded the page: not hydrated');

      try {
        await press(page.locator('.user-menu summary'), project);
        await press(page.getByRole('button', { name: 'English' }), project);
        await page.getByRole('heading', { name: 'Customers' }).waitFor();
        assert.equal(await page.getAttribute('html', 'lang'), 'en');
        await page.reload();
        await page.getByRole('heading', { name: 'Customers' }).waitFor();
        await press(page.locator('.user-menu summary'), project);
        await press(page.getByRole('button', { name: '中文' }), project);
        await page.getByRole('heading', { name: '客户' }).waitFor();
      } catch (error) {
        // The language is kept per account: left in English, every later test of this manager
        // would fail on the words, hiding what went wrong here.
        await page.request.post(`${BASE_URL}/api/set_locale`, { form: { locale: 'zh-CN' } }).catch(() => {});
        throw error;
      }

      await press(page.locator('.user-menu[open] [data-testid="logout"]'), project);
      await page.waitForURL(`${BASE_URL}/login`);
      await page.goto(`${BASE_URL}/dashboard`);
      await page.waitForURL(`${BASE_URL}/login`);
      assert.deepEqual(page.errors, []);
      await context.close();
    });

    test('a wrong password shows an error at the password field', async () => {
      const { context, page } = await open(browser, project);
      await login(page, 'rep', 'not-the-password');
      const message = page.locator('.field-error[data-field="password"]');
      await message.waitFor();
      assert.equal(await message.textContent(), '用户名或密码错误');
      assert.equal(await page.getAttribute('input[name="password"]', 'aria-invalid'), 'true');
      assert.equal(new URL(page.url()).pathname, '/login');
      await context.close();
    });

    test('a rep opening Settings gets a forbidden page', async () => {
      const { context, page } = await open(browser, project);
      await login(page, 'rep');
      await page.waitForURL(`${BASE_URL}/dashboard`);
      const response = await page.goto(`${BASE_URL}/settings`);
      assert.equal(response.status(), 403);
      await page.getByRole('heading', { name: '没有权限' }).waitFor();
      assert.equal(await page.getByTestId('users-table').count(), 0);
      await context.close();
    });

    test('the admin creates a user in Settings and sees it listed', async () => {
      const { context, page } = await open(browser, project);
      await login(page, 'admin');
      await page.waitForURL(`${BASE_URL}/dashboard`);
      await page.goto(`${BASE_URL}/settings`);
      await waitForHydration(page);
      const username = `e2e.${project.name}`;
      const form = page.locator('#user-form');
      await form.locator('input[name="form[username]"]').fill('x');
      await form.locator('button[type="submit"]').click();
      await form.locator('.field-error[data-field="display_name"]').waitFor();
      assert.equal(await form.locator('.field-error[data-field="username"]').textContent(), '至少 3 个字符');
      await form.locator('input[name="form[username]"]').fill(username);
      await form.locator('input[name="form[display_name]"]').fill('司马相如测试');
      await form.locator('select[name="form[team_id]"]').selectOption({ label: '南京组' });
      await form.locator('input[name="form[password]"]').fill('password-123');
      await form.locator('button[type="submit"]').click();
      await page.getByTestId('users-table').getByText(username).waitFor();
      await shot(page, `settings-${project.name}.png`);
      await context.close();
    });

    test('Settings fits the screen, and the audit search finds entries by who made them', async () => {
      const { context, page } = await open(browser, project);
      await login(page, 'admin');
      await page.waitForURL(`${BASE_URL}/dashboard`);
      await page.goto(`${BASE_URL}/settings`);
      await waitForHydration(page);
      const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.equal(await overflow(), 0, 'no sideways scrolling on /settings');
      await page.goto(`${BASE_URL}/settings/audit`);
      await waitForHydration(page);
      const filters = page.getByTestId('audit-filters');
      // Every control sits under its own label.
      for (const name of ['actor', 'kind', 'record', 'from', 'to']) {
        assert.ok(await filters.locator(`label.field [name="${name}"]`).count(), `${name} is labelled`);
      }
      assert.equal(await overflow(), 0, 'no sideways scrolling on /settings/audit');
      await filters.locator('select[name="actor"]').selectOption({ label: '系统管理员' });
      await press(filters.locator('button[type="submit"]'), project);
      await page.waitForURL(/actor=\d+/);
      await page.locator('[data-testid="audit-entry"][data-action="demo_loaded"]').waitFor();
      // A date range that ends before it starts is refused at its field.
      await filters.locator('input[name="from"]').fill('2026-03-02');
      await filters.locator('input[name="to"]').fill('2026-03-01');
      await press(filters.locator('button[type="submit"]'), project);
      await filters.locator('.field-error[data-field="to"]').waitFor();
      await shot(page, `audit-${project.name}.png`);
      assert.deepEqual(page.errors, []);
      await context.close();
    });

    test('with JavaScript disabled, sign-in and the dashboard still work', async () => {
      const { context, page } = await open(browser, project, { javaScriptEnabled: false });
      await page.goto(`${BASE_URL}/login`);
      await page.fill('input[name="username"]', 'director');
      await page.fill('input[name="password"]', 'demo1234');
      await page.click('button[type="submit"].primary');
      await page.waitForURL(`${BASE_URL}/dashboard`);
      await page.getByRole('heading', { name: '你好，王建国' }).waitFor();
      assert.ok(await page.getByTestId('dash-abc').isVisible(), "the director's month, drawn by the server");
      assert.equal(await page.getByTestId('trend-table').locator('tbody tr').count(), 12, 'the trend as a table without JavaScript');
      await context.close();
    });
  });
}
