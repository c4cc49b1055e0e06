/**
 * `--target apache`: Debian's Apache ZooKeeper 3.8 (the control). Each member is a JVM running
 * QuorumPeerMain on its own zoo.cfg (see ensemble.ts for why the files differ per member).
 */
import { existsSync } from 'node:fs'
import { APACHE_ZOOKEEPER_JAR, apacheZooKeeperInstalled } from '@zoo/testkit'
import { apacheLogFormat } from '../faults/disk.js'
import type { ElectionHelloRewriter } from '../faults/network.js'
import { MemberProcesses, processTarget } from './ensemble.js'
import type { ChaosTarget, EnsembleOptions } from './target.js'

const LOG_CONFIG_DIR = '/etc/zookeeper/conf'
/** Debian ships slf4j without a binding on zookeeper.jar's class path; this one logs to stderr. */
const SLF4J_SIMPLE_JAR = '/usr/share/java/slf4j-simple.jar'

export function apacheTarget(options: EnsembleOptions): ChaosTarget {
  if (!apacheZooKeeperInstalled()) throw new Error(`Apache ZooKeeper is not installed (${APACHE_ZOOKEEPER_JAR}); install the Debian package 'zookeeper'`)
  const processes = new MemberProcesses(options, {
    command: 'java',
    args: (configFile) => [
      '-Xmx256m',
      '-XX:+UseSerialGC',
      '-Dzookeeper.4lw.commands.whitelist=*',
      '-Dzookeeper.admin.enableServer=false',
      // Small log files and frequent snapshots, so disk faults meet log rolls and snapshots too.
      '-Dzookeeper.preAllocSize=4096',
      '-Dzookeeper.snapCount=2000',
      '-Dorg.slf4j.simpleLogger.defaultLogLevel=info',
      '-Dorg.slf4j.simpleLogger.showDateTime=true',
      '-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS',
      '-cp',
      [APACHE_ZOOKEEPER_JAR, LOG_CONFIG_DIR, ...(existsSync(SLF4J_SIMPLE_JAR) ? [SLF4J_SIMPLE_JAR] : [])].join(':'),
      'org.apache.zookeeper.server.quorum.QuorumPeerMain',
      configFile,
    ],
  })
  return processTarget('apache', `${options.members.length}-member Apache ZooKeeper 3.8 ensemble (${APACHE_ZOOKEEPER_JAR}), tickTime ${options.tickTimeMs} ms`, processes, apacheLogFormat)
}

const PROTOCOL_VERSION_V1 = -65536n
const PROTOCOL_VERSION_V2 = -65535n

/**
 * Apache's election hello (QuorumCnxManager's InitialMessage): protocol version (long, negative),
 * sid (long), then a length-prefixed "host:port" string: the dialer's own election address, at
 * which a higher-id receiver calls it back. That is the dialer's real port, so the proxy puts the
 * reverse link's proxy there instead. An old-style hello (a bare non-negative sid) has no address.
 */
export const rewriteApacheElectionHello: ElectionHelloRewriter = (dialer, target, callBackPort) => (received) => {
  if (received.length < 8) return undefined
  const version = received.readBigInt64BE(0)
  if (version >= 0n) return { output: Buffer.alloc(0), consumed: 0 }
  if (version !== PROTOCOL_VERSION_V1 && version !== PROTOCOL_VERSION_V2) throw new Error(`member ${dialer} -> ${target}: unknown election protocol version ${version}`)
  if (received.length < 20) return undefined
  const sid = received.readBigInt64BE(8)
  if (sid !== BigInt(dialer)) throw new Error(`election hello on link ${dialer} -> ${target} carries sid ${sid}`)
  const length = received.readInt32BE(16)
  if (received.length < 20 + length) return undefined
  const address = Buffer.from(`127.0.0.1:${callBackPort}`, 'utf8')
  const output = Buffer.alloc(20 + address.length)
  received.copy(output, 0, 0, 16)
  output.writeInt32BE(address.length, 16)
  address.copy(output, 20)
  return { output, consumed: 20 + length }
}
