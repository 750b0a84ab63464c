// Public sites (issue 17 §1): an association officer publishes a news item with a cover image
// and a training document; a visitor finds them from the site's home and from the search
// (typed without diacritics), on pages that need no script.
import { test, expect } from '@playwright/test';
import { logIn, PDF } from './support';

/** A small red PNG: the cover image. */
const COVER = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAEAAAAAgCAIAAAAt/+nTAAAATklEQVR4nO3PUQkAIBTAwBfHEPbHWIbw4xAGC3Cbs9fXDRc0oAUNaEEDWtCAFjSgBQ1oQQNa0IAWNKAFDWhBA1rQgBY0oAUNaEEDWvDYBbkPYIio3VE4AAAAAElFTkSuQmCC',
  'base64',
);

test('an association officer publishes news and a training document; a visitor finds them', async ({ page, browser, baseURL }) => {
  await logIn(page, 'hkh.xa');
  await page.getByRole('navigation', { name: 'Điều hướng chính' }).getByRole('link', { name: 'Trang thông tin' }).click({ force: true });
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Trang thông tin');
  await page.getByRole('link', { name: /^Hội Khuyến học Phường/ }).first().click();
  const siteAdmin = page.url();

  // A news item with a cover image: saved as a draft, then published.
  await page.getByLabel('Loại bài').selectOption({ label: 'Tin tức' });
  await page.getByLabel('Tiêu đề', { exact: true }).fill('Lớp học tiếng Anh miễn phí cho thiếu nhi');
  await page.getByLabel(/^Tóm tắt/).fill('Hội Khuyến học mở lớp hè tại nhà văn hóa.');
  await page.getByLabel(/^Nội dung/).fill('Lớp học **miễn phí** mỗi tối thứ Bảy.');
  await page.getByLabel(/^Ảnh bìa/).setInputFiles({ name: 'bia.png', mimeType: 'image/png', buffer: COVER });
  await page.getByRole('button', { name: 'Lưu bản nháp' }).click();
  await expect(page.getByRole('status')).toContainText('Đã lưu bản nháp');
  await expect(page.getByText('Bản nháp', { exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Đăng', exact: true }).click();
  await expect(page.getByRole('status')).toContainText('Đã đăng bài lên trang');

  // A training material by topic, with its PDF.
  await page.goto(siteAdmin);
  await page.getByLabel('Loại bài').selectOption({ label: 'Tài liệu bồi dưỡng' });
  await page.getByLabel('Tiêu đề', { exact: true }).fill('Giáo trình tiếng Anh giao tiếp');
  await page.getByLabel(/^Chủ đề/).fill('Ngoại ngữ');
  await page.getByLabel(/^Tệp đính kèm/).setInputFiles({ name: 'giao-trinh.pdf', mimeType: 'application/pdf', buffer: PDF });
  await page.getByRole('button', { name: 'Lưu bản nháp' }).click();
  await expect(page.getByRole('status')).toContainText('Đã lưu bản nháp');
  await page.getByRole('button', { name: 'Đăng', exact: true }).click();
  await expect(page.getByRole('status')).toContainText('Đã đăng bài lên trang');

  // A visitor, without script: the portal, the association's site, the item, the topic, the search.
  const context = await browser.newContext({ baseURL, javaScriptEnabled: false, locale: 'vi-VN' });
  const visitor = await context.newPage();
  await visitor.goto('/');
  await expect(visitor.getByRole('heading', { level: 1 })).toHaveText('Cổng thông tin xây dựng xã hội học tập');
  await expect(visitor.getByRole('link', { name: 'Lớp học tiếng Anh miễn phí cho thiếu nhi' })).toBeVisible();
  await visitor.getByRole('link', { name: 'Hội Khuyến học', exact: true }).click();
  await visitor.getByLabel(/^Tên hội/).fill('phuong dong kinh');
  await visitor.getByRole('button', { name: 'Tìm' }).click();
  // The demo's generated statistics give the commune a second branch of the same name: the first is the officer's.
  await visitor.getByRole('link', { name: /^Hội Khuyến học Phường Đông Kinh/ }).first().click();
  await expect(visitor.getByRole('heading', { level: 1 })).toContainText('Hội Khuyến học Phường Đông Kinh');
  await visitor.getByRole('link', { name: 'Lớp học tiếng Anh miễn phí cho thiếu nhi' }).click();
  await expect(visitor.getByRole('heading', { level: 1 })).toHaveText('Lớp học tiếng Anh miễn phí cho thiếu nhi');
  await expect(visitor.locator('.body strong')).toHaveText('miễn phí');
  const cover = visitor.locator('img.cover');
  await expect(cover).toBeVisible();
  expect(await cover.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);

  await visitor.getByRole('link', { name: 'Tài liệu bồi dưỡng' }).first().click();
  await expect(visitor.getByRole('heading', { level: 2, name: 'Ngoại ngữ' })).toBeVisible();
  await visitor.getByRole('link', { name: 'Giáo trình tiếng Anh giao tiếp' }).click();
  await expect(visitor.getByRole('link', { name: /Tải tệp đính kèm: giao-trinh\.pdf/ })).toBeVisible();

  await visitor.goto('/tim-kiem');
  await visitor.getByLabel(/^Từ khóa/).fill('tieng anh');
  await visitor.getByRole('button', { name: 'Tìm' }).click();
  await expect(visitor.getByRole('link', { name: 'Lớp học tiếng Anh miễn phí cho thiếu nhi' })).toBeVisible();
  await expect(visitor.getByRole('link', { name: 'Giáo trình tiếng Anh giao tiếp' })).toBeVisible();
  await context.close();
});
