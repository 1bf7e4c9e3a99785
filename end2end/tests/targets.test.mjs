// Targets: a manager splits the team's yearly target by last year's pattern, locks one rep's
// March, raises the team's Q1, and every level still adds up; a rep on a phone sees this week's
// target and progress.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, DB, PROJECTS, launch, open, login, press, shot, waitForHydration } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const [desktop, phone] = PROJECTS;
const year = new Date().getFullYear();
const month = (m) => `${year}-${String(m).padStart(2, '0')}`;

/// A cell's amount in fen, whether it is an input (editable) or text ("¥1,234.50").
async function fen(page, node, period) {
  const cell = page.getByTestId(`cell-${node}-${period}`);
  const tag = await cell.evaluate((el) => el.tagName);
  const text = tag === 'INPUT' ? await cell.inputValue() : await cell.textContent();
  return Math.round(Number(text.replace(/[¥,\s]/g, '')) * 100);
}

async function months(page, node) {
  const values = [];
  for (let m = 1; m <= 12; m += 1) values.push(await fen(page, node, month(m)));
  return values;
}

const sum = (values) => values.reduce((a, b) => a + b, 0);

/// Every row's months add up to its quarters, halves and year, and the team's months are the
/// sums of its reps'.
async function assertLevelsAddUp(page, team, reps) {
  for (const node of [team, ...reps]) {
    const m = await months(page, node);
    for (let q = 1; q <= 4; q += 1) assert.equal(await fen(page, node, `${year}-Q${q}`), sum(m.slice(3 * q - 3, 3 * q)), `${node} Q${q}`);
    assert.equal(await fen(page, node, `${year}-H1`), sum(m.slice(0, 6)), `${node} H1`);
    assert.equal(await fen(page, node, String(year)), sum(m), `${node} year`);
  }
  const teamMonths = await months(page, team);
  const repMonths = await Promise.all(reps.map((r) => months(page, r)));
  teamMonths.forEach((value, i) => assert.equal(value, sum(repMonths.map((r) => r[i])), `${team} month ${i + 1}`));
}

/// Runs an action and waits until the grid has been loaded again with its result.
async function andReload(page, act) {
  const reloaded = page.waitForResponse((r) => r.url().includes('/api/targets/grid') && r.ok());
  await act();
  await reloaded;
  await page.waitForTimeout(100);
}

describe(`targets (${DB})`, () => {
  test('a manager splits the team target by last year, locks a March, raises Q1: every level adds up', async () => {
    const { context, page } = await open(browser, desktop);
    await login(page, 'manager');
    await page.waitForURL(`${BASE_URL}/dashboard`);
    await page.goto(`${BASE_URL}/targets?year=${year}&metric=sales`);
    await page.getByTestId('target-grid').waitFor();
    await waitForHydration(page);
    const nodes = await page.locator('[data-testid^="cell-"][data-testid$="-01"]').evaluateAll((cells) => cells.map((c) => c.dataset.testid.replace(/^cell-/, '').replace(/-\d{4}-01$/, '')));
    const team = nodes.find((n) => n.startsWith('team:'));
    const reps = nodes.filter((n) => n.startsWith('user:'));
    assert.ok(team && reps.length === 5, `a team and its five reps: ${nodes}`);
    assert.ok(!nodes.includes('company'), 'a manager works on their team');
    const teamYear = await fen(page, team, String(year));
    assert.ok(teamYear > 0, 'the demo plan is published');

    await andReload(page, async () => {
      await page.getByTestId(`split-method-${team}`).selectOption('pattern');
      await press(page.getByTestId(`split-${team}`), desktop);
    });
    assert.equal(await fen(page, team, String(year)), teamYear, 'a split keeps the total');
    await assertLevelsAddUp(page, team, reps);

    const zhang = reps[0];
    // (A second run against the same database finds it locked already.)
    if (!/locked/.test(await page.getByTestId(`lock-${zhang}-3`).getAttribute('class'))) {
      await andReload(page, () => press(page.getByTestId(`lock-${zhang}-3`), desktop));
    }
    assert.match(await page.getByTestId(`lock-${zhang}-3`).getAttribute('class'), /locked/);
    const lockedMarch = await fen(page, zhang, month(3));

    const q1 = await fen(page, team, `${year}-Q1`);
    const raised = Math.round((q1 + 1_000_000) / 100) * 100;
    await andReload(page, async () => {
      await page.getByTestId(`cell-${team}-${year}-Q1`).fill((raised / 100).toFixed(2));
      await page.getByTestId(`cell-${team}-${year}-Q1`).press('Tab');
    });
    assert.equal(await page.getByTestId('target-error').count(), 0);
    assert.equal(await fen(page, team, `${year}-Q1`), raised);
    assert.equal(await fen(page, team, String(year)), teamYear, 'the team year stays: Q2 to Q4 gave way');
    assert.equal(await fen(page, zhang, month(3)), lockedMarch, 'the locked March did not move');
    await assertLevelsAddUp(page, team, reps);
    await shot(page, 'targets-desktop.png');

    // Below what the locks hold: refused at the cell, nothing changed.
    await andReload(page, async () => {
      await page.getByTestId(`cell-${zhang}-${year}-Q1`).fill('1');
      await page.getByTestId(`cell-${zhang}-${year}-Q1`).press('Tab');
    }).catch(() => {});
    await page.getByTestId('target-error').getByText(/已锁定的月份或人员已占/).waitFor();
    assert.equal(await fen(page, zhang, month(3)), lockedMarch);
    await context.close();
  });

  for (const project of [desktop, phone]) {
    test(`a manager drills into March, its weeks and a rep, and back up (${project.name})`, async () => {
      const { context, page } = await open(browser, project);
      await login(page, 'manager');
      await page.waitForURL(`${BASE_URL}/dashboard`);
      await page.goto(`${BASE_URL}/targets?year=${year}&metric=sales`);
      await page.getByTestId('month-strip').waitFor();
      await waitForHydration(page);
      await press(page.getByTestId('month-strip').getByText('3月', { exact: true }), project);
      await page.waitForURL(/month=3/);
      const weeks = page.getByTestId('progress-weeks').locator('tbody tr');
      await page.waitForFunction(() => document.querySelector('[data-testid="progress-month"] h3')?.textContent.includes('3月'));
      const periods = await weeks.evaluateAll((rows) => rows.map((r) => r.dataset.key));
      // Every ISO week that holds a day of March: from the week of 1 March to the week of 31 March.
      const isoWeek = (day) => {
        const d = new Date(Date.UTC(year, 2, day));
        d.setUTCDate(d.getUTCDate() + 4 - (d.getUTCDay() || 7));
        return Math.ceil(((d - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86400000 + 1) / 7);
      };
      const expected = [];
      for (let w = isoWeek(1); w <= isoWeek(31); w += 1) expected.push(`${year}-W${String(w).padStart(2, '0')}`);
      assert.deepEqual(periods, expected);
      // A week wholly inside March asks for seven of March's days (each day's share rounded).
      const money = (text) => Math.round(Number(text.replace(/[^\d.-]/g, '')) * 100);
      const marchTarget = money(await page.getByTestId('progress-month').locator('.figure-row strong').first().textContent());
      const secondWeek = money(await weeks.nth(1).locator('td').nth(1).textContent());
      assert.ok(Math.abs(secondWeek - (marchTarget * 7) / 31) <= 7, `week ${periods[1]}: ${secondWeek} against March ${marchTarget}`);
      if (project === desktop) await shot(page, 'targets-weeks-desktop.png');
      else {
        await page.getByTestId('progress-weeks').scrollIntoViewIfNeeded();
        await shot(page, 'targets-weeks-phone.png');
      }

      // Into a rep, still March; then back up to the team.
      const rep = page.getByTestId('progress-children').locator('tbody a').first();
      const repName = (await rep.textContent()).trim();
      await press(rep, project);
      await page.waitForURL(/node=user%3A\d+|node=user:\d+/);
      assert.match(page.url(), /month=3/);
      await page.waitForFunction((name) => document.querySelector('[data-testid="target-progress"] h2')?.textContent.includes(name), repName);
      assert.equal(await weeks.count(), expected.length, 'the rep\'s March has the same weeks');
      await press(page.getByTestId('progress-up'), project);
      await page.waitForURL(/node=team/);
      assert.match(page.url(), /month=3/);
      await context.close();
    });
  }

  test('a rep on a phone sees this week\'s target and progress', async () => {
    const { context, page } = await open(browser, phone);
    await login(page, 'rep');
    await page.waitForURL(`${BASE_URL}/dashboard`);
    await page.goto(`${BASE_URL}/targets`);
    await page.getByTestId('target-progress').waitFor();
    const rows = await page.locator('[data-testid="target-grid"] tbody tr').count();
    assert.equal(rows, 1, 'a rep sees their own row');
    const week = page.getByTestId('progress-week');
    await week.waitFor();
    assert.match(await week.textContent(), /目标¥[\d,]+\.\d\d/);
    assert.match(await week.textContent(), /实际¥/);
    assert.match(await page.getByTestId('light-week').textContent(), /进度正常|略有落后|明显落后|未开始/);
    assert.equal(await page.locator('.target-input').count(), 0, 'nothing to edit for a rep');
    await week.scrollIntoViewIfNeeded();
    await shot(page, 'targets-phone.png');
    await context.close();
  });
});
