import { expect, type Page } from '@playwright/test';

/** The password of every demo account (`hoctap demo`). */
export const DEMO_PASSWORD = 'hoctap-2025';

/** Logs in through the form and waits for the home page. */
export async function logIn(page: Page, username: string, password = DEMO_PASSWORD): Promise<void> {
  await page.goto('/dang-nhap');
  await page.getByLabel('Tên đăng nhập').fill(username);
  await page.getByLabel('Mật khẩu').fill(password);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await expect(page).toHaveURL(/^http:\/\/[^/]+\/$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(/^Xin chào, /);
}

/** Opens "Đơn vị hành chính" from the main navigation. */
export async function openUnits(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Điều hướng chính' }).getByRole('link', { name: 'Đơn vị hành chính' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Đơn vị hành chính');
}

/** Searches units by name, optionally as at a date (yyyy-mm-dd); returns the results table. */
export async function searchUnits(page: Page, query: string, asAt?: string) {
  await page.getByLabel('Tìm đơn vị').fill(query);
  if (asAt) {
    await page.getByLabel('Tính đến ngày', { exact: true }).fill(asAt);
  }
  await page.getByRole('button', { name: 'Tìm', exact: true }).click();
  await expect(page.getByRole('heading', { level: 2, name: `Kết quả tìm "${query}"` })).toBeVisible();
  return page.locator('table#ket-qua');
}
