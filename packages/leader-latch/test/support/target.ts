/**
 * The ensemble an integration suite runs against: recipe-core's EnsembleTarget (Apache today,
 * `zoo cluster` later, chosen by ZOO_RECIPES_TARGET) plus pause/resume of a member (SIGSTOP /
 * SIGCONT: a server that goes silent without closing connections).
 * TODO(recipe-core): EnsembleTarget has no pause(id)/resume(id); move them there.
 */
import { startApacheZooKeeper } from '@zoo/testkit'
import type { EnsembleTarget } from '@zoo/recipe-core/testing'

export interface LatchTarget extends EnsembleTarget {
  pause(id: number): void
  resume(id: number): void
}

export async function startTarget(options: { members?: number; tickTimeMs?: number } = {}): Promise<LatchTarget> {
  const name = process.env.ZOO_RECIPES_TARGET ?? 'apache'
  if (name !== 'apache') throw new Error(`ZOO_RECIPES_TARGET=${name}: only apache is known yet`)
  const apache = await startApacheZooKeeper({ members: options.members ?? 1, tickTimeMs: options.tickTimeMs ?? 500 })
  const member = (id: number) => {
    const found = apache.members.find((m) => m.id === id)
    if (!found) throw new Error(`no member ${id}`)
    return found
  }
  const signal = (id: number, sig: NodeJS.Signals) => {
    const child = member(id).process?.child
    if (!child) throw new Error(`member ${id} is not running`)
    child.kill(sig)
  }
  return {
    name,
    connectString: apache.connectString,
    ids: apache.members.map((m) => m.id),
    port: (id) => member(id).clientPort,
    mode: (id) => apache.mode(id),
    kill: (id) => apache.kill(id),
    start: (id) => apache.start(id),
    stop: async () => {
      for (const m of apache.members) m.process?.child.kill('SIGCONT')
      await apache.stop()
    },
    pause: (id) => signal(id, 'SIGSTOP'),
    resume: (id) => signal(id, 'SIGCONT'),
  }
}
