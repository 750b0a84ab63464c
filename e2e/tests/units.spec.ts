import { test, expect } from '@playwright/test';
import { logIn, openUnits, searchUnits } from './support';

test('a pre-2025 ward found without diacritics shows its 2025 merger and successor', async ({ page }) => {
  await logIn(page, 'xa.canbo');
  await openUnits(page);

  // As at 31/12/2024, before the 2025 reorganisation of communes.
  const results = await searchUnits(page, 'truc bach', '2024-12-31');
  const row = results.getByRole('row').filter({ hasText: 'Phường Trúc Bạch' });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('00004');
  await expect(row).toContainText('Hà Nội › Quận Ba Đình');
  await row.getByRole('link', { name: 'Phường Trúc Bạch' }).click();

  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Phường Trúc Bạch');
  // Lineage upwards, as at the date searched.
  const crumbs = page.getByRole('navigation', { name: 'Đơn vị cấp trên' });
  await expect(crumbs.getByRole('link')).toHaveText(['Đơn vị hành chính', 'Hà Nội', 'Quận Ba Đình']);
  await expect(page.getByText('Không còn hiệu lực')).toBeVisible();

  // History of mergers and splits.
  const history = page.locator('section#lich-su');
  await expect(history.getByRole('heading', { level: 2 })).toHaveText('Lịch sử sáp nhập, chia tách');
  await expect(history.getByRole('columnheader')).toHaveText(['Ngày hiệu lực', 'Sự kiện', 'Quan hệ', 'Đơn vị', 'Căn cứ']);
  const merger = history.getByRole('row').filter({ hasText: 'Phường Ba Đình' });
  await expect(merger).toHaveCount(1);
  await expect(merger.getByRole('cell')).toHaveText([
    '01/07/2025',
    'Sáp nhập',
    /chuyển thành \(đơn vị kế thừa\)/,
    /^00004 Phường Ba Đình/,
    /Ủy ban Thường vụ Quốc hội.*Hà Nội năm 2025/,
  ]);

  // Today's successor commune.
  const successor = page.locator('section#ke-thua');
  await expect(successor.getByRole('heading', { level: 2 })).toHaveText('Đơn vị kế thừa hiện nay');
  const successorLink = successor.getByRole('link', { name: /Phường Ba Đình/ });
  await expect(successorLink).toHaveCount(1);
  await successorLink.click();

  // The successor is valid today and records Trúc Bạch among the wards it took over.
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Phường Ba Đình');
  await expect(page.locator('section#ke-thua')).toHaveCount(0);
  await expect(page.getByRole('navigation', { name: 'Đơn vị cấp trên' }).getByRole('link')).toHaveText(['Đơn vị hành chính', 'Hà Nội']);
  const takenOver = page.locator('section#lich-su').getByRole('row').filter({ hasText: 'Phường Trúc Bạch' });
  await expect(takenOver).toHaveCount(1);
  await expect(takenOver).toContainText('tiếp nhận từ');
});

test('searching "lang son" today finds the province Lạng Sơn', async ({ page }) => {
  await logIn(page, 'tinh.canbo');
  await openUnits(page);

  const results = await searchUnits(page, 'lang son');
  const row = results.getByRole('row').filter({ has: page.getByRole('link', { name: 'Lạng Sơn', exact: true }) });
  await expect(row).toHaveCount(1);
  await expect(row.getByRole('cell')).toHaveText(['20', 'Lạng Sơn', 'tỉnh', '']);
  await row.getByRole('link', { name: 'Lạng Sơn', exact: true }).click();

  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Lạng Sơn');
  await expect(page.locator('dl.facts')).toContainText('Cấp tỉnh · tỉnh');
  await expect(page.locator('dl.facts')).toContainText('20');
  // Its communes today include the demo commune.
  const communes = page.locator('section#truc-thuoc');
  await expect(communes.getByRole('heading', { level: 2 })).toHaveText(/^Đơn vị trực thuộc \(\d+\)$/);
  await expect(communes.getByRole('link', { name: 'Phường Đông Kinh', exact: true })).toBeVisible();
});

test('the commune officer adds a village to their commune, once', async ({ page }) => {
  // A fresh name on every run, so that the test also passes against a reused server.
  const village = `Thôn Kiểm Thử ${Date.now().toString(36)}`;

  await logIn(page, 'xa.canbo');
  await openUnits(page);
  const results = await searchUnits(page, 'dong kinh');
  const own = results.getByRole('row').filter({ hasText: 'Lạng Sơn' }).getByRole('link', { name: 'Phường Đông Kinh' });
  await own.click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Phường Đông Kinh');

  const villages = page.locator('section#truc-thuoc');
  await expect(villages.getByRole('link', { name: 'Thôn Nà Sla' })).toBeVisible();
  await villages.getByLabel('Tên', { exact: true }).fill(village);
  await villages.getByLabel('Loại', { exact: true }).selectOption('thôn');
  await villages.getByRole('button', { name: 'Thêm', exact: true }).click();

  const success = page.locator('.success');
  await expect(success).toBeVisible();
  await expect(success).toContainText('Đã thêm');
  await expect(success).toContainText(village);
  const added = page.locator('section#truc-thuoc').getByRole('row').filter({ hasText: village });
  await expect(added).toHaveCount(1);
  await expect(added.getByRole('cell')).toHaveText([/^05977\d{3}$/, village, 'thôn']);

  // The same name again in the same commune is refused.
  await page.locator('section#truc-thuoc').getByLabel('Tên', { exact: true }).fill(village);
  await page.locator('section#truc-thuoc').getByRole('button', { name: 'Thêm', exact: true }).click();
  const errors = page.locator('.error-summary');
  await expect(errors).toBeVisible();
  await expect(errors).toContainText('đã có');
  await expect(errors).toContainText(village);
  await expect(page.locator('.success')).toHaveCount(0);
  await expect(page.locator('section#truc-thuoc').getByRole('row').filter({ hasText: village })).toHaveCount(1);
});
