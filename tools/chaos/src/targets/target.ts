/**
 * What the harness needs from an ensemble under test, whichever server it runs: separate member
 * processes on 127.0.0.1 that dial each other only through the harness's proxies, and the
 * process-level handles for faults. `--target apache` and `--target zoo` differ only in how a
 * member is launched and how its txn log is laid out on disk.
 */

export interface MemberPorts {
  id: number
  clientPort: number
  /** the member's own (real) quorum and election ports; peers reach them via proxies */
  quorumPort: number
  electionPort: number
}

export type MemberMode = 'leader' | 'follower' | 'observer' | 'standalone' | 'not-serving' | 'down'

export interface MemberStatus {
  mode: MemberMode
  /** the last zxid the member processed, when it says */
  zxid?: bigint
}

/** What a disk fault did to a member's txn log. */
export interface DiskDamage {
  file: string
  /** file size before and after */
  fromBytes: number
  toBytes: number
  /** the zxid of the record that was cut, and how many bytes of it were left */
  cutZxid: bigint
  keptBytesOfRecord: number
  recordBytes: number
}

export interface EnsembleOptions {
  members: readonly MemberPorts[]
  /** the ports member `from` dials to reach member `to` (the proxies) */
  peerAddress: (from: number, to: number) => { quorumPort: number; electionPort: number }
  /** where data, configs and member logs go */
  dir: string
  tickTimeMs: number
}

export interface ChaosTarget {
  readonly name: 'apache' | 'zoo'
  readonly description: string
  readonly members: readonly MemberPorts[]
  /** starts every member and waits until the ensemble serves */
  start(): Promise<void>
  /** SIGKILL; resolves when the process is gone */
  kill(id: number): Promise<void>
  /** starts a killed member on its data; resolves when it answers a four-letter word */
  restart(id: number): Promise<void>
  /** the OS process id, for SIGSTOP/SIGCONT; undefined while down */
  pid(id: number): number | undefined
  status(id: number): Promise<MemberStatus>
  /** cuts the member's newest txn log record mid-record; the member must be down */
  damageLogTail(id: number, random: () => number): Promise<DiskDamage>
  /** the tail of a member's output, for failure messages */
  logTail(id: number): string
  stop(): Promise<void>
}

export const TARGETS = ['apache', 'zoo'] as const
export type TargetName = (typeof TARGETS)[number]
