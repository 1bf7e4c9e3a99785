import { BASE_URL, PROJECTS, launch, open, login, waitForHydration } from '/work/main/end2end/tests/browser.mjs';
const browser = await launch();
const { context, page } = await open(browser, PROJECTS[0]);
await login(page, process.env.WHO ?? 'manager');
await page.waitForURL(`${BASE_URL}/dashboard`);
for (const path of process.argv.slice(2)) {
  page.errors.length = 0;
  await page.goto(`${BASE_URL}${path}`);
  await waitForHydration(page);
  await page.waitForTimeout(500);
  console.log(path, page.errors.length ? page.errors[0].slice(0, 200) : 'OK');
}
await browser.close();
