import { test, expect, type Page } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { logIn, openUnits, searchUnits } from './support';

/** A run-unique suffix, so that the tests also pass against a reused server. */
const RUN = Date.now().toString(36).toUpperCase();
/** The same, in letters only (a person's name may not contain digits). */
const RUN_LETTERS = [...Date.now().toString(26)].map((c) => String.fromCharCode(97 + parseInt(c, 26))).join('');

/** The code (8 digits) of the demo commune's village "Thôn Nà Sla", read from its unit page. */
async function demoVillageCode(page: Page): Promise<string> {
  await openUnits(page);
  const results = await searchUnits(page, 'dong kinh');
  await results.getByRole('row').filter({ hasText: 'Lạng Sơn' }).getByRole('link', { name: 'Phường Đông Kinh' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Phường Đông Kinh');
  const row = page.locator('section#truc-thuoc').getByRole('row').filter({ has: page.getByRole('link', { name: 'Thôn Nà Sla', exact: true }) });
  await expect(row).toHaveCount(1);
  const code = (await row.getByRole('cell').first().innerText()).trim();
  expect(code).toMatch(/^\d{8}$/);
  return code;
}

/** Opens a registry from "Sổ theo dõi" in the main navigation. */
async function openRegistry(page: Page, title: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Điều hướng chính' }).getByRole('link', { name: 'Sổ theo dõi' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sổ theo dõi');
  await page.getByRole('link', { name: title, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(title);
}

/** Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF); drops a UTF-8 BOM. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const s = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && s[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else {
      cell += c;
    }
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

/** Writes CSV with a UTF-8 BOM, quoting where needed, as a spreadsheet would save it. */
function toCsv(rows: string[][]): Buffer {
  const quote = (c: string) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c);
  return Buffer.from('\uFEFF' + rows.map((r) => r.map(quote).join(',')).join('\r\n') + '\r\n', 'utf8');
}

/** Uploads a CSV through "Nhập từ tệp Excel, CSV" on the list page and waits for the preview. */
async function uploadCsv(page: Page, name: string, body: Buffer): Promise<void> {
  await page.getByRole('link', { name: 'Nhập từ tệp Excel, CSV' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Nhập Hộ gia đình từ tệp');
  await page.getByLabel('Chọn tệp').setInputFiles({ name, mimeType: 'text/csv', buffer: body });
  await page.getByRole('button', { name: 'Kiểm tra tệp' }).click();
  await expect(page.locator('#ket-qua')).toBeVisible();
}

test('a person downloads the CSV, uploads an edited file, sees the preview, applies', async ({ page }) => {
  const existing = `E2E-${RUN}-A`;
  const added = `E2E-${RUN}-B`;
  const bad = `E2E-${RUN}-C`;
  const newAddress = `Số ${RUN} đường Kiểm Thử, khối 3`;

  await logIn(page, 'xa.canbo');
  const village = await demoVillageCode(page);

  // One household through the form.
  await openRegistry(page, 'Hộ gia đình');
  await page.getByRole('link', { name: 'Thêm hộ gia đình' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Thêm hộ gia đình');
  await page.getByLabel('Mã hộ (bắt buộc)', { exact: true }).fill(existing);
  await page.getByLabel('Họ tên chủ hộ (bắt buộc)', { exact: true }).fill('Hoàng Văn Thụ');
  await page.getByLabel('Địa chỉ', { exact: true }).fill('Khối 1, phường Đông Kinh');
  await page.getByLabel('Mã thôn (bắt buộc)', { exact: true }).fill(village);
  await page.getByLabel('Số nhân khẩu', { exact: true }).fill('4');
  await page.getByRole('button', { name: 'Thêm vào sổ' }).click();
  await expect(page.locator('.success')).toHaveText('Đã thêm hộ gia đình');
  await expect(page.getByRole('heading', { level: 1 })).toContainText(existing);

  // Back to the list; download the CSV export.
  await page.getByRole('navigation').getByRole('link', { name: 'Hộ gia đình', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Hộ gia đình');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Tải CSV' }).click()]);
  expect(download.suggestedFilename()).toMatch(/^ho-gia-dinh-.*\.csv$/);
  const raw = await readFile(await download.path());
  expect([...raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const rows = parseCsv(raw.toString('utf8'));
  const header = rows[0];
  expect(header).toEqual(['Mã hộ', 'Họ tên chủ hộ', 'CCCD chủ hộ', 'Địa chỉ', 'Mã thôn', 'Số nhân khẩu', 'Ghi chú']);
  const col = (h: string) => header.indexOf(h);
  const mine = rows.filter((r) => r[col('Mã hộ')] === existing);
  expect(mine).toHaveLength(1);
  expect(mine[0][col('Họ tên chủ hộ')]).toBe('Hoàng Văn Thụ');
  expect(mine[0][col('Mã thôn')]).toBe(village);

  // Edit it as a person would in a spreadsheet: a new address, a new row, a bad row.
  mine[0][col('Địa chỉ')] = newAddress;
  const row = (values: Record<string, string>) => header.map((h) => values[h] ?? '');
  const newRow = row({ 'Mã hộ': added, 'Họ tên chủ hộ': 'Lương Văn Tri', 'Địa chỉ': 'Khối 2', 'Mã thôn': village, 'Số nhân khẩu': '3' });
  const badRow = row({ 'Mã hộ': bad, 'Họ tên chủ hộ': 'Nông Thị Hoa', 'Mã thôn': village.slice(0, 7) });
  const edited = [...rows.filter((r) => r.some((c) => c !== '')), newRow, badRow];
  const badLine = edited.length; // line 1 is the header

  await uploadCsv(page, 'ho-gia-dinh-sua.csv', toCsv(edited));
  await expect(page.locator('#ket-qua')).toHaveText(/^Kết quả kiểm tra tệp ho-gia-dinh-sua\.csv \(chưa ghi gì\): thêm mới 1, cập nhật 1, không đổi \d+, lỗi 1\.$/);
  const preview = page.locator('table#xem-truoc');
  await expect(preview.getByRole('columnheader')).toHaveText(['Dòng', 'Kết quả', 'Chi tiết']);
  const outcome = (status: string) => preview.getByRole('row').filter({ has: page.getByRole('cell', { name: status, exact: true }) });
  await expect(outcome('Cập nhật')).toHaveCount(1);
  await expect(outcome('Cập nhật')).toContainText(existing);
  await expect(outcome('Cập nhật')).toContainText('Địa chỉ');
  await expect(outcome('Thêm mới')).toHaveCount(1);
  await expect(outcome('Thêm mới')).toContainText(added);
  await expect(outcome('Lỗi')).toHaveCount(1);
  await expect(outcome('Lỗi').getByRole('cell')).toHaveText([String(badLine), 'Lỗi', new RegExp(`^Dòng ${badLine}, cột Mã thôn: .+`)]);
  // Nothing can be written while a row is wrong.
  await expect(page.getByRole('button', { name: /^Ghi vào sổ/ })).toHaveCount(0);
  await expect(page.getByText('Chưa có dòng nào được ghi.')).toBeVisible();

  // Fix the file (drop the bad row) and upload it again.
  await page.getByRole('navigation').getByRole('link', { name: 'Hộ gia đình', exact: true }).click();
  await uploadCsv(page, 'ho-gia-dinh-sua.csv', toCsv(edited.slice(0, -1)));
  await expect(page.locator('#ket-qua')).toHaveText(/^Kết quả kiểm tra tệp ho-gia-dinh-sua\.csv \(chưa ghi gì\): thêm mới 1, cập nhật 1, không đổi \d+, lỗi 0\.$/);
  await expect(outcome('Lỗi')).toHaveCount(0);
  const apply = page.getByRole('button', { name: 'Ghi vào sổ (1 thêm mới, 1 cập nhật)' });
  await expect(apply).toBeVisible();
  await apply.click();
  await expect(page.locator('#ket-qua')).toHaveText(/^Đã ghi vào sổ: thêm mới 1, cập nhật 1, không đổi \d+\.$/);

  // The new household is in the list.
  await page.getByRole('navigation').getByRole('link', { name: 'Hộ gia đình', exact: true }).click();
  await page.locator('#q').fill(added);
  await page.getByRole('button', { name: 'Tìm', exact: true }).click();
  const list = page.locator('table#danh-sach');
  await expect(list.getByRole('link', { name: added, exact: true })).toBeVisible();
  await expect(list.getByRole('row').filter({ hasText: added })).toContainText('Lương Văn Tri');
  // The bad row was never written.
  await page.locator('#q').fill(bad);
  await page.getByRole('button', { name: 'Tìm', exact: true }).click();
  await expect(page.getByText('Chưa có bản ghi nào phù hợp.')).toBeVisible();

  // The updated household shows its new address.
  await page.locator('#q').fill(existing);
  await page.getByRole('button', { name: 'Tìm', exact: true }).click();
  await page.locator('table#danh-sach').getByRole('link', { name: existing, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText(existing);
  const facts = page.locator('dl.facts');
  await expect(facts).toContainText(newAddress);
  await expect(facts).not.toContainText('Khối 1, phường Đông Kinh');
});

test('the reviewer sees a citizen\'s CCCD masked', async ({ browser }) => {
  // 020 Lạng Sơn, 0 male born 19xx, 90 → 1990; the last six digits vary per run.
  const serial = String(Date.now() % 1_000_000).padStart(6, '0');
  const cccd = `020090${serial}`;
  const masked = `0200******${cccd.slice(10)}`;
  const name = `Vi Văn Kiểm ${RUN_LETTERS[0].toUpperCase()}${RUN_LETTERS.slice(1)}`;

  const officer = await browser.newPage();
  await logIn(officer, 'xa.canbo');
  const village = await demoVillageCode(officer);
  await openRegistry(officer, 'Công dân');
  await officer.getByRole('link', { name: 'Thêm công dân' }).click();
  await expect(officer.getByRole('heading', { level: 1 })).toHaveText('Thêm công dân');
  await officer.getByLabel('Số CCCD (bắt buộc)', { exact: true }).fill(cccd);
  await officer.getByLabel('Họ và tên (bắt buộc)', { exact: true }).fill(name);
  await officer.getByLabel('Ngày sinh (bắt buộc)', { exact: true }).fill('1990-03-15');
  await officer.getByLabel('Giới tính (bắt buộc)', { exact: true }).selectOption({ label: 'Nam' });
  await officer.getByLabel('Mã thôn (bắt buộc)', { exact: true }).fill(village);
  await officer.getByRole('button', { name: 'Thêm vào sổ' }).click();
  await expect(officer.locator('.success')).toHaveText('Đã thêm công dân');
  // The officer sees the full number.
  await expect(officer.locator('dl.facts')).toContainText(cccd);
  await officer.close();

  const reviewer = await browser.newPage();
  await logIn(reviewer, 'xa.thamdinh');
  await openRegistry(reviewer, 'Công dân');
  await reviewer.locator('#q').fill(name);
  await reviewer.getByRole('button', { name: 'Tìm', exact: true }).click();
  const row = reviewer.locator('table#danh-sach').getByRole('row').filter({ hasText: name });
  await expect(row).toHaveCount(1);
  await expect(row.getByRole('cell').first()).toHaveText(masked);
  await expect(reviewer.locator('table#danh-sach')).not.toContainText(cccd);
  // The record page masks it too, and the birth date down to the year.
  await row.getByRole('link', { name: masked }).click();
  const facts = reviewer.locator('dl.facts');
  await expect(facts).toContainText(masked);
  await expect(facts).toContainText('**/**/1990');
  await expect(reviewer.locator('#noi-dung')).not.toContainText(cccd);
  await reviewer.close();
});
