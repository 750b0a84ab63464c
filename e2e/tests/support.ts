import { expect, type Browser, type Page } from '@playwright/test';

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

/** A tiny PDF, as an evidence file. */
export const PDF = Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n', 'latin1');

/** A fresh browser context (own cookies) logged in as the given user. */
export async function session(browser: Browser, baseURL: string | undefined, username: string, password = DEMO_PASSWORD): Promise<Page> {
  const context = await browser.newContext({ baseURL, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
  const page = await context.newPage();
  await logIn(page, username, password);
  return page;
}

export function mainNav(page: Page) {
  return page.getByRole('navigation', { name: 'Điều hướng chính' });
}

/** Opens "Đợt đánh giá", opens a 2026 campaign of the given set, or goes to the existing one. */
export async function openCampaign(page: Page, setId: string): Promise<string> {
  await mainNav(page).getByRole('link', { name: 'Đợt đánh giá' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Đợt đánh giá');
  await page.getByLabel('Năm đánh giá').fill('2026');
  await page.getByLabel('Bộ tiêu chí').selectOption(setId);
  await page.getByRole('button', { name: 'Mở đợt đánh giá' }).click();
  const errors = page.locator('.error-summary');
  if (await errors.isVisible()) {
    // Opened by an earlier run against the same server: go to it from the list.
    await expect(errors).toContainText('đã có đợt đánh giá');
    await mainNav(page).getByRole('link', { name: 'Đợt đánh giá' }).click();
    const row = page
      .locator('table#dot-danh-gia')
      .getByRole('row')
      .filter({ has: page.getByRole('cell', { name: '2026', exact: true }) })
      .filter({ has: page.getByRole('cell', { name: setId, exact: true }) });
    await row.getByRole('link').first().click();
  }
  await expect(page.getByRole('heading', { name: 'Lập hồ sơ cho một đối tượng' })).toBeVisible();
  return (await page.getByRole('heading', { level: 1 }).innerText()).trim();
}

/** Lays a dossier for a subject from the campaign page; returns the dossier URL. */
export async function layDossier(page: Page, subject: string): Promise<string> {
  await page.getByLabel('Mã đối tượng').fill(subject);
  await page.getByRole('button', { name: 'Lập hồ sơ' }).click();
  await expect(page).toHaveURL(/\/ho-so\/\d+$/);
  await expect(page.locator('#trang-thai')).toContainText('Bản nháp');
  return page.url();
}

/** Uploads one evidence PDF linked to the given indicators (all when omitted). */
export async function addEvidence(page: Page, title: string, indicators?: string[]): Promise<void> {
  await page.getByLabel('Tệp minh chứng').setInputFiles({ name: `${title}.pdf`, mimeType: 'application/pdf', buffer: PDF });
  await page.getByLabel('Tên minh chứng').fill(title);
  const boxes = page.getByRole('group', { name: /Chứng minh cho chỉ tiêu/ }).getByRole('checkbox');
  if (indicators) {
    for (const id of indicators) await boxes.filter({ hasText: id }).or(page.getByRole('checkbox', { name: id })).first().check();
  } else {
    for (const box of await boxes.all()) await box.check();
  }
  await page.getByRole('button', { name: 'Thêm minh chứng' }).click();
  await expect(page.getByText(title).first()).toBeVisible();
}

/** Goes to "Việc của tôi" and opens the dossier whose link mentions the given text. */
export async function openFromWork(page: Page, section: RegExp, text: string): Promise<void> {
  await mainNav(page).getByRole('link', { name: 'Việc của tôi' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Việc của tôi');
  const box = page.locator('section').filter({ has: page.getByRole('heading', { level: 2, name: section }) });
  await box.getByRole('link', { name: new RegExp(text) }).first().click();
  await expect(page).toHaveURL(/\/ho-so\/\d+$/);
}

/** The decision page's PDF and Word documents download as such. */
export async function expectDecisionDocuments(page: Page): Promise<void> {
  const pdf = await page.request.get(await page.getByRole('link', { name: 'Xem quyết định (PDF)' }).getAttribute('href') as string);
  expect(pdf.ok()).toBeTruthy();
  expect((await pdf.body()).subarray(0, 4).toString('latin1')).toBe('%PDF');

  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Tải bản Word' }).click();
  const docx = await download;
  const path = await docx.path();
  const { readFile } = await import('node:fs/promises');
  expect((await readFile(path)).subarray(0, 2).toString('latin1')).toBe('PK');
}

/** The certificate of the subject, from its row on the decision page, is a PDF. */
export async function expectCertificate(page: Page, subject: string): Promise<void> {
  const row = page.getByRole('row').filter({ hasText: subject });
  const cert = await page.request.get(await row.getByRole('link', { name: 'Giấy công nhận' }).getAttribute('href') as string);
  expect(cert.ok()).toBeTruthy();
  expect((await cert.body()).subarray(0, 4).toString('latin1')).toBe('%PDF');
}

export async function verifyLink(page: Page, subject: string): Promise<string> {
  const row = page.getByRole('row').filter({ hasText: subject });
  const href = await row.locator('a[href^="/xac-minh/"]').first().getAttribute('href');
  expect(href).toMatch(/^\/xac-minh\/\S+$/);
  return href as string;
}

/** The public verification page, without logging in, says the recognition is valid. */
export async function expectValid(browser: Browser, baseURL: string | undefined, href: string, name: string): Promise<void> {
  const context = await browser.newContext({ baseURL, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
  const page = await context.newPage();
  await page.goto(href);
  const result = page.locator('#ket-qua');
  await expect(result.getByRole('heading', { name: 'Còn hiệu lực' })).toBeVisible();
  await expect(result).toContainText(name);
  await context.close();
}
