// Comparing an Apache reply with the model's: equal return codes, paths, data, children (as
// sets: Apache lists them in HashSet order), ACLs and Stats. zxids must be equal (both count
// every txn from the same start); times are mapped, since Apache stamps txns with its clock:
// every time Apache shows for a zxid must be the same one, and the model's is timeOf(zxid).
import { ErrorCode, OpCode, errorName, opName } from '@zoo/protocol'
import type { ACL, ClientInfo, MultiResult, Request, Stat } from '@zoo/protocol'
import type { RawReply } from './raw-connection.js'
import { Model } from './model.js'
import type { ModelReply } from './model.js'

export class Mismatch extends Error {}

const show = (v: unknown): string => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : Buffer.isBuffer(x) ? x.toString('hex') : x))

export function describeRequest(request: Request): string {
  return `${opName(request.type)} ${show({ ...request, type: undefined })}`
}

export class Comparer {
  /** Apache's txn time per zxid, as first seen in a Stat. */
  private readonly apacheTimes = new Map<bigint, bigint>()

  reply(request: Request, apache: RawReply, model: ModelReply): void {
    let expectedErr = model.err
    // Intended difference: 3.8.4+ refuses exists on an unreadable node; the 3.8.0 oracle answers it.
    const existsMapped = request.type === OpCode.exists && model.err === ErrorCode.NOAUTH
    if (existsMapped) expectedErr = ErrorCode.OK
    if (apache.header.err !== expectedErr) {
      throw new Mismatch(`err: apache ${errorName(apache.header.err)}, model ${errorName(expectedErr)}`)
    }
    if (apache.header.zxid !== model.zxid) throw new Mismatch(`reply zxid: apache ${apache.header.zxid}, model ${model.zxid}`)
    if (existsMapped || apache.header.err !== ErrorCode.OK) return
    this.response(request.type, apache.response, model.response)
  }

  private response(type: number, apache: unknown, model: unknown): void {
    const a = apache as Record<string, unknown> | undefined
    const m = model as Record<string, unknown> | undefined
    if (a === undefined || m === undefined) {
      if (a !== m) throw new Mismatch(`response: apache ${show(a)}, model ${show(m)}`)
      return
    }
    if (type === OpCode.multi || type === OpCode.multiRead) return this.multi(a.results as MultiResult[], m.results as MultiResult[])
    this.fields(a, m)
  }

  private fields(a: Record<string, unknown>, m: Record<string, unknown>): void {
    const keys = new Set([...Object.keys(a), ...Object.keys(m)])
    keys.delete('type')
    for (const key of keys) {
      const av = a[key]
      const mv = m[key]
      if (key === 'stat') this.stat(av as Stat, mv as Stat)
      else if (key === 'children' || key === 'ephemerals') sameList(key, [...(av as string[])].sort(), [...(mv as string[])].sort())
      // Apache keeps a session's auth ids in a hash set: its order (whoAmI, and the ids an `auth`
      // ACL expands to) is arbitrary, so these compare as sets.
      else if (key === 'acl') sameList(key, (av as ACL[]).map(aclText).sort(), (mv as ACL[]).map(aclText).sort())
      else if (key === 'clientInfo') sameList(key, (av as ClientInfo[]).map(clientText).sort(), (mv as ClientInfo[]).map(clientText).sort())
      else if (key === 'data') sameData(av as Buffer | null, mv as Buffer | null)
      else if (av !== mv) throw new Mismatch(`${key}: apache ${show(av)}, model ${show(mv)}`)
    }
  }

  private multi(apache: MultiResult[], model: MultiResult[]): void {
    if (apache.length !== model.length) throw new Mismatch(`multi results: apache ${apache.length}, model ${model.length}`)
    apache.forEach((a, i) => {
      const m = model[i] as MultiResult
      // Intended difference: create2 inside multi answers Create2Response since 3.8.4 (ZOOKEEPER-4026).
      if (a.type === OpCode.create && m.type === OpCode.create2) {
        if (a.path !== m.path) throw new Mismatch(`multi op ${i} path: apache ${a.path}, model ${m.path}`)
        return
      }
      if (a.type !== m.type) throw new Mismatch(`multi op ${i} type: apache ${a.type}, model ${m.type} (${show(a)} vs ${show(m)})`)
      try {
        this.fields(a as unknown as Record<string, unknown>, m as unknown as Record<string, unknown>)
      } catch (e) {
        throw new Mismatch(`multi op ${i}: ${(e as Error).message}`)
      }
    })
  }

  stat(a: Stat, m: Stat): void {
    for (const key of ['czxid', 'mzxid', 'pzxid', 'version', 'cversion', 'aversion', 'ephemeralOwner', 'dataLength', 'numChildren'] as const) {
      if (a[key] !== m[key]) throw new Mismatch(`stat.${key}: apache ${a[key]}, model ${m[key]} (apache ${show(a)}, model ${show(m)})`)
    }
    this.time('ctime', a.czxid, a.ctime, m.ctime)
    this.time('mtime', a.mzxid, a.mtime, m.mtime)
  }

  private time(field: string, zxid: bigint, apacheTime: bigint, modelTime: bigint): void {
    const expectedModel = zxid === 0n ? 0n : Model.timeOf(zxid)
    if (modelTime !== expectedModel) throw new Mismatch(`stat.${field}: model ${modelTime} for zxid ${zxid}, expected ${expectedModel}`)
    if (zxid === 0n) {
      if (apacheTime !== 0n) throw new Mismatch(`stat.${field}: apache ${apacheTime} for zxid 0`)
      return
    }
    const seen = this.apacheTimes.get(zxid)
    if (seen === undefined) this.apacheTimes.set(zxid, apacheTime)
    else if (seen !== apacheTime) throw new Mismatch(`stat.${field}: apache shows ${apacheTime} for zxid ${zxid}, earlier ${seen}`)
  }
}

const aclText = (a: ACL): string => `${a.perms}:${a.id.scheme}:${a.id.id}`
const clientText = (c: ClientInfo): string => `${c.authScheme}:${c.user}`

function sameList(what: string, a: string[], m: string[]): void {
  if (a.length !== m.length || a.some((x, i) => x !== m[i])) throw new Mismatch(`${what}: apache ${show(a)}, model ${show(m)}`)
}

function sameData(a: Buffer | null, m: Buffer | null): void {
  if (a === null || m === null) {
    if (a !== m) throw new Mismatch(`data: apache ${show(a)}, model ${show(m)}`)
    return
  }
  if (!a.equals(m)) throw new Mismatch(`data: apache ${a.toString('hex')}, model ${m.toString('hex')}`)
}
