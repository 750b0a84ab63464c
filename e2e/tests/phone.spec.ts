// Every page on a phone and for everyone: four roles crawl the demo at 390 px wide (every link on
// every page, one address per route and role); no page may scroll sideways, and axe-core finds no
// serious or critical WCAG 2.1 A/AA violation on any of them (once per route). The crawl must reach every
// page of the router (`hoctap routes --json`), except those the demo has no object for, listed
// below with the reason.
import { test, expect, type Browser, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import AxeBuilder from '@axe-core/playwright';
import { logIn } from './support';

const bin = process.env.HOCTAP_BIN ?? '../target/debug/hoctap';
const routes: { method: string; path: string }[] = JSON.parse(execFileSync(bin, ['routes', '--json']).toString());

/** Downloads and machine formats: not pages. */
const FILE = /\.(pdf|docx|xlsx|csv|xml|svg|jwt|toml|json|css|js|png|jpg|webmanifest)$|\/(tep|file)$/;

/** Routes that answer a file without an extension in their path (an evidence file). */
const DOWNLOADS = ['/minh-chung/{id}'];

function isPage(path: string): boolean {
  return !path.startsWith('/api/') && !path.startsWith('/static/') && path !== '/healthz' && !FILE.test(path) && !DOWNLOADS.includes(path);
}

const pages = routes.filter((r) => r.method === 'GET' && isPage(r.path)).map((r) => r.path);

/** Route patterns as regular expressions, the most specific (most literal segments) first. */
const patterns = pages
  .map((p) => ({ p, re: new RegExp('^' + p.replace(/\{[^}]+\}/g, '[^/]+') + '$'), literal: p.split('/').filter((s) => s && !s.startsWith('{')).length }))
  .sort((a, b) => b.literal - a.literal);

function patternOf(path: string): string | undefined {
  return patterns.find((x) => x.re.test(path))?.p;
}

/** Pages the demo database has no object for (the routes are tested by the Rust suite). */
const NOT_IN_DEMO: Record<string, string> = {
  '/khen-thuong/{id}': 'no reward decision is issued in the demo',
  '/de-nghi/{id}': 'no nomination for a reward is made in the demo',
  '/the-hoi-vien/{code}': 'a membership card is checked from its QR code, not from a link',
  '/khoa/{unit}': 'public keys (JSON) for verifiers, not a page',
  '/trang-thai/{unit}': 'status lists (JSON) for verifiers, not a page',
};

/** Routes whose pages differ by object in what they link to: every plan (only a province's own
 * plan offers the target split to its officer). */
const DEEPER: Record<string, number> = { '/ke-hoach/{id}': 20 };

async function phone(browser: Browser, baseURL: string | undefined): Promise<Page> {
  const context = await browser.newContext({
    baseURL,
    locale: 'vi-VN',
    timezoneId: 'Asia/Ho_Chi_Minh',
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  });
  return context.newPage();
}

/** Whether the page scrolls sideways, and which elements stick out. */
async function overflow(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    const root = document.documentElement;
    const width = root.clientWidth;
    if (root.scrollWidth <= width + 1) return null;
    const culprits: string[] = [];
    for (const el of Array.from(document.querySelectorAll('body *'))) {
      const r = el.getBoundingClientRect();
      if (r.right > width + 1 && culprits.length < 4) {
        const cls = typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\s+/).join('.') : '';
        culprits.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${cls} (${Math.round(r.right)} px)`);
      }
    }
    return `${root.scrollWidth} px: ${culprits.join(', ')}`;
  });
}

/** WCAG 2.1 A and AA rules (axe-core): the serious and critical violations of a page, once per
 * route pattern. */
async function accessibility(page: Page, pattern: string, checked: Set<string>, problems: string[]): Promise<void> {
  if (checked.has(pattern)) return;
  checked.add(pattern);
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  for (const v of result.violations) {
    if (v.impact === 'serious' || v.impact === 'critical') {
      problems.push(`${pattern}: ${v.id} (${v.impact}) ${v.nodes.slice(0, 2).map((n) => n.target.join(' ')).join(' | ')}`);
    }
  }
}

/** Follows every same-site link breadth first; returns the patterns seen and the wide pages. */
async function crawl(page: Page, start: string[], seen: Map<string, number>, wide: string[], who: string, a11y: { checked: Set<string>; problems: string[] }): Promise<void> {
  const queue = [...start];
  const visited = new Set<string>();
  let loaded = 0;
  // Links to routes already seen by this role are dropped without counting: a list of 300
  // households must not use up the crawl before the deeper pages.
  while (queue.length > 0 && loaded < 600) {
    const url = queue.shift()!;
    if (visited.has(url)) continue;
    const pattern = patternOf(url.split('?')[0]);
    if (!pattern || DOWNLOADS.includes(pattern)) continue;
    const count = seen.get(`${who} ${pattern}`) ?? 0;
    if (count >= (DEEPER[pattern] ?? 1)) continue;
    visited.add(url);
    loaded += 1;
    seen.set(`${who} ${pattern}`, count + 1);
    seen.set(pattern, (seen.get(pattern) ?? 0) + 1);
    const response = await page.goto(url, { waitUntil: 'domcontentloaded' });
    if (!response || !response.ok() || !(response.headers()['content-type'] ?? '').startsWith('text/html')) continue;
    const too = await overflow(page);
    if (too) wide.push(`${url} (${who}): ${too}`);
    await accessibility(page, pattern, a11y.checked, a11y.problems);
    const links = await page.$$eval('a[href]', (as) => as.map((a) => a.getAttribute('href') ?? ''));
    for (const href of links) {
      if (!href.startsWith('/') || href.startsWith('//') || href.startsWith('/dang-xuat')) continue;
      const clean = href.split('#')[0];
      if (FILE.test(clean.split('?')[0]) || visited.has(clean)) continue;
      queue.push(clean);
    }
  }
}

test('no page scrolls sideways at 390 px or breaks WCAG 2.1 AA, and the crawl reaches every page of the router', async ({ browser, baseURL }) => {
  test.setTimeout(600_000);
  const seen = new Map<string, number>();
  const wide: string[] = [];
  const a11y = { checked: new Set<string>(), problems: [] as string[] };
  const anonymous = await phone(browser, baseURL);
  await crawl(anonymous, ['/dang-nhap', '/xac-minh'], seen, wide, 'khách', a11y);
  for (const user of ['quantri', 'tinh.canbo', 'xa.canbo', '020190001234']) {
    const page = await phone(browser, baseURL);
    await logIn(page, user);
    // The menu button opens the main navigation.
    const menu = page.getByRole('button', { name: 'Danh mục' });
    await expect(menu).toBeVisible();
    await expect(page.getByRole('navigation', { name: 'Điều hướng chính' })).toBeHidden();
    await menu.click();
    await expect(page.getByRole('navigation', { name: 'Điều hướng chính' })).toBeVisible();
    // The user's own unit first: its page holds the unit's own forms and links.
    const me = await (await page.request.get('/api/v1/session')).json();
    const own = me.user?.unit_id ? [`/don-vi/${me.user.unit_id}`] : [];
    await crawl(page, [...own, '/', '/doi-mat-khau'], seen, wide, user, a11y);
    await page.context().close();
  }
  const missing = pages.filter((p) => !seen.has(p) && !(p in NOT_IN_DEMO));
  const accessibility = a11y.problems;
  expect({ missing, wide, accessibility }, 'pages the crawl never reached, pages wider than a 390 px phone, serious or critical WCAG 2.1 AA violations (axe)').toEqual({ missing: [], wide: [], accessibility: [] });
  // Every route reached answers a page that axe checks (once per route).
  expect(a11y.checked.size, 'pages checked by axe').toBeGreaterThan(40);
});
