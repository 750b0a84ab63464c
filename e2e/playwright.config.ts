// Browser tests of the Hoctap pages, in Debian's Chromium (no browser download).
//
// Playwright starts the debug binary in demo mode: it deletes and rebuilds the SQLite file,
// loads the real administrative units and the demo users (password "hoctap-2025"), then serves.
// Build it first: `cargo build -p hoctap` (`.ci/run` does everything).
//
// Environment (all optional):
//   HOCTAP_E2E_PORT   loopback port of the demo server (default 8765)
//   HOCTAP_E2E_DB     SQLite file the demo rebuilds (default /tmp/hoctap-e2e.db)
//   HOCTAP_BIN        server binary (default ../target/debug/hoctap)
//   HOCTAP_E2E_REUSE  "1": use a server already listening on the port instead of starting one
//   CHROMIUM          browser executable (default /usr/bin/chromium)
import { defineConfig, devices } from '@playwright/test';

const port = Number(process.env.HOCTAP_E2E_PORT ?? 8765);
const baseURL = `http://127.0.0.1:${port}`;
const db = process.env.HOCTAP_E2E_DB ?? '/tmp/hoctap-e2e.db';
const bin = process.env.HOCTAP_BIN ?? '../target/debug/hoctap';

export default defineConfig({
  testDir: './tests',
  // The tests share one demo database; one worker keeps them from racing each other.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 5_000 },
  reporter: [['list'], ['json', { outputFile: 'playwright-report/results.json' }]],
  outputDir: 'test-results',
  use: {
    baseURL,
    locale: 'vi-VN',
    timezoneId: 'Asia/Ho_Chi_Minh',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        launchOptions: {
          executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
          // The machine has no network but the package registries: without the background
          // networking flags Chromium keeps trying (and failing) to reach Google's hosts.
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        },
      },
    },
  ],
  webServer: {
    // One commune with generated registries and recognitions keeps the debug start short.
    command: `${bin} demo --bind 127.0.0.1:${port} --database-url sqlite://${db} --secret-key-file ${db}.key --stat-communes 1`,
    url: `${baseURL}/healthz`,
    reuseExistingServer: process.env.HOCTAP_E2E_REUSE === '1',
    timeout: 120_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
