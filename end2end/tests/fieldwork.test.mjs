// Field work on a phone, the loop the issue asks for: a rep plans tomorrow with three visits and
// submits; the manager approves with a comment; the rep checks in at a customer today (sharing the
// location), logs the visit from the prefilled form and submits the day's report; the manager signs
// it off from the team view; the rep's efficiency figures count the visit.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, DB, PROJECTS, companyDay, launch, open, login, press, shot, waitForHydration } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const phone = PROJECTS.find((p) => p.hasTouch);
const isoDay = (offset) => companyDay(offset);

async function visitsOnEfficiency(page, userId) {
  await page.goto(`${BASE_URL}/fieldwork/efficiency`);
  const row = page.locator(`[data-testid="efficiency-row"][data-user-id="${userId}"]`);
  await row.waitFor();
  return Number((await row.locator('td').nth(1).textContent()).replace(/,/g, ''));
}

describe(`field work (${DB})`, () => {
  test('a rep plans, checks in and reports on a phone; the manager approves and signs off', async () => {
    const tomorrow = isoDay(1);
    const rep = await open(browser, phone, { permissions: ['geolocation'], geolocation: { latitude: 31.2304, longitude: 121.4737 } });
    await login(rep.page, 'rep');
    await rep.page.waitForURL(`${BASE_URL}/dashboard`);

    // Tomorrow: three customers from the suggestions, each with a purpose and a time.
    await rep.page.goto(`${BASE_URL}/fieldwork?day=${tomorrow}`);
    await rep.page.getByTestId('add-visit').waitFor();
    await waitForHydration(rep.page);
    const stops = rep.page.getByTestId('stop');
    for (let i = 0; i < 3; i += 1) {
      const candidate = rep.page.getByTestId('candidate').nth(i);
      await candidate.locator('select').selectOption(['take_order', 'collection', 'service'][i]);
      await candidate.locator('input[name="form[time_slot]"]').fill(['09:00-10:00', '10:30-11:30', '14:00-15:00'][i]);
      await press(candidate.getByTestId('add-visit-button'), phone);
      await rep.page.waitForFunction((n) => document.querySelectorAll('[data-testid="stop"]').length === n, i + 1);
    }
    assert.equal(await stops.count(), 3);
    await rep.page.locator('[data-testid="plan-submit"] input[name="form[area]"]').fill('浦东 闵行');
    await press(rep.page.locator('[data-testid="plan-submit"] button[type="submit"]'), phone);
    await rep.page.locator('[data-testid="plan-card"] [data-testid="sheet-status"]', { hasText: '已提交' }).waitFor();
    await rep.page.evaluate(() => window.scrollTo(0, 0));
    await shot(rep.page, 'field-plan-phone.png');

    // The manager approves tomorrow's plan with a comment, from the rep's day.
    const manager = await open(browser, phone);
    await login(manager.page, 'manager');
    await manager.page.waitForURL(`${BASE_URL}/dashboard`);
    await manager.page.goto(`${BASE_URL}/fieldwork/team?day=${tomorrow}`);
    const row = manager.page.getByTestId('team-row').filter({ hasText: '张伟' });
    await row.getByTestId('team-plan').filter({ hasText: '已提交' }).waitFor();
    const userId = await row.getAttribute('data-user-id');
    await manager.page.goto(`${BASE_URL}/fieldwork?day=${tomorrow}&rep=${userId}`);
    await manager.page.getByTestId('review-form').waitFor();
    await waitForHydration(manager.page);
    await manager.page.locator('[data-testid="plan-card"] textarea[name="form[comment]"]').fill('先去浦东，注意回款');
    await press(manager.page.locator('[data-testid="plan-card"] button[value="approve"]'), phone);
    await manager.page.locator('[data-testid="plan-card"] [data-testid="sheet-status"]', { hasText: '已批准' }).waitFor();

    await rep.page.goto(`${BASE_URL}/fieldwork?day=${tomorrow}`);
    assert.match(await rep.page.locator('[data-testid="plan-card"] [data-testid="review-note"]').textContent(), /陈志强.*先去浦东，注意回款/);

    // Today: check in at the first planned customer, sharing the location; the visit's follow-up
    // opens prefilled with its purpose.
    const visitsBefore = await visitsOnEfficiency(rep.page, userId);
    await rep.page.goto(`${BASE_URL}/fieldwork`);
    const first = rep.page.getByTestId('stop').first();
    await first.waitFor();
    await waitForHydration(rep.page);
    await first.locator('.share-location input').check();
    await press(first.getByTestId('check-in'), phone);
    await first.getByTestId('checked-in').waitFor();
    const visit = rep.page.getByTestId('visit').first();
    assert.match(await visit.textContent(), /已记录位置/);
    const summary = visit.locator('input[name="form[summary]"]');
    assert.match(await summary.inputValue(), /^拜访：/);
    assert.equal(await visit.locator('select[name="form[kind]"]').inputValue(), 'visit');
    await summary.fill(`${await summary.inputValue()}谈妥两台伺服，下周下单`);
    await press(visit.locator('button[type="submit"]'), phone);
    await visit.getByTestId('visit-result').filter({ hasText: '谈妥两台伺服' }).waitFor();
    assert.equal((await rep.page.locator('[data-testid="fig-visits"] td').first().textContent()).trim(), '1', 'one check-in, counted once');

    // The day's report: attendance and competitor news; the figures are filled in already.
    const report = rep.page.getByTestId('report-form');
    await report.locator('select[name="form[attendance]"]').selectOption('present');
    await report.locator('textarea[name="form[competitors]"]').fill('汇川经销商报价低 8%');
    await press(report.locator('button[value="submit"]'), phone);
    await rep.page.locator('[data-testid="report-card"] [data-testid="sheet-status"]', { hasText: '已提交' }).waitFor();
    await rep.page.evaluate(() => window.scrollTo(0, 0));
    await shot(rep.page, 'field-day-phone.png');

    // The manager signs it off with one tap from the evening view.
    await manager.page.goto(`${BASE_URL}/fieldwork/team`);
    const evening = manager.page.getByTestId('team-row').filter({ hasText: '张伟' }).getByTestId('team-report');
    await evening.filter({ hasText: '已提交' }).waitFor();
    await waitForHydration(manager.page);
    await shot(manager.page, 'field-team-phone.png');
    await press(evening.getByTestId('approve'), phone);
    await evening.filter({ hasText: '已批准' }).waitFor();

    await rep.page.goto(`${BASE_URL}/fieldwork`);
    await rep.page.locator('[data-testid="report-card"] [data-testid="sheet-status"]', { hasText: '已批准' }).waitFor();
    assert.equal(await visitsOnEfficiency(rep.page, userId), visitsBefore + 1, 'the check-in counts as a visit');
    assert.deepEqual([...rep.page.errors, ...manager.page.errors], []);
    await rep.context.close();
    await manager.context.close();
  });

  test('a manager reads field efficiency on a desktop: people, total and weekly roll-up agree', async () => {
    const desktop = PROJECTS.find((p) => !p.hasTouch);
    const { context, page } = await open(browser, desktop);
    await login(page, 'manager');
    await page.waitForURL(`${BASE_URL}/dashboard`);
    await page.goto(`${BASE_URL}/fieldwork/efficiency?from=${isoDay(-41)}&to=${isoDay(0)}`);
    await page.getByTestId('roll-up-table').waitFor();
    const visits = async (selector) => {
      const cells = await page.locator(`${selector} td:nth-of-type(2)`).allTextContents();
      return cells.map((c) => Number(c.replace(/,/g, '')));
    };
    const people = await visits('[data-testid="efficiency-row"]');
    const [total] = await visits('[data-testid="efficiency-total"]');
    const weeks = await visits('[data-testid="roll-up-row"]');
    assert.ok(people.length >= 5 && weeks.length >= 6, `${people.length} people, ${weeks.length} weeks`);
    assert.ok(total > 100, 'two months of seeded visits');
    assert.equal(people.reduce((a, b) => a + b, 0), total);
    assert.equal(weeks.reduce((a, b) => a + b, 0), total);
    await shot(page, 'field-efficiency-desktop.png');
    assert.deepEqual(page.errors, []);
    await context.close();
  });
});
