import { test, expect } from '@playwright/test';
import { addEvidence, expectCertificate, expectDecisionDocuments, expectValid, layDossier, mainNav, openCampaign, openFromWork, session, verifyLink } from './support';

/** A run-unique suffix, so that the tests also pass against a reused server. */
const RUN = Date.now().toString(36).toUpperCase();

/** The demo commune, Phường Đông Kinh (Lạng Sơn). */
const COMMUNE = '05977';
const COMMUNE_NAME = 'Phường Đông Kinh';

test('a commune self-assesses as a learning community (CĐHT cấp xã) and the province reviews and recognises it', async ({ browser, baseURL }) => {
  test.setTimeout(120_000);

  // The province (Sở GDĐT) opens the year's campaign for its communes.
  const province = await session(browser, baseURL, 'tinh.canbo');
  const campaign = await openCampaign(province, 'cdht-xa');

  // The commune lays its own dossier from the same campaign.
  const commune = await session(browser, baseURL, 'xa.canbo');
  await mainNav(commune).getByRole('link', { name: 'Đợt đánh giá' }).click();
  await commune.getByRole('link', { name: campaign, exact: true }).click();
  await expect(commune.getByRole('heading', { level: 1 })).toHaveText(campaign);
  const dossierUrl = await layDossier(commune, COMMUNE);

  // The citizens' counts come from the registries, with how they were counted.
  const data = commune.locator('#so-lieu');
  await expect(data).toContainText('Đếm trong sổ đăng ký: số công dân thuộc nhóm N1–N4');
  await expect(commune.getByLabel('Số công dân của xã thuộc diện đánh giá CDHT')).toHaveValue(/^\d+$/);

  // Every yes/no indicator met; the standards (mức độ) at level 3; the rates from the data.
  const rows = commune.locator('table#chi-tieu tbody tr');
  for (const select of await rows.getByRole('combobox').all()) await select.selectOption({ label: 'Đạt' });
  for (const id of ['TC4.CT2', 'TC4.CT3', 'TC4.CT4']) {
    await rows.filter({ hasText: id }).getByRole('textbox').fill('3');
  }
  await commune.getByLabel('Số công dân của xã thuộc diện đánh giá CDHT').fill('1200');
  await commune.getByLabel('Số công dân đạt danh hiệu "Công dân học tập"').fill('1020');
  await commune.getByLabel('Số công dân được đào tạo trình độ chuyên môn kỹ thuật').fill('700');
  await commune.getByLabel('Số công dân có trình độ đại học trở lên').fill('180');
  await commune.getByRole('button', { name: 'Lưu và chấm' }).click();
  await expect(commune.locator('.error-summary')).toHaveCount(0);
  // 1.020 of 1.200 is 85%, enough for level 2 on TC5.CT1, but level 2 needs a level-1
  // recognition at least 12 months old: the result is level 1.
  await expect(commune.locator('#giai-thich')).toContainText('TC5.CT1');
  await expect(commune.locator('#ket-qua')).toContainText('Mức độ 1');

  // Evidence is required: without it the submission lists what is missing.
  await commune.getByRole('button', { name: 'Nộp hồ sơ' }).click();
  await expect(commune.locator('.error-summary')).toContainText('Thiếu minh chứng');
  await commune.goto(dossierUrl);
  await addEvidence(commune, `Báo cáo kết quả xây dựng CĐHT năm 2026 ${RUN}`);
  await expect(commune.getByText('Còn thiếu minh chứng cho')).toHaveCount(0);
  await commune.getByRole('button', { name: 'Nộp hồ sơ' }).click();
  await expect(commune.locator('#trang-thai')).toContainText('Đã nộp, chờ thẩm định');

  // The province reviewer (four eyes: not the commune's officer) takes and approves it.
  const reviewer = await session(browser, baseURL, 'tinh.thamdinh');
  await openFromWork(reviewer, /^Chờ tôi thẩm định/, COMMUNE_NAME);
  await expect(reviewer).toHaveURL(dossierUrl);
  await reviewer.getByRole('button', { name: 'Nhận thẩm định' }).click();
  await expect(reviewer.locator('#trang-thai')).toContainText('Đang thẩm định (bước 1)');
  await expect(reviewer.locator('#minh-chung')).toContainText('Minh chứng (1)');
  await reviewer.getByRole('button', { name: 'Thông qua bước này' }).click();
  await expect(reviewer.locator('#trang-thai')).toContainText('Đã thẩm định, chờ quyết định');

  // The province leader signs the recognition decision.
  const signer = await session(browser, baseURL, 'tinh.lanhdao');
  await mainNav(signer).getByRole('link', { name: 'Đợt đánh giá' }).click();
  await signer.getByRole('link', { name: campaign, exact: true }).click();
  await signer.getByRole('link', { name: 'Ra quyết định công nhận các hồ sơ đã thẩm định' }).click();
  await signer.getByLabel('Số, ký hiệu', { exact: true }).fill(`${RUN}/QĐ-UBND`);
  await signer.getByLabel('Ngày ký', { exact: true }).fill(new Date().toLocaleDateString('en-CA', { timeZone: 'Asia/Ho_Chi_Minh' }));
  await expect(signer.getByRole('checkbox', { name: new RegExp(COMMUNE_NAME) })).toBeChecked();
  await signer.getByRole('button', { name: 'Ban hành quyết định' }).click();
  await expect(signer.locator('.error-summary')).toHaveCount(0);
  await expect(signer.getByRole('heading', { level: 1 })).toHaveText(`Quyết định số ${RUN}/QĐ-UBND`);
  const row = signer.getByRole('row').filter({ hasText: COMMUNE_NAME });
  await expect(row).toContainText('Mức độ 1');
  await expectDecisionDocuments(signer);
  await expectCertificate(signer, COMMUNE_NAME);
  await expectValid(browser, baseURL, await verifyLink(signer, COMMUNE_NAME), COMMUNE_NAME);

  // The commune sees its dossier recognised.
  await commune.goto(dossierUrl);
  await expect(commune.locator('#trang-thai')).toContainText('Đã công nhận');
});
