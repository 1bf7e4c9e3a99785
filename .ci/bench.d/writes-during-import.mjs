// Other people's writes while a big import runs (docs/benchmarks.md): sign-ins, follow-ups and card
// moves in three loops, first for a quiet baseline, then while a manager's CSV import of ROWS new
// customers is checked and then committed through the app (upload, mapping, check, commit: the
// path a manager takes). Prints p50/p99/max and failures per phase as a markdown table. With KIND
// `orders` the file is ROWS order lines instead (20 per order, for the manager's customers and one
// product the administrator imports first), as the UCI Online Retail set would come in.
//   node writes-during-import.mjs http://127.0.0.1:3100 500000 [customers|orders]
import { request } from 'node:http';
const [base = 'http://127.0.0.1:3100', rowsArg = '500000', KIND = 'customers'] = process.argv.slice(2);
const ROWS = Number(rowsArg);
const PASSWORD = 'demo1234';

// The import's own calls run for minutes: fetch gives up on a response's headers after 300 s, so
// they go through node:http, which waits as long as the server works.
function slowPost(path, cookie, form) {
  return new Promise((resolve, reject) => {
    const body = new URLSearchParams(form).toString();
    const req = request(`${base}${path}`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => { text += chunk; });
      response.on('end', () => (response.statusCode >= 300
        ? reject(new Error(`${path}: ${response.statusCode} ${text.slice(0, 200)}`))
        : resolve(text ? JSON.parse(text) : null)));
    });
    req.on('error', reject);
    req.end(body);
  });
}

class Session {
  constructor() { this.cookie = ''; }
  async post(path, form, timeoutMs = 30_000) {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { cookie: this.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(form),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const set = response.headers.getSetCookie?.() ?? [];
    for (const c of set) if (c.startsWith('jx_session=')) this.cookie = c.split(';')[0];
    const text = await response.text();
    return { status: response.status, body: text };
  }
  async call(endpoint, form = {}, timeoutMs) {
    const { status, body } = await this.post(`/api/${endpoint}`, form, timeoutMs);
    if (status >= 300) throw new Error(`${endpoint}: ${status} ${body.slice(0, 200)}`);
    return body ? JSON.parse(body) : null;
  }
  static async signIn(username) {
    const session = new Session();
    await session.call('login', { username, password: PASSWORD });
    return session;
  }
}

const samples = { baseline: {}, check: {}, commit: {} };
let phase = 'baseline';
let running = true;

async function timed(kind, action) {
  const started = performance.now();
  let ok = true;
  try { await action(); } catch { ok = false; }
  const ms = performance.now() - started;
  const bucket = (samples[phase][kind] ??= { ms: [], failed: 0 });
  bucket.ms.push(ms);
  if (!ok) bucket.failed += 1;
}

async function loop(kind, action) {
  while (running) {
    await timed(kind, action);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const rep = await Session.signIn('rep');
const customers = await rep.call('customers/list', {});
const customer = customers.rows[0].id;
const board = await rep.call('pipeline/board', {});
const open = board.columns.filter((c) => !c.stage.won && !c.stage.lost);
const column = open.find((c) => c.cards.length > 0);
let card = column.cards[0];
const stages = [column.stage.id, open.find((c) => c.stage.id !== column.stage.id).stage.id];

const loops = [
  loop('sign-in', async () => { await Session.signIn('wang.fang'); }),
  loop('follow-up', async () => {
    await rep.call('customers/follow_up', { 'form[customer_id]': customer, 'form[kind]': 'call', 'form[summary]': '导入期间的回访', 'form[intent]': 'medium' });
  }),
  loop('card move', async () => {
    const to = card.stage_id === stages[0] ? stages[1] : stages[0];
    card = await rep.call('pipeline/move', { 'request[id]': card.id, 'request[version]': card.version, 'request[to_stage_id]': to });
  }),
];

await new Promise((resolve) => setTimeout(resolve, 10_000));

// Uploads a CSV the way the import page does; the upload's id.
async function uploadCsv(session, name, csv) {
  const form = new FormData();
  form.append('file', new Blob([csv], { type: 'text/csv' }), name);
  const upload = await fetch(`${base}/api/imports/upload`, { method: 'POST', headers: { cookie: session.cookie }, body: form, redirect: 'manual' });
  const location = upload.headers.get('location') ?? '';
  const uploadId = location.replace('/import/', '');
  if (!/^\d+$/.test(uploadId)) throw new Error(`upload answered ${upload.status} ${location}`);
  return uploadId;
}

// The manager's import: a CSV of ROWS new customers (or order lines), uploaded, checked, committed.
const manager = await Session.signIn('manager');
let csv;
let run;
if (KIND === 'orders') {
  const admin = await Session.signIn('admin');
  const products = await uploadCsv(admin, 'products.csv', '产品编码,产品名称,成本价\nBP,压测产品,2\n');
  await slowPost('/api/imports/run', admin.cookie, { upload_id: products, kind: 'products', match_by: 'external_id', choices: 'code,name,cost_price', commit: 'true' });
  // The upload limit is 20 MB: short customer keys keep 500,000 lines under it, so the manager's
  // customers get external ids C1, C2, … first.
  const names = (await manager.call('customers/list', {})).rows.map((r) => r.name.replaceAll('"', '""'));
  const keys = names.map((name, i) => `C${i + 1},"${name}"`);
  const customersCsv = await uploadCsv(manager, 'keys.csv', `客户编号,客户名称\n${keys.join('\n')}\n`);
  await slowPost('/api/imports/run', manager.cookie, { upload_id: customersCsv, kind: 'customers', match_by: 'name', choices: 'external_id,name', commit: 'true' });
  const lines = ['订单号,客户,订单日期,产品编码,数量,单价'];
  for (let i = 0; i < ROWS; i += 1) {
    const order = Math.floor(i / 20);
    lines.push(`B${String(order).padStart(6, '0')},C${1 + (order % names.length)},2026/10/${String(1 + (order % 28)).padStart(2, '0')},BP,${1 + (i % 5)},3.5`);
  }
  csv = `${lines.join('\n')}\n`;
  run = { upload_id: await uploadCsv(manager, 'orders.csv', csv), kind: 'orders', match_by: 'external_id', choices: 'order,customer,ordered_on,product,quantity,unit_price' };
} else {
  csv = '客户名称,电话\n';
  for (let i = 0; i < ROWS; i += 1) csv += `导入压测客户${String(i).padStart(6, '0')},138${String(i).padStart(8, '0')}\n`;
  run = { upload_id: await uploadCsv(manager, 'customers.csv', csv), kind: 'customers', match_by: 'name', choices: 'name,phone' };
}
const durations = {};
for (const [name, commit] of [['check', false], ['commit', true]]) {
  phase = name;
  const started = performance.now();
  const report = await slowPost('/api/imports/run', manager.cookie, { ...run, commit: String(commit) });
  durations[name] = ((performance.now() - started) / 1000).toFixed(1);
  if (commit && !report?.committed) throw new Error(`not committed: ${JSON.stringify(report).slice(0, 300)}`);
}
running = false;
await Promise.all(loops);

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
console.log(`import of ${ROWS.toLocaleString('en')} ${KIND === 'orders' ? 'order lines' : 'customers'}: check ${durations.check} s, commit ${durations.commit} s`);
console.log('| phase | request | n | failed | p50 | p99 | max |');
console.log('|---|---|---:|---:|---:|---:|---:|');
for (const [name, kinds] of Object.entries(samples)) {
  for (const [kind, { ms, failed }] of Object.entries(kinds)) {
    const sorted = [...ms].sort((a, b) => a - b);
    const f = (v) => `${v.toFixed(0)} ms`;
    console.log(`| ${name} | ${kind} | ${ms.length} | ${failed} | ${f(percentile(sorted, 50))} | ${f(percentile(sorted, 99))} | ${f(sorted.at(-1))} |`);
  }
}
