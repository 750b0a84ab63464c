import { test, expect } from '@playwright/test';
import { logIn } from './support';

test('a wrong password shows the Vietnamese error and stays on the login page', async ({ page }) => {
  await page.goto('/dang-nhap');
  await page.getByLabel('Tên đăng nhập').fill('xa.canbo');
  await page.getByLabel('Mật khẩu').fill('sai-mat-khau');
  await page.getByRole('button', { name: 'Đăng nhập' }).click();

  await expect(page).toHaveURL(/\/dang-nhap$/);
  const summary = page.locator('.error-summary');
  await expect(summary).toBeVisible();
  await expect(summary).toContainText('không đúng');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Đăng nhập');
  // The username is kept, the password is not.
  await expect(page.getByLabel('Tên đăng nhập')).toHaveValue('xa.canbo');
  await expect(page.getByLabel('Mật khẩu')).toHaveValue('');
  // Not logged in: no main navigation.
  await expect(page.getByRole('navigation', { name: 'Điều hướng chính' })).toHaveCount(0);
});

test('the demo commune officer logs in and out', async ({ page }) => {
  await logIn(page, 'xa.canbo');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Xin chào, Hoàng Thị Xã');
  await expect(page.getByText('Đơn vị của bạn:')).toContainText('Phường Đông Kinh');

  await page.getByRole('button', { name: 'Đăng xuất' }).click();
  // Signing out first clears the device's offline data, then posts: wait for the login page it lands on
  // before going elsewhere (going at once aborts the sign-out's own navigation).
  await page.waitForURL(/\/dang-nhap/);
  await page.goto('/don-vi');
  await expect(page).toHaveURL(/\/dang-nhap/);
});
