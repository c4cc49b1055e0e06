/**
 * Asks one member what it is: four-letter words first (`mntr`, `srvr`, now and then `conf`),
 * then, when `mntr` gave nothing and an AdminServer is known, its JSON commands. Each phase has
 * its own deadline, so a probe ends within twice `timeoutMs` whatever the member does.
 */
import type { ConnectionOptions } from 'node:tls'
import { adminCommand } from './admin.js'
import { fourLetterWord } from './four-letter.js'
import type { Observations } from './member.js'
import type { Endpoint } from './membership.js'
import type { AdminAnswer, WordAnswer } from './parse.js'

export interface ProbeTarget {
  client: Endpoint | undefined
  /** `http://host:port` of the member's AdminServer, if one is expected */
  adminUrl: string | undefined
}

export interface ProbeOptions {
  timeoutMs: number
  /** also ask for the server id (`conf` / `configuration`) */
  askIdentity: boolean
  /** four-letter words over TLS (members serving a secureClientPort) */
  tls?: ConnectionOptions
}

const NO_CLIENT: WordAnswer = { kind: 'refused', reason: 'no client address known' }

export async function probeMember(target: ProbeTarget, options: ProbeOptions): Promise<Observations> {
  const word = (w: string) => (target.client ? fourLetterWord(target.client, w, { timeoutMs: options.timeoutMs, tls: options.tls }) : Promise.resolve(NO_CLIENT))
  const [mntr, srvr, conf] = await Promise.all([word('mntr'), word('srvr'), options.askIdentity ? word('conf') : undefined])
  const observations: Observations = { mntr, srvr, conf }
  if (target.adminUrl === undefined || mntr.kind === 'text') return observations
  const base = target.adminUrl
  const admin = (command: string): Promise<AdminAnswer> => adminCommand(base, command, { timeoutMs: options.timeoutMs })
  const [adminMonitor, adminStats, adminConf] = await Promise.all([
    admin('monitor'),
    srvr.kind === 'text' ? undefined : admin('server_stats'),
    options.askIdentity && conf?.kind !== 'text' ? admin('configuration') : undefined,
  ])
  return { ...observations, adminMonitor, adminStats, adminConf }
}
