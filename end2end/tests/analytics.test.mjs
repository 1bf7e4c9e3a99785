// ABC analysis: a manager opens it on a desktop (from the menu, so the chart library loads after
// hydration) and on a phone (directly), sees the Pareto chart drawn, the class summary and the
// coloured cards, and the CSV export holds the same numbers as the page.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, DB, PROJECTS, launch, open, login, press, shot, waitForHydration } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const fen = (text) => Math.round(Number(text.replace(/[¥,\s]/g, '')) * 100);

/// Class → { customers, fen } from the export's rows (header: rank,…,value,share,cumulative_share,class).
function classesOfCsv(csv) {
  const [header, ...rows] = csv.replace(/^\uFEFF/, '').trim().split('\n');
  const columns = header.split(',');
  const value = columns.indexOf('value');
  const cls = columns.indexOf('class');
  const classes = {};
  for (const row of rows) {
    // Names may be quoted and hold commas: read the fixed columns from the end.
    const cells = row.split(',');
    const fromEnd = columns.length - 1;
    const klass = cells[cells.length - (fromEnd - cls) - 1];
    const amount = cells[cells.length - (fromEnd - value) - 1];
    classes[klass] ??= { customers: 0, fen: 0 };
    classes[klass].customers += 1;
    classes[klass].fen += fen(amount);
  }
  return classes;
}

describe(`abc analysis (${DB})`, () => {
  for (const project of PROJECTS) {
    test(`a manager sees the ABC chart, classes and cards on a ${project.name}, and the CSV agrees`, async () => {
      const { context, page } = await open(browser, project);
      await login(page, 'manager');
      await page.waitForURL(`${BASE_URL}/dashboard`);
      if (project.hasTouch) {
        await page.goto(`${BASE_URL}/analytics/abc`);
      } else {
        await waitForHydration(page);
        await press(page.locator('.nav-links a[href="/analytics"]'), project);
        await page.waitForURL(`${BASE_URL}/analytics`);
      }
      await page.getByTestId('abc-summary').waitFor();
      await waitForHydration(page);
      assert.match(await page.getByTestId('abc-rule').textContent(), /累计占比低于 80% 时为 A 类/);

      // ECharts draws into the box (a canvas), from the site's own copy of the library.
      await page.locator('#pareto-chart canvas').first().waitFor({ timeout: 20_000 });
      assert.ok(await page.evaluate(() => typeof window.echarts === 'object'));

      // Cards: coloured by class, the A cards first.
      const cards = page.getByTestId('abc-card');
      assert.ok(await cards.count() > 0, 'the A customers are listed');
      assert.equal(await cards.first().locator('.abc').textContent(), 'A');
      const border = await cards.first().evaluate((el) => getComputedStyle(el).borderLeftColor);
      assert.equal(border, 'rgb(47, 111, 222)', 'A cards are blue like the A bars');

      // The export has the same numbers as the tiles.
      const href = await page.getByTestId('export-csv').getAttribute('href');
      const csv = await (await page.request.get(`${BASE_URL}${href}`)).text();
      const fromCsv = classesOfCsv(csv);
      for (const klass of ['A', 'B', 'C']) {
        const tile = page.getByTestId(`abc-class-${klass}`);
        const money = await tile.locator('.figure-value').textContent();
        const hint = await tile.locator('.figure-hint').textContent();
        const customers = Number(hint.match(/(\d+) 位客户/)[1]);
        assert.deepEqual({ customers, fen: fen(money) }, fromCsv[klass] ?? { customers: 0, fen: 0 }, `class ${klass}`);
      }
      assert.equal(await page.getByTestId('abc-card').first().isVisible(), true);

      // The B cards, one tap away.
      await press(page.getByTestId('abc-class-B'), project);
      await page.waitForURL(/class=B/);
      await page.locator('[data-testid="abc-card"] .abc', { hasText: 'B' }).first().waitFor();
      assert.deepEqual(page.errors, []);
      await page.getByTestId('abc-summary').scrollIntoViewIfNeeded();
      await shot(page, `abc-${project.name}.png`);
      await context.close();
    });
  }
});

describe(`rep performance (${DB})`, () => {
  for (const project of PROJECTS) {
    test(`a manager ranks the team on a ${project.name}, re-sorts it, and the CSV agrees`, async () => {
      const { context, page } = await open(browser, project);
      await login(page, 'manager');
      await page.waitForURL(`${BASE_URL}/dashboard`);
      await page.goto(`${BASE_URL}/analytics/abc`);
      await waitForHydration(page);
      await press(page.locator('.tabs a[href="/analytics/reps"]'), project);
      await page.waitForURL(`${BASE_URL}/analytics/reps`);
      await page.getByTestId('leaderboard').waitFor();
      await page.locator('#leaderboard-chart canvas').first().waitFor({ timeout: 20_000 });

      // The manager's own team only, ranked by sales: ranks never go down the table.
      const rows = page.getByTestId('leaderboard-row');
      const names = await rows.locator('.person-name').allTextContents();
      assert.ok(names.includes('张伟') && names.includes('王芳'), names.join());
      assert.ok(!names.includes('刘洋'), 'another team stays hidden');
      const ranks = (await rows.locator('td.rank').allTextContents()).map(Number);
      assert.deepEqual([...ranks].sort((a, b) => a - b), ranks);

      // Ranked by payments from the column heading.
      await press(page.locator('[data-testid="leaderboard"] th a', { hasText: '回款' }), project);
      await page.waitForURL(/sort=payments/);
      await page.locator('th[aria-sort="descending"]', { hasText: '回款' }).waitFor();
      const paymentsColumn = await page.locator('[data-testid="leaderboard"] thead th').evaluateAll((cells) => cells.findIndex((c) => c.textContent.includes('回款')));
      const payments = await page.getByTestId('leaderboard-row').evaluateAll((trs, i) => trs.map((tr) => tr.children[i].textContent), paymentsColumn);
      const amounts = payments.map(fen);
      assert.deepEqual([...amounts].sort((a, b) => b - a), amounts, 'highest payments first');

      // The export's total line holds the page's total sales.
      const href = await page.getByTestId('export-csv').getAttribute('href');
      const csv = (await (await page.request.get(`${BASE_URL}${href}`)).text()).replace(/^\uFEFF/, '').trim().split('\n');
      const header = csv[0].split(',');
      const total = csv[csv.length - 1].split(',');
      assert.equal(total[header.indexOf('name')], 'total');
      assert.equal(fen(total[header.indexOf('sales')]), fen(await page.getByTestId('total-sales').textContent()));
      assert.deepEqual(page.errors, []);
      await shot(page, `reps-${project.name}.png`);
      await context.close();
    });
  }
});

describe(`customer analysis (${DB})`, () => {
  for (const project of PROJECTS) {
    test(`a manager sees the customer composition on a ${project.name}, regroups it, and reads a customer's trend and worth`, async () => {
      const { context, page } = await open(browser, project);
      await login(page, 'manager');
      await page.waitForURL(`${BASE_URL}/dashboard`);
      await page.goto(`${BASE_URL}/analytics/abc`);
      await waitForHydration(page);
      await press(page.locator('.tabs a[href="/analytics/customers"]'), project);
      await page.waitForURL(`${BASE_URL}/analytics/customers`);
      await page.getByTestId('composition-table').waitFor({ state: 'attached' });
      await page.locator('#composition-chart canvas').first().waitFor({ timeout: 20_000 });
      assert.match(await page.getByTestId('value-formula').textContent(), /客户终身价值 = 客户年均毛利 × 预计剩余合作年数/);

      // The groups add up to the total, and the export's total line holds the page's total.
      const sales = (await page.locator('[data-testid="composition-row"] td:nth-child(4)').allTextContents()).map(fen);
      const total = fen(await page.getByTestId('total-sales').textContent());
      assert.ok(total > 0, 'the demo team sold something this year');
      assert.equal(sales.reduce((a, b) => a + b, 0), total);
      const href = await page.getByTestId('export-csv').getAttribute('href');
      const csv = (await (await page.request.get(`${BASE_URL}${href}`)).text()).replace(/^\uFEFF/, '').trim().split('\n');
      const header = csv[0].split(',');
      assert.equal(fen(csv[csv.length - 1].split(',')[header.indexOf('sales')]), total);

      // New or returning, one tap away; the same total.
      await press(page.getByTestId('by-age'), project);
      await page.waitForURL(/by=age/);
      await page.locator('[data-testid="composition-row"][data-key="returning"]').waitFor({ state: 'attached' });
      assert.equal(fen(await page.getByTestId('total-sales').textContent()), total);
      assert.deepEqual(page.errors, []);
      await page.getByTestId('composition-summary').scrollIntoViewIfNeeded();
      await shot(page, `customer-analysis-${project.name}.png`);

      // A customer's file: their sales by month, shares of the company and the region, and worth.
      await page.goto(`${BASE_URL}/analytics/abc`);
      await page.getByTestId('abc-card').first().waitFor();
      const customerHref = await page.locator('[data-testid="abc-card"] a').first().getAttribute('href');
      await page.goto(`${BASE_URL}${customerHref}`);
      await page.getByTestId('last-12').waitFor();
      assert.ok(fen(await page.getByTestId('last-12').textContent()) > 0, 'an A customer bought in the last twelve months');
      assert.ok(await page.getByTestId('year-share').count() === 3);
      await page.locator('#customer-trend-chart canvas').first().waitFor({ timeout: 20_000 });
      await page.getByTestId('customer-trend').scrollIntoViewIfNeeded();
      assert.deepEqual(page.errors, []);
      await shot(page, `customer-trend-${project.name}.png`);
      await context.close();
    });
  }
});

describe(`product analysis (${DB})`, () => {
  for (const project of PROJECTS) {
    test(`an administrator ranks products with margin and turnover on a ${project.name}, and enters month-end stock`, async () => {
      const { context, page } = await open(browser, project);
      await login(page, 'admin');
      await page.waitForURL(`${BASE_URL}/dashboard`);
      await page.goto(`${BASE_URL}/analytics/products`);
      await page.getByTestId('product-table').waitFor({ state: 'attached' });
      await waitForHydration(page);
      await page.locator('#product-chart canvas').first().waitFor({ timeout: 20_000 });

      // Ranked by sales, highest first; the seeded stock gives the best seller a turnover.
      const rows = page.getByTestId('product-row');
      const sales = (await rows.locator('td:nth-child(5)').allTextContents()).map(fen);
      assert.deepEqual([...sales].sort((a, b) => b - a), sales);
      assert.match(await rows.first().locator('td:nth-child(10)').textContent(), /次$/);

      // The export lists every product with the page's total.
      const href = await page.getByTestId('export-csv').getAttribute('href');
      const csv = (await (await page.request.get(`${BASE_URL}${href}`)).text()).replace(/^\uFEFF/, '').trim().split('\n');
      assert.equal(csv.length - 1, Number(await page.getByTestId('product-count').textContent()));
      const header = csv[0].split(',');
      const csvTotal = csv.slice(1).reduce((sum, line) => sum + fen(line.split(',').slice(-12)[1]), 0);
      assert.equal(header.slice(-12)[1], 'sales');
      assert.equal(csvTotal, fen(await page.getByTestId('total-sales').textContent()));

      // Month-end stock: an unknown code is refused at its field, a real one is saved.
      const form = page.getByTestId('stock-form');
      await form.locator('input[name="form[product]"]').fill('NO-SUCH-SKU');
      await form.locator('input[name="form[month]"]').fill('2026-10');
      await form.locator('input[name="form[quantity]"]').fill('12');
      await press(form.locator('button[type="submit"]'), project);
      await form.locator('.field-error[data-field="product"]').waitFor();
      page.errors.length = 0; // the refusal above is an error response the browser logs
      const code = await rows.first().getAttribute('data-code');
      await form.locator('input[name="form[product]"]').fill(code);
      // A month no earlier run entered (a month on record changes only at the version shown).
      const unused = `${2100 + (Date.now() % 7000) / 10 | 0}-${project.hasTouch ? '02' : '01'}`;
      await form.locator('input[name="form[month]"]').fill(unused);
      await press(form.locator('button[type="submit"]'), project);
      await page.getByTestId('stock-saved').waitFor();
      assert.deepEqual(page.errors, []);
      await page.getByTestId('product-summary').scrollIntoViewIfNeeded();
      await shot(page, `products-${project.name}.png`);
      await context.close();
    });
  }
});

describe(`funnel (${DB})`, () => {
  for (const project of PROJECTS) {
    test(`a manager finds the leaking stage of each rep on a ${project.name}`, async () => {
      const { context, page } = await open(browser, project);
      await login(page, 'manager');
      await page.waitForURL(`${BASE_URL}/dashboard`);
      await page.goto(`${BASE_URL}/analytics/reps`);
      await waitForHydration(page);
      await press(page.locator('.tabs a[href="/analytics/funnel"]'), project);
      await page.waitForURL(`${BASE_URL}/analytics/funnel`);
      await page.getByTestId('funnel-table').waitFor();
      await page.locator('#funnel-chart canvas').first().waitFor({ timeout: 20_000 });

      // Reached never grows down the funnel, and the won row closes it.
      const reached = (await page.getByTestId('funnel-step').evaluateAll((rows) => rows.map((r) => r.children[1].textContent))).map((t) => Number(t.replace(/,/g, '')));
      assert.ok(reached.length >= 3, reached.join());
      assert.deepEqual([...reached].sort((a, b) => b - a), reached);
      const won = Number((await page.getByTestId('funnel-won').locator('td').first().textContent()).replace(/,/g, ''));
      assert.ok(won <= reached[reached.length - 1]);

      // Each rep of the team, with the stage furthest behind named (or level with the team).
      const people = page.getByTestId('funnel-person');
      assert.ok(await people.count() > 0);
      for (const text of await page.getByTestId('funnel-behind').allTextContents()) {
        assert.match(text, /个百分点|不低于团队/);
      }
      assert.deepEqual(page.errors, []);
      await shot(page, `funnel-${project.name}.png`);
      await context.close();
    });
  }
});

describe(`alerts (${DB})`, () => {
  for (const project of PROJECTS) {
    test(`a manager sees the alert badge, the numbers behind each alert and assigns a task on a ${project.name}`, async () => {
      const { context, page } = await open(browser, project);
      await login(page, 'manager');
      await page.waitForURL(`${BASE_URL}/dashboard`);
      // The job raises alerts when the server starts: wait for its first run.
      for (let attempt = 0; attempt < 10; attempt += 1) {
        await page.goto(`${BASE_URL}/analytics/alerts`);
        await page.getByTestId('alert-counts').waitFor();
        if (await page.getByTestId('alert').count() > 0) break;
        await page.waitForTimeout(1000);
      }
      await waitForHydration(page);
      const badge = page.locator('.nav-links a[href="/analytics"] [data-testid="alert-badge"]');
      assert.ok(Number(await badge.textContent()) > 0, 'the menu counts alerts nobody acted on');
      assert.match(await page.getByTestId('alert-rules').textContent(), /近 30 天销售额低于/);

      // Every alert states the numbers behind it; customer alerts offer to log a follow-up.
      const figures = await page.getByTestId('alert-figures').allTextContents();
      assert.ok(figures.length > 0);
      for (const text of figures) assert.match(text, /\d/, text);
      const id = await page.getByTestId('alert').filter({ hasNot: page.getByTestId('alert-task') }).first().getAttribute('data-alert-id');
      const item = page.locator(`[data-alert-id="${id}"]`);
      const note = `请本周跟进 ${project.name}`;
      await press(item.locator('.task-form summary'), project);
      await item.locator('textarea[name="form[note]"]').fill(note);
      await press(item.getByRole('button', { name: '发送任务' }), project);
      await item.getByTestId('alert-task').filter({ hasText: note }).waitFor();
      assert.match(await item.getByTestId('alert-task').textContent(), /陈志强/);

      // After a reload the task is still there, named by who assigned it.
      await page.reload();
      await page.getByTestId('alert-task').filter({ hasText: note }).waitFor();
      await shot(page, `alerts-${project.name}.png`);

      // One kind at a time, from its tile.
      await page.goto(`${BASE_URL}/analytics/alerts?kind=stale_deal`);
      for (const kind of await page.locator('[data-testid="alert"] .alert-kind').allTextContents()) assert.equal(kind, '商机停滞');
      assert.deepEqual(page.errors, []);
      await context.close();
    });
  }
});

describe(`dashboards (${DB})`, () => {
  for (const project of PROJECTS) {
    test(`a rep's day and a manager's week on a ${project.name}`, async () => {
      const { context, page } = await open(browser, project);
      await login(page, 'rep');
      await page.waitForURL(`${BASE_URL}/dashboard`);
      await page.getByTestId('dashboard-rep').waitFor();
      await waitForHydration(page);
      for (const part of ['dash-agenda', 'dash-alerts', 'dash-trend']) assert.ok(await page.getByTestId(part).isVisible(), part);
      assert.equal(await page.getByTestId('dash-leaderboard').count(), 0, 'the ranking is for managers');
      await page.locator('#trend-chart canvas').first().waitFor({ timeout: 20_000 });
      const columns = await page.getByTestId('dashboard-rep').evaluate((grid) => getComputedStyle(grid).gridTemplateColumns.split(' ').length);
      assert.equal(columns, project.hasTouch ? 1 : 2, 'one column on phones');
      // The trend's table holds twelve months.
      assert.equal(await page.getByTestId('trend-table').locator('tbody tr').count(), 12);
      await shot(page, `dashboard-rep-${project.name}.png`);
      await context.close();

      const manager = await open(browser, project);
      await login(manager.page, 'manager');
      await manager.page.getByTestId('dashboard-manager').waitFor();
      const leaders = manager.page.getByTestId('dash-leader');
      assert.ok(await leaders.count() > 0 && await leaders.count() <= 5);
      assert.ok(await manager.page.getByTestId('dash-funnel').isVisible());
      await manager.page.locator('#trend-chart canvas').first().waitFor({ timeout: 20_000 });
      assert.deepEqual(page.errors, []);
      assert.deepEqual(manager.page.errors, []);
      await shot(manager.page, `dashboard-manager-${project.name}.png`);
      await manager.context.close();
    });
  }
});
