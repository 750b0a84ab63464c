import { test, expect } from '@playwright/test';
import { PDF, mainNav, session } from './support';

/** A run-unique decision number, so that the test also passes against a reused server. */
const RUN = Date.now().toString(36).toUpperCase();

/** The family the demo recognised "Gia đình học tập" two years ago (`hoctap demo`). */
const FAMILY = 'Gia đình ông Hoàng Văn Học';
const YEAR = new Date().getFullYear() - 2;

test('a recognised family is nominated in one click, reviewed by the commune and given a Giấy khen', async ({ browser, baseURL }) => {
  test.setTimeout(90_000);
  // The commune officer opens last year's decision and proposes the family for a reward.
  const officer = await session(browser, baseURL, 'xa.canbo');
  await mainNav(officer).getByRole('link', { name: 'Đợt đánh giá' }).click();
  await officer.getByRole('link', { name: `Gia đình học tập năm ${YEAR}` }).click();
  await officer.locator('#quyet-dinh').getByRole('link').first().click();
  const row = officer.getByRole('row').filter({ hasText: FAMILY });
  await row.getByRole('button', { name: 'Đề nghị khen thưởng' }).click();
  await expect(officer.locator('.error-summary')).toHaveCount(0);
  await expect(officer.getByRole('heading', { level: 1 })).toHaveText(`Đề nghị khen thưởng: ${FAMILY}`);
  // The recognition is the evidence of the criterion it proves, and the criteria are met.
  await expect(officer.getByLabel('Minh chứng cho HO.1')).toHaveValue(/Quyết định số \d+\/QĐ-UBND .* \(mã xác minh \w{10}\)/);
  await expect(officer.locator('#ket-qua')).toContainText('Đạt tiêu chí thi đua');
  await officer.getByRole('button', { name: 'Gửi đề nghị lên cấp trên' }).click();
  await expect(officer.locator('#trang-thai')).toContainText('Đã nộp, chờ thẩm định');
  const nomination = officer.url();

  // The family's page takes a further achievement with a scanned proof attached.
  await officer.locator('nav.crumbs').getByRole('link', { name: FAMILY }).click();
  await officer.getByLabel('Loại').selectOption('thanh_tich');
  await officer.getByLabel('Nội dung thành tích, sáng kiến').fill(`Giải nhất hội thi gia đình học tập ${RUN}`);
  await officer.getByLabel('Tệp minh chứng').setInputFiles({ name: 'giay-khen.pdf', mimeType: 'application/pdf', buffer: PDF });
  await officer.getByRole('button', { name: 'Ghi thành tích' }).click();
  await expect(officer.getByRole('status')).toHaveText('Đã ghi thành tích');
  const proof = officer.locator('table#thanh-tich').getByRole('row').filter({ hasText: RUN }).getByRole('link', { name: 'giay-khen.pdf' });
  const file = await officer.request.get(await proof.getAttribute('href') as string);
  expect((await file.body()).subarray(0, 4).toString('latin1')).toBe('%PDF');
  await officer.goto(nomination);

  // The commune reviewer takes it and approves (a Giấy khen is decided at the commune).
  const reviewer = await session(browser, baseURL, 'xa.thamdinh');
  await mainNav(reviewer).getByRole('link', { name: 'Thi đua' }).click();
  await reviewer.getByRole('link', { name: /Cả nước thi đua xây dựng xã hội học tập/ }).click();
  await reviewer.locator('table#de-nghi').getByRole('link', { name: FAMILY }).click();
  await expect(reviewer).toHaveURL(nomination);
  await reviewer.getByRole('button', { name: 'Nhận thẩm định' }).click();
  await reviewer.getByRole('button', { name: 'Thông qua bước này' }).click();
  await expect(reviewer.locator('#trang-thai')).toContainText('Đã thẩm định, chờ quyết định');

  // The commune's leader issues the reward decision; the decision and the Giấy khen print.
  const signer = await session(browser, baseURL, 'xa.lanhdao');
  await mainNav(signer).getByRole('link', { name: 'Thi đua' }).click();
  await signer.getByRole('link', { name: /Cả nước thi đua xây dựng xã hội học tập/ }).click();
  await signer.getByRole('link', { name: 'Ra quyết định tặng Giấy khen' }).click();
  await expect(signer.getByRole('checkbox', { name: new RegExp(FAMILY) })).toBeChecked();
  await signer.getByLabel('Số, ký hiệu').fill(`${RUN}/QĐ-UBND`);
  await signer.getByRole('button', { name: 'Ban hành quyết định khen thưởng' }).click();
  await expect(signer.locator('.error-summary')).toHaveCount(0);
  await expect(signer.getByRole('heading', { level: 1 })).toHaveText(`Quyết định số ${RUN}/QĐ-UBND`);
  const line = signer.getByRole('row').filter({ hasText: FAMILY });
  await expect(line).toBeVisible();
  const pdf = await signer.request.get(await signer.getByRole('link', { name: 'Xem quyết định (PDF)' }).getAttribute('href') as string);
  expect((await pdf.body()).subarray(0, 4).toString('latin1')).toBe('%PDF');
  const cert = await signer.request.get(await line.getByRole('link', { name: 'Bản in Giấy khen' }).getAttribute('href') as string);
  expect((await cert.body()).subarray(0, 4).toString('latin1')).toBe('%PDF');
  await signer.goto(nomination);
  await expect(signer.locator('#trang-thai')).toContainText('Đã công nhận');
});
