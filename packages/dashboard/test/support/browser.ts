/**
 * Headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core: no browser download,
 * a fresh profile (user data dir) per launch, nothing reaching outside 127.0.0.1.
 */
import { existsSync } from 'node:fs'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { tempDir } from '@zoo/testkit'
import type { Test } from 'tap'

export const CHROMIUM = '/usr/bin/chromium'

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic']
const VIEWPORT = { width: 1400, height: 900 }

/** A browser (one persistent context on a fresh profile) for this test, closed and removed when it ends. */
export async function browserFor(t: Test): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install the Debian package 'chromium' (tools/scripts/system-deps.sh does)`)
  const profile = tempDir('zoo-dashboard-chromium')
  const context = await chromium.launchPersistentContext(profile.path, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: VIEWPORT, timeout: 30_000 })
  t.teardown(async () => {
    await context.close()
    profile.remove()
  })
  return context
}

/**
 * A new tab. Tabs share the profile but not sessionStorage, where the page keeps the write
 * token: a new tab has none until it is given one.
 */
export async function pageFor(context: BrowserContext): Promise<Page> {
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  return page
}
