import { test, expect } from '@playwright/test';
import { mainNav, session } from './support';

test('the province officer opens the dashboard, follows a commune and downloads its annual report', async ({ browser, baseURL }) => {
  test.setTimeout(90_000);
  const page = await session(browser, baseURL, 'tinh.canbo');
  await mainNav(page).getByRole('link', { name: 'Tổng hợp' }).click();
  const year = new Date().toLocaleDateString('en-CA', { timeZone: 'Asia/Ho_Chi_Minh' }).slice(0, 4);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Tổng hợp: Lạng Sơn – năm ${year}`);

  // Indicators against the plan's targets, with the chart drawn on the server.
  await expect(page.locator('svg#bieu-do-chi-tieu')).toBeVisible();
  const gdht = page.locator('table#bang-chi-tieu tbody tr').filter({ hasText: 'Gia đình học tập' }).first();
  await expect(gdht).toContainText('%');
  await expect(gdht).toContainText('110/KH-UBND');

  // The communes ranked: the demo commune has data and comes first; follow it.
  const first = page.locator('table#bang-xep-hang tbody tr').first();
  await expect(first).toContainText('Phường Đông Kinh');
  await first.getByRole('link', { name: 'Phường Đông Kinh' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Tổng hợp: Phường Đông Kinh – năm ${year}`);
  await expect(page.locator('table#bang-chi-tieu tbody tr').filter({ hasText: 'Gia đình học tập' }).first()).toContainText('chỉ tiêu của Lạng Sơn');

  // The dashboard's tables as one workbook.
  const xlsx = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Tải tất cả bảng (Excel)' }).click();
  expect((await xlsx).suggestedFilename()).toMatch(/^tong-hop-\d+-\d{4}\.xlsx$/);

  // The commune's annual report, filled from the data, downloaded in the official format.
  await page.getByRole('link', { name: `Báo cáo kết quả năm ${year}` }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Báo cáo kết quả xây dựng xã hội học tập năm ${year}`);
  await expect(page.locator('#han-gui')).toContainText(`10/12/${year}`);
  await expect(page.getByRole('heading', { name: 'Bảng 1. Kết quả xây dựng các mô hình học tập' })).toBeVisible();
  const docx = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Tải bản Word' }).click();
  const file = await docx;
  expect(file.suggestedFilename()).toBe(`bao-cao-xhht-05977-${year}.docx`);
  const { readFile } = await import('node:fs/promises');
  expect((await readFile(await file.path())).subarray(0, 2).toString('latin1')).toBe('PK');
  const pdf = await page.request.get(await page.getByRole('link', { name: 'Xem bản PDF' }).getAttribute('href') as string);
  expect((await pdf.body()).subarray(0, 4).toString('latin1')).toBe('%PDF');
});
