import { test, expect, type Page } from '@playwright/test';
import { openCampaign, session } from './support';

/** A run-unique suffix, so that the test also passes against a reused server. */
const RUN = Date.now().toString(36).toUpperCase();
const HOUSEHOLDS = 300;
const COMMUNE = '05977';

/** The ids of the campaign's dossiers in a village, through the paged API. */
async function dossierIds(page: Page, campaign: number, village: number, filter = ''): Promise<{ id: number; subject: string }[]> {
  const out: { id: number; subject: string }[] = [];
  let cursor = '';
  for (;;) {
    const res = await page.request.get(`/api/v1/campaigns/${campaign}/dossiers?village=${village}${filter}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.ok()).toBeTruthy();
    const body = await res.json();
    out.push(...body.items.map((i: { id: number; subject: string }) => ({ id: i.id, subject: i.subject })));
    if (!body.next_cursor) return out;
    cursor = body.next_cursor;
  }
}

/** Chooses the action of the bulk form, then confirms the count the page names. */
async function moveAll(page: Page, action: string, expected: RegExp): Promise<void> {
  const form = page.locator('form#chuyen-hang-loat');
  await form.getByLabel('Thao tác').selectOption({ label: action });
  await form.getByRole('button', { name: 'Xem số hồ sơ sẽ chuyển' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(expected);
  await page.locator('#xac-nhan-chuyen').click();
  await expect(page.locator('.error-summary')).toHaveCount(0);
  await expect(page.getByRole('status')).toContainText('hồ sơ');
}

/** A row of the dashboard's indicator table: numerator, denominator and value as the page shows them. */
async function dashboardFigure(page: Page, unit: number, name: string): Promise<string[]> {
  await page.goto(`/tong-hop/${unit}`);
  const row = page.locator('tr', { hasText: name }).first();
  return (await row.locator('td.num').allInnerTexts()).slice(0, 3).map((t) => t.trim());
}

/** A number as the pages write it (1.234) read back. */
function num(text: string): number {
  return Number(text.replace(/\./g, ''));
}

test('an officer lays 300 household dossiers, scores them from a tally sheet and submits them; a reviewer approves a filter; the signer recognises and refuses', async ({ browser, baseURL }) => {
  test.setTimeout(300_000);
  const officer = await session(browser, baseURL, 'xa.canbo');

  // A village without a village-head account (other tests may create one in the first village).
  const commune = await (await officer.request.get(`/api/v1/units/by-code/${COMMUNE}`)).json();
  const villages = await (await officer.request.get(`/api/v1/units/${commune.unit.id}/villages`)).json();
  const village = (villages.villages ?? villages).find((v: { code: string }) => v.code !== `${COMMUNE}001`);
  expect(village).toBeTruthy();

  // 300 households into the registry from a file: checked, then written.
  const given = ['An', 'Bình', 'Cường', 'Dũng', 'Hà', 'Khoa', 'Lan', 'Minh', 'Nam', 'Phúc'];
  const lines = ['code,head_name,village'];
  for (let i = 0; i < HOUSEHOLDS; i++) lines.push(`HB${RUN}-${String(i).padStart(3, '0')},Hoàng Văn ${given[i % 10]},${village.code}`);
  await officer.goto('/so/ho-gia-dinh/nhap');
  await officer.getByLabel('Chọn tệp').setInputFiles({ name: 'ho.csv', mimeType: 'text/csv', buffer: Buffer.from(lines.join('\n')) });
  await officer.getByRole('button', { name: 'Kiểm tra tệp' }).click();
  await expect(officer.locator('#ket-qua')).toContainText(`thêm mới ${HOUSEHOLDS}`);
  await officer.getByRole('button', { name: /Ghi vào sổ/ }).click();
  await expect(officer.locator('#ket-qua')).toContainText('Đã ghi vào sổ');

  // The campaign: laid in bulk for the chosen village; the empty village step is shown.
  await openCampaign(officer, 'gdht');
  const campaign = Number(officer.url().split('/').pop()?.split('?')[0]);
  await officer.locator('form#lap-hang-loat').getByLabel(village.name).check();
  await officer.getByRole('button', { name: 'Lập hàng loạt hồ sơ' }).click();
  await expect(officer.getByRole('status')).toContainText(/Đã lập \d+ hồ sơ/);
  await expect(officer.locator('#thieu-tai-khoan')).toContainText('chưa có tài khoản');
  const ours = (await dossierIds(officer, campaign, village.id)).filter((d) => d.subject.startsWith(`HB${RUN}-`));
  expect(ours.length).toBe(HOUSEHOLDS);

  // The tally sheet: downloaded, filled (one household does not pass), checked, written.
  await officer.getByRole('link', { name: /Chấm hàng loạt từ bảng chấm/ }).click();
  const [download] = await Promise.all([officer.waitForEvent('download'), officer.locator('#tai-bang-cham').click()]);
  expect(download.suggestedFilename()).toMatch(/^bang-cham-dot-\d+\.xlsx$/);
  const failing = ours[0];
  const sheet = ['Mã hồ sơ,G1.CT1,G3.CT1,G4.CT1,nguoi_lon,nguoi_lon_cdht'];
  for (const d of ours) sheet.push(`${d.id},${d.id === failing.id ? 'Không đạt' : 'Đạt'},Đạt,Đạt,3,2`);
  await officer.getByLabel('Chọn tệp').setInputFiles({ name: 'bang-cham.csv', mimeType: 'text/csv', buffer: Buffer.from(sheet.join('\n')) });
  await officer.getByRole('button', { name: 'Kiểm tra bảng chấm' }).click();
  await expect(officer.locator('#ket-qua')).toContainText(`chấm lại ${HOUSEHOLDS}`);
  await officer.locator('#ghi-bang-cham').click();
  await expect(officer.getByRole('status')).toContainText(`${HOUSEHOLDS} hồ sơ được chấm lại`);

  // Bulk submission of the village's scored dossiers.
  await officer.locator('form#loc').getByLabel('Thôn, đơn vị').selectOption({ value: String(village.id) });
  await officer.locator('form#loc').getByRole('button', { name: 'Lọc' }).click();
  await moveAll(officer, 'Nộp', /Xác nhận: nộp \d+ hồ sơ/);

  // The commune reviewer takes and approves the passing ones of the village (acting for the village step).
  const reviewer = await session(browser, baseURL, 'xa.thamdinh');
  await reviewer.goto(`/dot-danh-gia/${campaign}?thon=${village.id}&ket_qua=dat&trang_thai=submitted`);
  await moveAll(reviewer, 'Tiếp nhận', /Xác nhận: tiếp nhận \d+ hồ sơ/);
  await reviewer.goto(`/dot-danh-gia/${campaign}?thon=${village.id}&ket_qua=dat&trang_thai=in_review`);
  await moveAll(reviewer, 'Thông qua', /Xác nhận: thông qua \d+ hồ sơ/);
  await reviewer.goto(`/dot-danh-gia/${campaign}?thon=${village.id}&ket_qua=dat&trang_thai=in_review`);
  await moveAll(reviewer, 'Thông qua', /Xác nhận: thông qua \d+ hồ sơ/);
  const approved = await (await officer.request.get(`/api/v1/campaigns/${campaign}/dossiers?village=${village.id}&state=approved`)).json();
  expect(approved.total).toBeGreaterThanOrEqual(HOUSEHOLDS - 1);

  // The signer refuses recognition of the failing household with reasons, and recognises the others.
  const signer = await session(browser, baseURL, 'xa.lanhdao');
  await signer.goto(`/ho-so/${failing.id}`);
  await signer.getByLabel(/Lý do không công nhận/).last().fill('Trẻ em trong gia đình chưa đi học đầy đủ');
  await signer.getByRole('button', { name: 'Ra thông báo không công nhận' }).click();
  await expect(signer.locator('#khong-cong-nhan')).toContainText('Trẻ em trong gia đình chưa đi học đầy đủ');
  await officer.goto(`/ho-so/${failing.id}`);
  await expect(officer.locator('#khong-cong-nhan')).toContainText('chưa đi học đầy đủ');

  const GDHT = 'Tỷ lệ gia đình được công nhận "Gia đình học tập"';
  const before = await dashboardFigure(officer, commune.unit.id, GDHT);

  await signer.goto(`/dot-danh-gia/${campaign}/quyet-dinh`);
  await signer.getByLabel('Số, ký hiệu', { exact: true }).fill(`${RUN}/QĐ-UBND`);
  await signer.getByLabel('Ngày ký', { exact: true }).fill(new Date().toLocaleDateString('en-CA', { timeZone: 'Asia/Ho_Chi_Minh' }));
  // The Gia đình học tập set's legal basis is not verified: the signer names the text.
  await signer.getByLabel('Số, ký hiệu văn bản').fill('123/HD-KHVN');
  await signer.getByLabel('Ngày ký văn bản').fill('2023-03-15');
  await signer.getByLabel('Cơ quan ban hành', { exact: true }).fill('Trung ương Hội Khuyến học Việt Nam');
  await signer.getByRole('button', { name: 'Ban hành quyết định' }).click();
  await expect(signer.locator('.error-summary')).toHaveCount(0);
  await expect(signer.getByRole('heading', { level: 1 })).toHaveText(`Quyết định số ${RUN}/QĐ-UBND`);
  const recognised = await (await officer.request.get(`/api/v1/campaigns/${campaign}/dossiers?village=${village.id}&state=recognised`)).json();
  expect(recognised.total).toBeGreaterThanOrEqual(HOUSEHOLDS - 1);

  // One truth for every figure, read from the pages: the dashboard counts the families the
  // decision recognised, the annual report's table shows the dashboard's numbers, and the
  // dashboard's total is the registry's count of the commune's households.
  const after = await dashboardFigure(officer, commune.unit.id, GDHT);
  // Families recognised before (by the demo's earlier decision) are counted once, so the
  // figure grows by this run's households that the decision recognised.
  const oursRecognised = (await dossierIds(officer, campaign, village.id, '&state=recognised')).filter((d) => d.subject.startsWith(`HB${RUN}-`));
  expect(oursRecognised.length).toBe(HOUSEHOLDS - 1);
  expect(num(after[0]) - num(before[0])).toBe(oursRecognised.length);
  await officer.goto(`/bao-cao/${commune.unit.id}`);
  const reportRow = officer.locator('table tr', { has: officer.locator('td', { hasText: /^Gia đình học tập$/ }) }).first();
  const cells = (await reportRow.locator('td').allInnerTexts()).map((t) => t.trim());
  expect(cells.slice(2, 5)).toEqual(after);
  let households = 0;
  let cursor = '';
  for (;;) {
    const res = await officer.request.get(`/api/v1/registries/ho-gia-dinh?limit=100${cursor ? `&sau=${cursor}` : ''}`);
    expect(res.ok()).toBeTruthy();
    const body = await res.json();
    households += body.records.length;
    if (!body.next?.sau) break;
    cursor = body.next.sau;
  }
  expect(num(after[1])).toBe(households);
});
