// `conf` / the admin `configuration` command: the member's settings in Apache's order and names.
import type { ServerConfig } from './config/index.js'

export interface ConfSizes {
  dataDirBytes: number
  dataLogDirBytes: number
}

export function confEntries(config: ServerConfig, sizes: ConfSizes, configVersion: bigint): [string, string | number | null][] {
  const entries: [string, string | number | null][] = [
    ['clientPort', config.clientPort ?? -1],
    ['secureClientPort', config.secureClientPort ?? -1],
    ['dataDir', config.dataDir],
    ['dataDirSize', sizes.dataDirBytes],
    ['dataLogDir', config.dataLogDir],
    ['dataLogSize', sizes.dataLogDirBytes],
    ['tickTime', config.tickTimeMs],
    ['maxClientCnxns', config.maxClientCnxns],
    ['minSessionTimeout', config.minSessionTimeoutMs],
    ['maxSessionTimeout', config.maxSessionTimeoutMs],
    ['clientPortListenBacklog', -1],
    ['serverId', config.myid],
  ]
  if (config.servers.length === 0) return entries
  const self = config.servers.find((s) => s.id === config.myid)
  entries.push(
    ['initLimit', config.initLimitTicks],
    ['syncLimit', config.syncLimitTicks],
    ['electionAlg', 3],
    ['electionPort', self?.electionPort ?? -1],
    ['quorumPort', self?.quorumPort ?? -1],
    ['peerType', self?.role === 'observer' ? 1 : 0],
    ['membership: ', null],
    ...config.servers.map((s): [string, string] => [`server.${s.id}`, serverLine(s)]),
    ['version', configVersion.toString(16)],
  )
  return entries
}

/** A `server.N` value as Apache prints it in conf and /zookeeper/config. */
export function serverLine(s: ServerConfig['servers'][number]): string {
  const client = s.clientPort === undefined ? '' : `;${s.clientAddress ?? '0.0.0.0'}:${s.clientPort}`
  return `${s.host}:${s.quorumPort}:${s.electionPort}:${s.role}${client}`
}

/** /zookeeper/config's data: Apache's dynamic-config text of a static ensemble. */
export function configText(config: ServerConfig): string {
  return `${config.servers.map((s) => `server.${s.id}=${serverLine(s)}`).join('\n')}\nversion=0`
}
