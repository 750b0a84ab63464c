import { test, expect } from '@playwright/test';
import { mainNav, session } from './support';

/** The demo citizen: in the household recognised "Gia đình học tập" (hoctap demo). */
const CITIZEN = '020190001234';

test('a citizen downloads a certificate and asks for a correction; the commune officer approves it; the citizen sees the answer', async ({ browser, baseURL }) => {
  test.setTimeout(90_000);
  const citizen = await session(browser, baseURL, CITIZEN);

  // Own record, household and the household's title with its certificate, credential and QR.
  await mainNav(citizen).getByRole('link', { name: 'Thông tin của tôi' }).click();
  await expect(citizen.getByRole('heading', { level: 1 })).toHaveText('Thông tin của tôi');
  await expect(citizen.locator('dl.facts')).toContainText('Lục Văn Dân');
  await expect(citizen.getByText('Mã hộ HGD-MAU-01')).toBeVisible();
  const pdfLink = citizen.getByRole('link', { name: 'Tải giấy chứng nhận (PDF)' }).first();
  const pdf = await citizen.request.get((await pdfLink.getAttribute('href'))!);
  expect(pdf.status()).toBe(200);
  expect(pdf.headers()['content-type']).toContain('application/pdf');
  expect((await pdf.body()).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  await expect(citizen.getByRole('img', { name: /Mã QR xác minh danh hiệu/ }).first()).toBeVisible();

  // A correction of the name, sent to the commune.
  await citizen.getByRole('link', { name: 'Gửi yêu cầu đính chính' }).click();
  await citizen.getByLabel('Họ và tên đúng là').fill('Lục Thị Dân');
  await citizen.getByLabel('Lý do, giấy tờ kèm theo').fill('Theo giấy khai sinh');
  await citizen.getByRole('button', { name: 'Gửi yêu cầu' }).click();
  await expect(citizen.getByRole('status')).toHaveText('Đã gửi yêu cầu đính chính tới xã, phường');
  await expect(citizen.locator('table')).toContainText('Đang chờ xã, phường xem xét');

  // The commune's officer sees the change beside the record and approves it.
  const officer = await session(browser, baseURL, 'xa.canbo');
  await mainNav(officer).getByRole('link', { name: 'Yêu cầu đính chính' }).click();
  const request = officer.locator('section').filter({ hasText: 'Lục Thị Dân' });
  await expect(request).toContainText('Lục Văn Dân');
  await request.getByRole('button', { name: 'Chấp nhận và sửa sổ' }).click();
  await expect(officer.getByRole('status')).toHaveText('Đã chấp nhận yêu cầu và sửa sổ công dân');

  // The citizen sees the answer, and the bell has a new notification.
  await citizen.reload();
  await expect(citizen.locator('table')).toContainText('Đã chấp nhận, sổ đã được sửa');
  const bell = citizen.getByRole('link', { name: /^Thông báo \d+ chưa đọc$/ });
  await expect(bell).toBeVisible();
  await bell.click();
  await expect(citizen.getByRole('heading', { level: 1 })).toHaveText('Thông báo');
  await expect(citizen.getByRole('link', { name: /Yêu cầu đính chính số \d+ đã được chấp nhận/ })).toBeVisible();
  await citizen.getByRole('button', { name: 'Đánh dấu tất cả là đã đọc' }).click();
  await expect(citizen.getByRole('link', { name: /^Thông báo \d+ chưa đọc$/ })).toHaveCount(0);
});
