// Offline entry (issue 18) in Chromium with the network cut: a persistent browser profile (as a
// phone keeps its data), forms filled and saved on the device, a reload and a browser restart
// without network, then the sync: once, in order, audited; a conflict chosen field by field in
// the page; a duplicate send after a dropped answer; sign-out on a shared device; and the first
// offline load of a form at 390 px with the CPU slowed down four times.
import { test, expect, chromium, type BrowserContext, type Page } from '@playwright/test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { layDossier, logIn, session } from './support';

const RUN = Date.now().toString(36).toUpperCase();
const VILLAGE = '05977001';

test.describe.configure({ mode: 'serial' });

let dir = '';
test.beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hoctap-offline-'));
});
test.afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The browser as a phone keeps it: a profile on disk, 390 px wide. */
async function phone(baseURL: string | undefined): Promise<BrowserContext> {
  return chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    baseURL,
    locale: 'vi-VN',
    timezoneId: 'Asia/Ho_Chi_Minh',
    viewport: { width: 390, height: 844 },
    isMobile: false,
  });
}

/** Signs in unless this profile's session still holds: a visitor's "/" is the public portal now,
 *  so the sign-out form tells, not the address. */
async function signedIn(page: Page) {
  await page.goto('/');
  if ((await page.locator('form[action="/dang-xuat"]').count()) === 0) await logIn(page, 'xa.canbo');
}

async function firstPage(context: BrowserContext): Promise<Page> {
  return context.pages()[0] ?? (await context.newPage());
}

/** Waits until the service worker controls the page (it keeps what the page opens from then on). */
async function controlled(page: Page) {
  await page.waitForFunction(() => navigator.serviceWorker && navigator.serviceWorker.controller !== null, null, { timeout: 15_000 });
}

// page.waitForFunction takes an async predicate's promise as its truthy answer and returns after
// one evaluation; these waits poll the answer itself.

/** Waits until the service worker keeps a page for reading offline. */
async function kept(page: Page, p: string) {
  await expect.poll(() => page.evaluate(async (url) => !!(await caches.match(url)), p), { timeout: 15_000 }).toBe(true);
}

/** Waits until the device has read a record's or dossier's version (what a change is based on). */
async function remembered(page: Page, p: string) {
  await expect
    .poll(
      () =>
        page.evaluate(async (key) => {
          // Never create the database here: offline.js makes it with its stores.
          if (!(await indexedDB.databases()).some((d) => d.name === 'hoctap-offline')) return false;
          const db: IDBDatabase = await new Promise((resolve, reject) => {
            const r = indexedDB.open('hoctap-offline', 1);
            r.onsuccess = () => resolve(r.result);
            r.onerror = () => reject(r.error);
          });
          if (!db.objectStoreNames.contains('opened')) {
            db.close();
            return false;
          }
          const v: any = await new Promise((resolve) => {
            const t = db.transaction('opened', 'readonly').objectStore('opened').get(key);
            t.onsuccess = () => resolve(t.result);
            t.onerror = () => resolve(undefined);
          });
          db.close();
          return !!v && typeof v.version === 'number';
        }, p),
      { timeout: 15_000 },
    )
    .toBe(true);
}

/** Opens (or finds) the 2026 campaign of a set; at 390 px the menu is folded, so by address. */
async function openCampaign(page: Page, setId: string) {
  await page.goto('/dot-danh-gia');
  await page.getByLabel('Năm đánh giá').fill('2026');
  await page.getByLabel('Bộ tiêu chí').selectOption(setId);
  await page.getByRole('button', { name: 'Mở đợt đánh giá' }).click();
  if (await page.locator('.error-summary').isVisible()) {
    await page.goto('/dot-danh-gia');
    const row = page
      .locator('table#dot-danh-gia')
      .getByRole('row')
      .filter({ has: page.getByRole('cell', { name: '2026', exact: true }) })
      .filter({ has: page.getByRole('cell', { name: setId, exact: true }) });
    await row.getByRole('link').first().click();
  }
  await expect(page.getByRole('heading', { name: 'Lập hồ sơ cho một đối tượng' })).toBeVisible();
}

const note = (page: Page) => page.locator('#tren-may');

async function apiJson(page: Page, url: string) {
  const r = await page.request.get(url);
  expect(r.ok(), `${url}: ${r.status()}`).toBeTruthy();
  return r.json();
}

async function households(page: Page, code: string): Promise<any[]> {
  const list = await apiJson(page, `/api/v1/registries/ho-gia-dinh?q=${encodeURIComponent(code)}`);
  return list.records.filter((r: any) => r.values.code === code);
}

async function fillHousehold(page: Page, code: string, head: string) {
  await page.getByLabel('Mã hộ (bắt buộc)').fill(code);
  await page.getByLabel('Họ tên chủ hộ (bắt buộc)').fill(head);
  await page.getByLabel('Mã thôn (bắt buộc)').fill(VILLAGE);
  await page.getByRole('button', { name: 'Thêm vào sổ' }).click();
}

test('a dossier and a new household filled offline survive a reload and a browser restart, then sync once, audited', async ({ baseURL, browser }) => {
  test.setTimeout(180_000);
  const household = `HG-OFF-${RUN}`;
  const subject = `HG-DOS-${RUN}`;
  let context = await phone(baseURL);
  let page = await firstPage(context);
  await logIn(page, 'xa.canbo');
  await controlled(page);
  // Online: a household to assess, its dossier, and the new-household form, opened once.
  await page.goto('/so/ho-gia-dinh/moi');
  await fillHousehold(page, subject, `Lò Văn Đánh ${RUN.toLowerCase().replace(/[0-9]/g, '')}`);
  // Online, the form goes to the server as usual (after a quick check that it answers).
  await expect(page).toHaveURL(/\/so\/ho-gia-dinh\/\d+$/);
  await openCampaign(page, 'gdht');
  const dossierUrl = await layDossier(page, subject);
  const dossierPath = new URL(dossierUrl).pathname;
  await remembered(page, dossierPath);
  await page.goto('/so/ho-gia-dinh/moi');

  // The network goes.
  await context.setOffline(true);
  await page.goto(dossierPath);
  await expect(page.locator('#trang-thai')).toContainText('Bản nháp');
  const indicators = page.locator('table#chi-tieu');
  await indicators.getByRole('row').filter({ hasText: 'G1.CT1' }).getByRole('combobox').selectOption({ label: 'Đạt' });
  await indicators.getByRole('row').filter({ hasText: 'G3.CT1' }).getByRole('combobox').selectOption({ label: 'Đạt' });
  await indicators.getByRole('row').filter({ hasText: 'G4.CT1' }).getByRole('combobox').selectOption({ label: 'Đạt' });
  // Evaluated on the device with the domain's rules (the data for G2.CT1 is still missing).
  await expect(page.locator('#ket-qua')).toContainText('trên máy');
  await page.getByRole('button', { name: 'Lưu và chấm' }).click();
  await expect(note(page)).toContainText('Đã lưu trên máy, chưa gửi: 1');

  await page.goto('/so/ho-gia-dinh/moi');
  await fillHousehold(page, household, 'Lò Thị Ơn');
  await expect(note(page)).toContainText('Đã lưu trên máy, chưa gửi: 2');

  // A reload without network: still saved, and the dossier form shows the device's answers.
  await page.reload();
  await expect(note(page)).toContainText('Đã lưu trên máy, chưa gửi: 2');
  await page.goto(dossierPath);
  await expect(indicators.getByRole('row').filter({ hasText: 'G4.CT1' }).getByRole('combobox')).toHaveValue('1');

  // The browser is closed and opened again, still without network.
  await context.close();
  context = await phone(baseURL);
  await context.setOffline(true);
  page = await firstPage(context);
  await page.goto('/ngoai-tuyen');
  await expect(note(page)).toContainText('Đã lưu trên máy, chưa gửi: 2');
  await expect(page.getByRole('heading', { name: 'Thay đổi chưa gửi (2)' })).toBeVisible();

  // The network returns: both are sent, in order, and nothing waits any more.
  await context.setOffline(false);
  await expect(note(page)).toBeHidden({ timeout: 20_000 });
  expect(await households(page, household)).toHaveLength(1);
  const dossierId = dossierPath.split('/').pop();
  const dossier = await apiJson(page, `/api/v1/assessments/${dossierId}`);
  expect(dossier.assessment.answers.answers['G4.CT1']).toBe(true);
  // Audited as the user, with the device's time and the arrival time.
  const audit = await apiJson(page, '/api/v1/audit?thao_tac=sync.apply');
  const entries = (audit as any[]).filter((e: any) => e.entity === 'assessment' && e.entity_id === dossierId);
  expect(entries).toHaveLength(1);
  expect(entries[0].username).toBe('xa.canbo');
  expect(entries[0].after.device_time < entries[0].after.arrived_at).toBeTruthy();
  await context.close();
});

test('a conflict with another user is resolved in the page, field by field', async ({ baseURL, browser }) => {
  test.setTimeout(120_000);
  const code = `HG-XUNG-${RUN}`;
  const context = await phone(baseURL);
  const page = await firstPage(context);
  await signedIn(page);
  await controlled(page);
  await page.goto('/so/ho-gia-dinh/moi');
  await fillHousehold(page, code, 'Hà Văn Đẩu');
  await expect(page).toHaveURL(/\/so\/ho-gia-dinh\/\d+$/);
  const [record] = await households(page, code);
  const recordPath = `/so/ho-gia-dinh/${record.id}`;
  await page.goto(recordPath);
  await remembered(page, recordPath);

  await context.setOffline(true);
  await page.reload();
  await page.getByLabel('Họ tên chủ hộ (bắt buộc)').fill('Hà Văn Đấu');
  await page.getByRole('button', { name: 'Lưu thay đổi' }).click();
  await expect(note(page)).toContainText('Đã lưu trên máy, chưa gửi: 1');

  // Meanwhile the province officer changes the same household.
  const other = await session(browser, baseURL, 'tinh.canbo');
  const token = (await (await other.request.get('/api/v1/session')).json()).csrf_token;
  const changed = await other.request.patch(`/api/v1/registries/ho-gia-dinh/${record.id}`, {
    headers: { 'x-csrf-token': token },
    data: { code, head_name: 'Hà Văn Đẩu', village: VILLAGE, members: '7' },
  });
  expect(changed.ok()).toBeTruthy();
  await other.context().close();

  await context.setOffline(false);
  await expect(note(page)).toContainText('cần bạn xem lại', { timeout: 20_000 });
  await page.goto('/ngoai-tuyen');
  const choice = page.locator('form.conflict');
  await expect(choice.getByRole('columnheader', { name: 'Bản trên máy này' })).toBeVisible();
  await expect(choice.getByRole('columnheader', { name: 'Bản trên máy chủ' })).toBeVisible();
  // Their member count, my spelling of the name.
  await choice.getByRole('row', { name: /Số nhân khẩu/ }).getByLabel('7').check();
  await expect(choice.getByRole('row', { name: /Họ tên chủ hộ/ }).getByLabel('Hà Văn Đấu')).toBeChecked();
  await choice.getByRole('button', { name: 'Gửi bản đã chọn' }).click();
  await expect(note(page)).toBeHidden({ timeout: 20_000 });
  const [after] = await households(page, code);
  expect(after.values.head_name).toBe('Hà Văn Đấu');
  expect(String(after.values.members)).toBe('7');
  await context.close();
});

test('a send whose answer is lost is sent again and creates one record', async ({ baseURL }) => {
  test.setTimeout(120_000);
  const code = `HG-MAT-${RUN}`;
  const context = await phone(baseURL);
  const page = await firstPage(context);
  await signedIn(page);
  await controlled(page);
  await page.goto('/so/ho-gia-dinh/moi');
  await context.setOffline(true);
  await page.reload();
  await fillHousehold(page, code, 'Lò Văn Mất');
  await expect(note(page)).toContainText('Đã lưu trên máy, chưa gửi: 1');
  // The server commits the first send, but its answer never reaches the phone.
  let dropped = 0;
  await context.route('**/api/v1/sync/changes', async (route) => {
    if (dropped === 0) {
      dropped++;
      await route.fetch();
      await route.abort('connectionreset');
    } else {
      await route.continue();
    }
  });
  await context.setOffline(false);
  await expect.poll(() => dropped, { timeout: 20_000 }).toBe(1);
  await expect(note(page)).toContainText('chưa gửi: 1');
  // The next attempt sends the same change with the same key: answered from the first.
  await page.evaluate(() => (window as any).HoctapOffline.sync());
  await expect(note(page)).toBeHidden({ timeout: 20_000 });
  expect(await households(page, code)).toHaveLength(1);
  await context.unrouteAll();
  await context.close();
});

test('signing out warns about unsent changes and removes what the device holds', async ({ baseURL }) => {
  test.setTimeout(120_000);
  const context = await phone(baseURL);
  const page = await firstPage(context);
  await signedIn(page);
  await controlled(page);
  await page.goto('/so/ho-gia-dinh/moi');
  await context.setOffline(true);
  await page.reload();
  await fillHousehold(page, `HG-RA-${RUN}`, 'Lò Văn Ra');
  await expect(note(page)).toContainText('chưa gửi: 1');
  // Back online, the server is unreachable for sync: the change stays on the device.
  await context.route('**/api/v1/sync/changes', (route) => route.fulfill({ status: 503, body: '{}' }));
  await context.setOffline(false);
  let warned = '';
  page.once('dialog', (d) => { warned = d.message(); void d.dismiss(); });
  await page.getByRole('button', { name: 'Đăng xuất' }).click();
  await expect.poll(() => warned).toContain('Còn 1 thay đổi');
  await expect(page).not.toHaveURL(/dang-nhap/);
  page.once('dialog', (d) => void d.accept());
  await page.getByRole('button', { name: 'Đăng xuất' }).click();
  await expect(page).toHaveURL(/dang-nhap/);
  const left = await page.evaluate(async () => {
    const dbs = (await indexedDB.databases()).map((d) => d.name);
    const caches_ = await caches.keys();
    return { dbs, caches: caches_.filter((k) => k === 'hoctap-pages') };
  });
  expect(left.dbs).not.toContain('hoctap-offline');
  expect(left.caches).toHaveLength(0);
  await context.unrouteAll();
  await context.close();
});

// Runs after the sign-out case: the device was cleared, the user signs in again and never opens the
// form online; the worker keeps the field forms for the signed-in user (sw.js FORMS).
test('the first offline load of a form at 390 px with a 4× slower CPU', async ({ baseURL }) => {
  test.setTimeout(120_000);
  const context = await phone(baseURL);
  let page = await firstPage(context);
  await signedIn(page);
  await controlled(page);
  await kept(page, '/so/ho-gia-dinh/moi');
  await context.setOffline(true);
  await page.close();
  page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  const started = Date.now();
  await page.goto('/so/ho-gia-dinh/moi', { waitUntil: 'load' });
  const wall = Date.now() - started;
  await expect(page.getByLabel('Mã hộ (bắt buộc)')).toBeVisible();
  const nav = await page.evaluate(() => {
    const n = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    return { load: Math.round(n.loadEventEnd), dcl: Math.round(n.domContentLoadedEventEnd) };
  });
  console.log(`offline first load of /so/ho-gia-dinh/moi at 390 px, CPU ×4: wall ${wall} ms, DOMContentLoaded ${nav.dcl} ms, load ${nav.load} ms`);
  fs.mkdirSync('test-results', { recursive: true });
  fs.writeFileSync('test-results/offline-load.json', JSON.stringify({ wall_ms: wall, ...nav }));
  // Recorded in docs/PERFORMANCE.md; only a gross regression fails here.
  expect(wall).toBeLessThan(10_000);
  await context.close();
});

/** A PNG as a phone camera would give it (large, so the device makes it smaller): a gradient. */
function cameraPng(width: number, height: number): Buffer {
  const zlib = require('node:zlib') as typeof import('node:zlib');
  const table = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = table[(c ^ x) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // 8 bits
  ihdr[9] = 2; // RGB
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) {
      raw[row + 1 + x * 3] = (x * 255) / width;
      raw[row + 2 + x * 3] = (y * 255) / height;
      raw[row + 3 + x * 3] = 128;
    }
  }
  return Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

test('an evidence photo taken offline is made smaller on the device, survives a reload and lands on the dossier', async ({ baseURL }) => {
  test.setTimeout(150_000);
  const subject = `HG-ANH-${RUN}`;
  const title = `Ảnh họp thôn ${RUN}`;
  const context = await phone(baseURL);
  const page = await firstPage(context);
  await signedIn(page);
  await controlled(page);
  await page.goto('/so/ho-gia-dinh/moi');
  await fillHousehold(page, subject, 'Lò Văn Chụp');
  await expect(page).toHaveURL(/\/so\/ho-gia-dinh\/\d+$/);
  await openCampaign(page, 'gdht');
  const dossierPath = new URL(await layDossier(page, subject)).pathname;
  await kept(page, dossierPath);

  await context.setOffline(true);
  await page.reload();
  await page.getByLabel('Tên minh chứng').fill(title);
  await page.getByRole('group', { name: /Chứng minh cho chỉ tiêu/ }).getByRole('checkbox', { name: 'G1.CT1' }).check();
  await page.getByLabel('Hoặc chụp ảnh bằng máy').setInputFiles({ name: 'IMG_2026.png', mimeType: 'image/png', buffer: cameraPng(3200, 2400) });
  await page.getByRole('button', { name: 'Thêm minh chứng' }).click();
  await expect(page.locator('.offline-saved').last()).toContainText('Đã lưu ảnh trên máy');
  await expect(note(page)).toContainText('Đã lưu trên máy, chưa gửi: 1');
  // Kept on the device as a JPEG of at most 1600 px on its long side.
  const kept_ = await page.evaluate(async () => {
    const db: IDBDatabase = await new Promise((resolve, reject) => {
      const r = indexedDB.open('hoctap-offline', 1);
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    const items: any[] = await new Promise((resolve) => {
      const t = db.transaction('outbox', 'readonly').objectStore('outbox').getAll();
      t.onsuccess = () => resolve(t.result);
    });
    db.close();
    const e = items.find((i) => i.kind === 'assessment.evidence');
    const bmp = await createImageBitmap(e.photo.blob);
    return { type: e.photo.blob.type, size: e.photo.blob.size, w: bmp.width, h: bmp.height, name: e.photo.name };
  });
  expect(kept_).toMatchObject({ type: 'image/jpeg', w: 1600, h: 1200, name: 'IMG_2026.jpg' });
  console.log(`photo on the device: 3200×2400 PNG → ${kept_.w}×${kept_.h} JPEG, ${kept_.size} bytes`);

  // A reload without network: still waiting.
  await page.reload();
  await expect(note(page)).toContainText('Đã lưu trên máy, chưa gửi: 1');

  // The network returns: the photo is sent and is the dossier's evidence.
  await context.setOffline(false);
  await expect(note(page)).toBeHidden({ timeout: 20_000 });
  await page.goto(dossierPath);
  const row = page.getByRole('row').filter({ hasText: title });
  await expect(row).toContainText('G1.CT1');
  const href = await row.getByRole('link', { name: title }).getAttribute('href');
  const file = await page.request.get(href!);
  expect(file.headers()['content-type']).toBe('image/jpeg');
  expect((await file.body()).length).toBe(kept_.size);
  // Online, the same photo is made smaller before the form is sent.
  const online = `Ảnh trực tuyến ${RUN}`;
  await page.getByLabel('Tên minh chứng').fill(online);
  await page.getByRole('group', { name: /Chứng minh cho chỉ tiêu/ }).getByRole('checkbox', { name: 'G1.CT1' }).check();
  await page.getByLabel('Hoặc chụp ảnh bằng máy').setInputFiles({ name: 'IMG_2027.png', mimeType: 'image/png', buffer: cameraPng(3200, 2400) });
  await page.getByRole('button', { name: 'Thêm minh chứng' }).click();
  const onlineRow = page.getByRole('row').filter({ hasText: online });
  await expect(onlineRow).toContainText('G1.CT1');
  const sent = await page.request.get((await onlineRow.getByRole('link', { name: online }).getAttribute('href'))!);
  expect(sent.headers()['content-type']).toBe('image/jpeg');
  expect((await sent.body()).length).toBeLessThan(200_000);
  await context.close();
});

test('a roll call taken offline at 390 px is sent when the network returns, and a stale one is chosen per learner', async ({ baseURL, browser }) => {
  test.setTimeout(150_000);
  const context = await phone(baseURL);
  const page = await firstPage(context);
  await signedIn(page);
  await controlled(page);
  // A course with one session today and two walk-in learners, through the API.
  const token = (await apiJson(page, '/api/v1/session')).csrf_token;
  const post = async (url: string, data: any) => {
    const r = await page.request.post(url, { headers: { 'x-csrf-token': token }, data });
    expect(r.ok(), `${url}: ${r.status()} ${await r.text()}`).toBeTruthy();
    return r.json();
  };
  const centres = await apiJson(page, '/api/v1/learning/centres');
  const centre = (Array.isArray(centres) ? centres : centres.centres)[0];
  const today = new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10);
  const vn = (iso: string) => iso.split('-').reverse().join('/');
  const activity = await post(`/api/v1/learning/centres/${centre.id}/activities`, {
    kind: 'khoa-hoc', title: `Trồng chè ${RUN}`, topic: 'ky-nang-so', starts_on: vn(today), ends_on: vn(today),
    place_kind: 'nha-van-hoa', place: 'Nhà văn hóa bản', teacher: 'Lò Văn Dạy', partner_kind: 'truong-hoc', capacity: '30', funding: 'ngan-sach',
  });
  const sid = (await post(`/api/v1/learning/activities/${activity.id}/sessions`, { held_on: vn(today), hours: '2' })).id;
  const one = (await post(`/api/v1/learning/activities/${activity.id}/learners`, { full_name: 'Lò Thị Một', birth_year: '1980', sex: 'Nữ' })).id;
  const two = (await post(`/api/v1/learning/activities/${activity.id}/learners`, { full_name: 'Lò Văn Hai', birth_year: '1979', sex: 'Nam' })).id;
  const rollPath = `/hoc-tap/buoi/${sid}/diem-danh`;
  await page.goto(rollPath);
  await remembered(page, rollPath);

  await context.setOffline(true);
  await page.reload();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.getByLabel('Lò Thị Một').check();
  await page.getByRole('button', { name: 'Ghi điểm danh' }).click();
  await expect(note(page)).toContainText('Đã lưu trên máy, chưa gửi: 1');
  await page.reload();
  await expect(page.getByLabel('Lò Thị Một')).toBeChecked();

  // Meanwhile the province officer takes the same roll online: only learner two present.
  const other = await session(browser, baseURL, 'tinh.canbo');
  const otherToken = (await (await other.request.get('/api/v1/session')).json()).csrf_token;
  const put = await other.request.put(`/api/v1/learning/sessions/${sid}/attendance`, { headers: { 'x-csrf-token': otherToken }, data: { present: [two] } });
  expect(put.ok(), await put.text()).toBeTruthy();
  await other.context().close();

  await context.setOffline(false);
  await expect(note(page)).toContainText('cần bạn xem lại', { timeout: 20_000 });
  await page.goto('/ngoai-tuyen');
  const choice = page.locator('form.conflict');
  await expect(choice.getByRole('columnheader', { name: 'Bản trên máy chủ' })).toBeVisible();
  // Learner one as on the phone (present), learner two as on the server (present).
  await expect(choice.getByRole('row', { name: /Lò Thị Một/ }).getByLabel('Có mặt')).toBeChecked();
  await choice.getByRole('row', { name: /Lò Văn Hai/ }).getByLabel('Có mặt').check();
  await choice.getByRole('button', { name: 'Gửi bản đã chọn' }).click();
  await expect(note(page)).toBeHidden({ timeout: 20_000 });
  const roll = await apiJson(page, `/api/v1/sync/roll-calls/${sid}`);
  expect(roll.fields[`co-mat-${one}`]).toBe('1');
  expect(roll.fields[`co-mat-${two}`]).toBe('1');
  await context.close();
});
