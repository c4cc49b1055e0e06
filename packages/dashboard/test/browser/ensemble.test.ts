/**
 * The console in a real browser (headless Chromium) against real 3-member ensembles, once per
 * target (test/support/target.ts). Set ZOO_DASHBOARD_SCREENSHOTS=<dir> to write the README's
 * screenshots as well.
 */
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import t, { type Test } from 'tap'
import { LeaderLatch } from '@zoo/leader-latch'
import { Mutex } from '@zoo/lock'
import { browserFor, pageFor } from '../support/browser.js'
import { clientFor, dashboardFor, eventually } from '../support/dashboard.js'
import { pageAssetsFor } from '../support/page-build.js'
import { ensembleFor, selectedTargets, type Ensemble } from '../support/target.js'

const SCREENSHOTS = process.env.ZOO_DASHBOARD_SCREENSHOTS
// Two ensembles of real JVMs, a browser and a failover: more than tap's default 30 s per file.
t.setTimeout(SCREENSHOTS ? 240_000 : 150_000)

interface Row {
  id: string
  role: string
  sources: string
}

async function rows(page: Page): Promise<Row[]> {
  const locator = page.getByTestId('member-row')
  const out: Row[] = []
  for (let i = 0; i < (await locator.count()); i++) {
    const row = locator.nth(i)
    out.push({ id: (await row.getAttribute('data-id')) ?? '', role: (await row.getAttribute('data-role')) ?? '', sources: (await row.getByTestId('sources').textContent()) ?? '' })
  }
  return out
}

/** Waits until the rows satisfy `check` (which returns true when they do). */
function rowsSettle(page: Page, what: string, timeoutMs: number, check: (rows: Row[]) => boolean): Promise<Row[]> {
  return eventually(what, timeoutMs, async () => {
    const now = await rows(page).catch(() => [])
    return check(now) ? now : undefined
  })
}

const oneLeaderOfThree = (r: Row[]) => r.length === 3 && r.filter((x) => x.role === 'leader').length === 1 && r.every((x) => x.role === 'leader' || x.role === 'follower')

async function leaderOf(ensemble: Ensemble): Promise<number> {
  return eventually('a leader', 30_000, async () => {
    for (const id of ensemble.ids) if ((await ensemble.mode(id)) === 'leader') return id
    return undefined
  })
}

async function screenshot(page: Page, name: string, fullPage = false): Promise<void> {
  if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, name), fullPage })
}

async function openPath(page: Page, url: string, path: string): Promise<void> {
  await page.goto(`${url}#/tree?path=${encodeURIComponent(path)}`)
  await page.getByTestId('node-path').filter({ hasText: path }).waitFor()
}

/** Contenders of a zoo-naming Mutex and a LeaderLatch, each on its own session. */
async function recipes(t: Test, connect: string): Promise<void> {
  const workers = await Promise.all(['worker-a', 'worker-b', 'worker-c'].map(async (id) => ({ id, zk: await clientFor(t, connect) })))
  const stop = new AbortController()
  t.teardown(() => stop.abort())
  const [holder, ...waiters] = workers
  await new Mutex(holder!.zk, '/app/locks/orders', { id: holder!.id, naming: 'zoo' }).acquire()
  for (const w of waiters) {
    void new Mutex(w.zk, '/app/locks/orders', { id: w.id, naming: 'zoo' }).acquire({ signal: stop.signal }).catch(() => undefined)
    await eventually('the waiter to queue', 5_000, async () => ((await w.zk.getChildren('/app/locks/orders')).children.length >= workers.indexOf(w) + 1 ? true : undefined))
  }
  for (const w of workers) {
    const latch = new LeaderLatch(w.zk, '/app/scheduler', { id: w.id })
    t.teardown(() => latch.close())
    await latch.start()
  }
}

/** Reads (and a write now and then) spread over the members, so the charts have something to show, until stopped. */
function startLoad(t: Test, connect: string): { stop: () => Promise<void> } {
  let running = true
  const done = (async () => {
    const clients = await Promise.all(connect.split(',').map((host) => clientFor(t, host)))
    while (running) {
      await Promise.all(clients.flatMap((zk, i) => Array.from({ length: 10 * (i + 1) }, () => zk.getData('/app/config'))))
      await clients[0]!.setData('/app/config', JSON.stringify({ featureX: true, limit: Date.now() % 100 }))
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  })()
  return {
    stop: async () => {
      running = false
      await done
    },
  }
}

t.test('the console in Chromium', async (t) => {
  const assetsDir = await pageAssetsFor(t)
  const browser = await browserFor(t)
  for (const target of selectedTargets()) {
    await t.test(`${target.name}: a 3-member ensemble`, async (t) => {
      const [ensemble, fallback] = await Promise.all([ensembleFor(t, target, { members: 3 }), target.adminFallback ? ensembleFor(t, target, { members: 3, adminFallback: true }) : undefined])
      const dashboard = await dashboardFor(t, { connect: ensemble.connectString, ...ensemble.dashboardOptions, allowWrites: true, assetsDir })
      const zk = await clientFor(t, ensemble.connectString)
      await zk.mkdirp('/app/config', { data: JSON.stringify({ featureX: true, limit: 20, regions: ['eu', 'us'] }) })
      const page = await pageFor(browser)
      await page.goto(`${dashboard.url}#token=${dashboard.token}`)

      await t.test('the page lists 3 members with exactly one leader', async (t) => {
        const settled = await rowsSettle(page, 'three members, one leader', 20_000, oneLeaderOfThree)
        t.same(settled.map((r) => r.id).sort(), ensemble.ids.map(String).sort(), 'every member by its id')
        t.equal(settled.find((r) => r.role === 'leader')!.id, String(await leaderOf(ensemble)), 'the leader the ensemble reports')
        t.equal(await page.locator('[data-role=leader] [data-testid=role]').textContent(), 'leader', 'spelled out')
      })

      await t.test('the tree shows a znode created by a client, with its data', async (t) => {
        await zk.create('/app/created-by-client', 'hello from a client')
        await page.goto(`${dashboard.url}#/tree?path=${encodeURIComponent('/app')}`)
        const row = page.locator('[data-testid=tree-row][data-path="/app/created-by-client"]')
        await row.waitFor()
        await row.getByRole('link').click()
        await page.getByTestId('data-view').filter({ hasText: 'hello from a client' }).waitFor()
        t.equal(await page.getByTestId('node-path').textContent(), '/app/created-by-client')
        t.match(await page.locator('[data-stat=version]').textContent(), '0')
      })

      await t.test('a stale edit is refused with the conflict message, and nothing is overwritten', async (t) => {
        await zk.create('/app/stale', 'v0')
        await openPath(page, dashboard.url, '/app/stale')
        await page.getByTestId('edit-button').click()
        await page.getByTestId('edit-text').fill('written from the page')
        await zk.setData('/app/stale', 'written by a client meanwhile')
        await page.getByTestId('stale-warning').waitFor()
        await page.getByTestId('save-button').click()
        const notice = page.getByTestId('notice')
        await notice.filter({ hasText: 'changed since you loaded it' }).waitFor()
        t.match(await notice.textContent(), /Conflict: \/app\/stale changed since you loaded it \(you edited version 0\)\. It is now at version 1\. Nothing was written/)
        t.equal((await zk.getData('/app/stale')).data.toString(), 'written by a client meanwhile', 'the concurrent write stands')
        // The same text, now edited from the version shown, goes through: the refusal was the version, not the route.
        await page.getByTestId('rebase-button').click()
        await page.getByTestId('save-button').click()
        await notice.filter({ hasText: 'now version 2' }).waitFor()
        t.equal((await zk.getData('/app/stale')).data.toString(), 'written from the page')
      })

      await t.test('without the token a write is refused', async (t) => {
        const stranger = await pageFor(browser)
        t.teardown(() => stranger.close())
        await openPath(stranger, dashboard.url, '/app/stale')
        await stranger.getByTestId('edit-button').click()
        await stranger.getByTestId('edit-text').fill('no token')
        await stranger.getByTestId('save-button').click()
        await stranger.getByTestId('notice').filter({ hasText: 'writes need the token' }).waitFor()
        t.equal((await zk.getData('/app/stale')).data.toString(), 'written from the page', 'unchanged')
      })

      await t.test('recipes: the lock holder and its waiters, the latch leader', async (t) => {
        await recipes(t, ensemble.connectString)
        await openPath(page, dashboard.url, '/app/locks/orders')
        await page.getByTestId('holders').filter({ hasText: 'worker-a' }).waitFor()
        // The recipe panel renders after the node itself: wait for it rather than read a half-drawn page.
        await page.getByTestId('waiters').filter({ hasText: 'worker-c' }).waitFor()
        t.match(await page.getByTestId('waiters').textContent(), /worker-b.*worker-c/)
        await screenshot(page, 'tree.png', true)
        await openPath(page, dashboard.url, '/app/scheduler')
        // The previous page (the lock) also showed worker-a as holder: wait for the latch's own panel.
        await page.getByTestId('recipe').filter({ hasText: 'Leader latch' }).waitFor()
        await page.getByTestId('holders').filter({ hasText: 'worker-a' }).waitFor()
        t.match(await page.getByTestId('recipe').textContent(), /Leader latch in zoo naming, 3 contenders/)
      })

      await t.test('the charts draw requests per second and latency per member', async (t) => {
        await page.getByTestId('tab-charts').click()
        const traffic = startLoad(t, ensemble.connectString)
        await new Promise((resolve) => setTimeout(resolve, SCREENSHOTS ? 45_000 : 3_000))
        await eventually('three charts', 5_000, async () => ((await page.locator('[data-testid=chart] canvas').count()) === 3 ? true : undefined))
        const history = (await (await fetch(`${dashboard.url}api/history`)).json()) as { members: Record<string, { requestsPerSec: number | null }[]> }
        const rates = Object.values(history.members).flatMap((samples) => samples.map((s) => s.requestsPerSec ?? 0))
        t.ok(Math.max(...rates) > 0, 'request rates were measured')
        await screenshot(page, 'charts.png', true)
        if (SCREENSHOTS) {
          await page.getByTestId('tab-ensemble').click()
          await new Promise((resolve) => setTimeout(resolve, 2_000))
          await screenshot(page, 'ensemble.png')
        }
        await traffic.stop()
      })

      if (fallback) {
        await t.test('four-letter words off but srvr, AdminServer on: roles from the AdminServer', async (t) => {
          const adminDashboard = await dashboardFor(t, { connect: fallback.connectString, ...fallback.dashboardOptions, assetsDir })
          const adminPage = await pageFor(browser)
          t.teardown(() => adminPage.close())
          await adminPage.goto(adminDashboard.url)
          const fromAdmin = (r: Row[]) => oneLeaderOfThree(r) && r.every((x) => x.sources.includes('AdminServer') && x.id !== '')
          const settled = await rowsSettle(adminPage, 'roles and ids from the AdminServer', 30_000, fromAdmin)
          t.same(settled.map((r) => r.id).sort(), fallback.ids.map(String).sort(), 'ids from /commands/configuration')
        })
      }

      await t.test('a member that takes connections but answers nothing (SIGSTOP) is up, role unknown', async (t) => {
        await page.getByTestId('tab-ensemble').click()
        await rowsSettle(page, 'a settled ensemble', 20_000, oneLeaderOfThree)
        const leader = await leaderOf(ensemble)
        const follower = ensemble.ids.find((id) => id !== leader)!
        ensemble.pause(follower)
        try {
          await rowsSettle(page, `member ${follower} up, role unknown`, 5_000, (r) => r.some((x) => x.id === String(follower) && x.role === 'unknown'))
          const row = page.locator(`[data-testid=member-row][data-id="${follower}"]`)
          t.match(await row.getByTestId('role').textContent(), 'up, role unknown')
          t.match(await row.textContent(), /accepts connections but answers nothing/)
          t.equal((await rows(page)).filter((x) => x.role === 'leader').length, 1, 'the others unaffected')
        } finally {
          ensemble.resume(follower)
        }
        await rowsSettle(page, `member ${follower} back`, 10_000, oneLeaderOfThree)
      })

      await t.test('killing the leader: that member shows down within 2 s, then another leader', async (t) => {
        await page.getByTestId('tab-ensemble').click()
        await rowsSettle(page, 'a settled ensemble', 20_000, oneLeaderOfThree)
        const leader = await leaderOf(ensemble)
        const killedAt = Date.now()
        await ensemble.kill(leader)
        await rowsSettle(page, `member ${leader} down`, 5_000, (r) => r.some((x) => x.id === String(leader) && x.role === 'down'))
        const elapsedMs = Date.now() - killedAt
        t.ok(elapsedMs <= 2_000, `shown down ${elapsedMs} ms after the kill`)
        const after = await rowsSettle(page, 'a new leader', 30_000, (r) => r.some((x) => x.role === 'leader' && x.id !== String(leader)))
        t.equal(after.filter((x) => x.role === 'leader').length, 1, 'exactly one leader')
        t.equal(after.find((x) => x.id === String(leader))!.role, 'down')
        await screenshot(page, 'failover.png')
      })
    })
  }
})
