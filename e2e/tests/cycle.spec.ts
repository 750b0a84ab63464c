import { test, expect, type Browser, type Page } from '@playwright/test';
import { DEMO_PASSWORD, addEvidence, expectCertificate, expectDecisionDocuments, expectValid, layDossier, logIn, mainNav, openCampaign, openFromWork, session, verifyLink } from './support';
import { decodeProtectedHeader, importJWK, jwtVerify } from 'jose';

/** A run-unique suffix, so that the tests also pass against a reused server. */
const RUN = Date.now().toString(36).toUpperCase();
/** The same, in letters only (a person's name may not contain digits). */
const RUN_LETTERS = [...Date.now().toString(26)].map((c) => String.fromCharCode(97 + parseInt(c, 26))).join('');

/** The demo commune Phường Đông Kinh and its village Thôn Nà Sla. */
const COMMUNE = '05977';
const VILLAGE = '05977001';

test('a household goes through the whole GĐHT cycle: dossier, two review steps, a return, the decision', async ({ browser, baseURL }) => {
  test.setTimeout(120_000);
  const householdCode = `HGD-${RUN}`;
  const head = `Nguyễn Văn Kiểm ${RUN_LETTERS}`;
  const villageReviewer = `truongthon.${RUN_LETTERS}`;
  const tempPassword = 'tam-thoi-123456';
  const newPassword = `moi-${RUN_LETTERS}-2026`;

  // The commune officer adds the household and a village-level reviewer.
  const officer = await session(browser, baseURL, 'xa.canbo');
  await officer.goto('/so/ho-gia-dinh/moi');
  await officer.getByLabel('Mã hộ (bắt buộc)').fill(householdCode);
  await officer.getByLabel('Họ tên chủ hộ (bắt buộc)').fill(head);
  await officer.getByLabel('Mã thôn (bắt buộc)').fill(VILLAGE);
  await officer.getByRole('button', { name: 'Thêm vào sổ' }).click();
  await expect(officer.locator('.error-summary')).toHaveCount(0);
  await expect(officer.getByText(head).first()).toBeVisible();

  await officer.goto('/nguoi-dung');
  const create = officer.locator('form').filter({ has: officer.getByRole('button', { name: 'Tạo tài khoản' }) });
  await create.getByLabel('Tên đăng nhập').fill(villageReviewer);
  await create.getByLabel('Họ và tên').fill(`Trưởng Thôn ${RUN_LETTERS}`);
  await create.getByLabel('Vai trò').selectOption({ label: 'Người thẩm định' });
  await create.getByLabel('Mã đơn vị').fill(VILLAGE);
  await create.getByLabel('Mật khẩu tạm', { exact: true }).fill(tempPassword);
  await create.getByRole('button', { name: 'Tạo tài khoản' }).click();
  await expect(officer.locator('.error-summary')).toHaveCount(0);
  await expect(officer.getByText(villageReviewer).first()).toBeVisible();

  // The campaign, the dossier, the answers, the evidence, the submission.
  const campaign = await openCampaign(officer, 'gdht');
  const dossierUrl = await layDossier(officer, householdCode);
  const indicators = officer.locator('table#chi-tieu');
  await indicators.getByRole('row').filter({ hasText: 'G1.CT1' }).getByRole('combobox').selectOption({ label: 'Đạt' });
  // G2.CT1 is computed from the household's data, entered below the indicators.
  await expect(indicators.getByRole('row').filter({ hasText: 'G2.CT1' })).toContainText('Tính từ số liệu');
  await indicators.getByRole('row').filter({ hasText: 'G3.CT1' }).getByRole('combobox').selectOption({ label: 'Đạt' });
  await indicators.getByRole('row').filter({ hasText: 'G4.CT1' }).getByRole('combobox').selectOption({ label: 'Không đạt' });
  // The draft saves itself a moment after a change: a reload keeps the answers.
  await expect(officer.locator('#luu-nhap')).toContainText('Đã lưu nháp lúc');
  await officer.reload();
  await expect(indicators.getByRole('row').filter({ hasText: 'G3.CT1' }).getByRole('combobox')).toHaveValue('1');
  await expect(indicators.getByRole('row').filter({ hasText: 'G4.CT1' }).getByRole('combobox')).toHaveValue('0');
  await officer.getByRole('button', { name: 'Lưu và chấm' }).click();
  await expect(officer.locator('.error-summary')).toHaveCount(0);
  await addEvidence(officer, `Danh sách thành viên ${RUN}`, ['G2.CT1']);
  // Without the data the result is incomplete, and an incomplete dossier cannot be submitted.
  await officer.getByRole('button', { name: 'Nộp hồ sơ' }).click();
  await expect(officer.locator('.error-summary')).toContainText('chưa đầy đủ');
  await officer.goto(dossierUrl);
  await officer.getByLabel('Số người lớn trong gia đình').fill('2');
  await officer.getByLabel('Số người lớn đạt "Công dân học tập"').fill('1');
  await officer.getByRole('button', { name: 'Lưu và chấm' }).click();
  await expect(officer.locator('.error-summary')).toHaveCount(0);
  await expect(officer.getByLabel(/Kinh tế gia đình ổn định/)).toHaveValue('0');
  await expect(officer.getByLabel('Số người lớn trong gia đình')).toHaveValue('2');
  await officer.getByRole('button', { name: 'Nộp hồ sơ' }).click();
  await expect(officer.locator('#trang-thai')).toContainText('Đã nộp, chờ thẩm định');

  // Step 1: the village head, at first login, changes the temporary password, then approves.
  const village = await (await browser.newContext({ baseURL, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' })).newPage();
  await village.goto('/dang-nhap');
  await village.getByLabel('Tên đăng nhập').fill(villageReviewer);
  await village.getByLabel('Mật khẩu').fill(tempPassword);
  await village.getByRole('button', { name: 'Đăng nhập' }).click();
  await expect(village).toHaveURL(/\/doi-mat-khau/);
  await village.getByLabel('Mật khẩu hiện tại').fill(tempPassword);
  await village.getByLabel('Mật khẩu mới', { exact: true }).fill(newPassword);
  await village.getByLabel('Nhập lại mật khẩu mới').fill(newPassword);
  await village.getByRole('button', { name: 'Đổi mật khẩu' }).click();
  await expect(village.locator('.error-summary')).toHaveCount(0);
  await openFromWork(village, /^Chờ tôi thẩm định/, householdCode);
  await expect(village).toHaveURL(dossierUrl);
  await village.getByRole('button', { name: 'Nhận thẩm định' }).click();
  await expect(village.locator('#trang-thai')).toContainText('Đang thẩm định (bước 1)');
  await village.getByRole('button', { name: 'Thông qua bước này' }).click();
  await expect(village.locator('#trang-thai')).toContainText('Đang thẩm định (bước 2)');

  // Step 2: the commune reviewer returns it, asking about G2.CT1.
  const reviewer = await session(browser, baseURL, 'xa.thamdinh');
  await openFromWork(reviewer, /^Chờ tôi thẩm định/, householdCode);
  await expect(reviewer).toHaveURL(dossierUrl);
  const takeStep2 = reviewer.getByRole('button', { name: 'Nhận thẩm định' });
  if (await takeStep2.isVisible()) await takeStep2.click();
  await expect(reviewer.locator('#trang-thai')).toContainText('Đang thẩm định (bước 2)');
  await reviewer.getByLabel('Ý kiến về G4.CT1').fill('Hộ đã đạt Gia đình văn hóa, chấm lại');
  await reviewer.getByRole('button', { name: 'Trả lại để bổ sung (theo ý kiến từng chỉ tiêu)' }).click();
  await expect(reviewer.locator('#trang-thai')).toContainText('Trả lại để bổ sung');

  // The officer corrects the one indicator asked about and resubmits.
  await openFromWork(officer, /^Bị trả lại, cần sửa/, householdCode);
  await expect(officer).toHaveURL(dossierUrl);
  const g4 = officer.locator('table#chi-tieu').getByRole('row').filter({ hasText: 'G4.CT1' });
  await expect(g4).toContainText('Yêu cầu sửa: Hộ đã đạt Gia đình văn hóa, chấm lại');
  await expect(officer.locator('table#chi-tieu').getByRole('row').filter({ hasText: 'G1.CT1' }).getByRole('combobox')).toBeDisabled();
  await g4.getByRole('combobox').selectOption({ label: 'Đạt' });
  await officer.getByRole('button', { name: 'Lưu và chấm' }).click();
  await expect(officer.locator('.error-summary')).toHaveCount(0);
  await officer.getByRole('button', { name: 'Nộp hồ sơ' }).click();
  // Back to the step that returned it, not to the village head again.
  await expect(officer.locator('#trang-thai')).toContainText('Đang thẩm định (bước 2)');

  // The reviewer sees what changed and approves.
  await openFromWork(reviewer, /^Chờ tôi thẩm định/, householdCode);
  await expect(reviewer.getByText('Đã sửa kể từ lần trả lại')).toBeVisible();
  await expect(reviewer.locator('#thay-doi')).toContainText('G4.CT1: Không đạt → Đạt');
  const take = reviewer.getByRole('button', { name: 'Nhận thẩm định' });
  if (await take.isVisible()) await take.click();
  await reviewer.getByRole('button', { name: 'Thông qua bước này' }).click();
  await expect(reviewer.locator('#trang-thai')).toContainText('Đã thẩm định, chờ quyết định');

  // The signer issues the decision.
  const signer = await session(browser, baseURL, 'xa.lanhdao');
  await mainNav(signer).getByRole('link', { name: 'Đợt đánh giá' }).click();
  await signer.getByRole('link', { name: campaign, exact: true }).click();
  await expect(signer.getByRole('heading', { level: 1 })).toHaveText(campaign);
  await signer.getByRole('link', { name: 'Ra quyết định công nhận các hồ sơ đã thẩm định' }).click();
  await signer.getByLabel('Số, ký hiệu', { exact: true }).fill(`${RUN}/QĐ-UBND`);
  // Signed today (Vietnam time), so the recognition is in force at once.
  await signer.getByLabel('Ngày ký', { exact: true }).fill(new Date().toLocaleDateString('en-CA', { timeZone: 'Asia/Ho_Chi_Minh' }));
  // The Gia đình học tập set's legal basis is not verified: the signer names the text.
  await expect(signer.getByText('chưa được đối chiếu với văn bản chính thức')).toBeVisible();
  await signer.getByLabel('Số, ký hiệu văn bản').fill('123/HD-KHVN');
  await signer.getByLabel('Ngày ký văn bản').fill('2023-03-15');
  await signer.getByLabel('Cơ quan ban hành', { exact: true }).fill('Trung ương Hội Khuyến học Việt Nam');
  const ours = signer.getByRole('checkbox', { name: new RegExp(householdCode) });
  await expect(ours).toBeChecked();
  await signer.getByRole('button', { name: 'Ban hành quyết định' }).click();
  await expect(signer.locator('.error-summary')).toHaveCount(0);

  await expect(signer.getByRole('heading', { level: 1 })).toHaveText(`Quyết định số ${RUN}/QĐ-UBND`);
  await expect(signer.getByRole('heading', { level: 2, name: 'Danh sách được công nhận (1)' })).toBeVisible();
  await expectDecisionDocuments(signer);
  // The recognition is listed under the head's name, with its certificate and public check.
  await expectCertificate(signer, head);
  await expectValid(browser, baseURL, await verifyLink(signer, head), head);
  await expectCredentialVerifiesWithJose(signer, head);
});

/**
 * The Open Badges 3.0 credential checks out with an independent library (npm `jose`): its
 * EdDSA signature against the issuing unit's published key, its issuer and its subject.
 */
async function expectCredentialVerifiesWithJose(page: Page, subject: string): Promise<void> {
  const row = page.getByRole('row').filter({ hasText: subject });
  const certificate = await row.getByRole('link', { name: 'Giấy công nhận' }).getAttribute('href') as string;
  const jwtResponse = await page.request.get(certificate.replace('/giay.pdf', '/ob3.jwt'));
  expect(jwtResponse.ok()).toBeTruthy();
  const jwt = (await jwtResponse.text()).trim();
  const header = decodeProtectedHeader(jwt);
  expect(header.alg).toBe('EdDSA');
  expect(header.typ).toBe('vc+jwt');
  // The key is public: fetched without a session, from the URL the header names.
  const keyUrl = new URL(header.kid as string);
  const profile = await (await page.request.get(keyUrl.pathname, { headers: { cookie: '' } })).json();
  const jwk = profile.keys.find((k: { kid?: string }) => k.kid === header.kid) ?? profile.keys[0];
  // The key and the issuer are the server's configured public address (here the demo's default).
  expect(keyUrl.origin).toBe(new URL(page.url()).origin);
  const key = await importJWK(jwk, 'EdDSA');
  const { payload } = await jwtVerify(jwt, key);
  const issuer = typeof payload.issuer === 'string' ? payload.issuer : (payload.issuer as { id: string }).id;
  expect(issuer).toBe(profile.id);
  expect(payload.type).toContain('OpenBadgeCredential');
  expect(JSON.stringify(payload.credentialSubject)).toContain(subject);
  // OB 3.0 §8.2: the registered claims mirror the credential, so jose checks the dates itself.
  const subjectDoc = payload.credentialSubject as { id: string; identifier: { type: string; hashed: boolean; identityHash: string }[] };
  expect(payload.iss).toBe(issuer);
  expect(payload.jti).toBe(payload.id);
  expect(payload.sub).toBe(subjectDoc.id);
  expect(payload.nbf).toBe(Date.parse(payload.validFrom as string) / 1000);
  expect(payload.exp).toBe(Date.parse(payload.validUntil as string) / 1000);
  expect(subjectDoc.identifier[0]).toMatchObject({ type: 'IdentityObject', hashed: true });
  expect(subjectDoc.identifier[0].identityHash).toMatch(/^sha256\$[0-9a-f]{64}$/);
  // The day after validUntil a generic verifier refuses the title.
  const after = new Date(((payload.exp as number) + 1) * 1000);
  await expect(jwtVerify(jwt, key, { currentDate: after })).rejects.toThrow(/exp/);
  // One changed byte of the payload and the signature no longer holds.
  const [h, p, sig] = jwt.split('.');
  const tampered = `${h}.${p.slice(0, -2)}${p.slice(-2) === 'AA' ? 'AB' : 'AA'}.${sig}`;
  await expect(jwtVerify(tampered, await importJWK(jwk, 'EdDSA'))).rejects.toThrow();
}
