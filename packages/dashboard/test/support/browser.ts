/**
 * Headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core: no browser download,
 * a fresh profile per launch, nothing reaching outside 127.0.0.1.
 */
import { existsSync } from 'node:fs'
import { chromium, type Browser, type Page } from 'playwright-core'
import { tempDir } from '@zoo/testkit'
import type { Test } from 'tap'

export const CHROMIUM = '/usr/bin/chromium'

export function chromiumInstalled(): boolean {
  return existsSync(CHROMIUM)
}

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic']

/** A browser for this test, closed (and its profile removed) when the test ends. */
export async function browserFor(t: Test): Promise<Browser> {
  if (!chromiumInstalled()) throw new Error(`${CHROMIUM} is missing: install the Debian package 'chromium' (tools/scripts/system-deps.sh does)`)
  const profile = tempDir('zoo-dashboard-chromium')
  // launchPersistentContext would be the profile's owner; a plain launch with --user-data-dir keeps one Browser object.
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...ARGS, `--user-data-dir=${profile.path}`], timeout: 30_000 })
  t.teardown(async () => {
    await browser.close()
    profile.remove()
  })
  return browser
}

export async function pageFor(browser: Browser, viewport = { width: 1400, height: 900 }): Promise<Page> {
  const context = await browser.newContext({ viewport })
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  return page
}
