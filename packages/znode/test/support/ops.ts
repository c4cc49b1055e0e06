// Seeded random operations for the differential test: every opcode family, aimed at a small
// namespace so creates collide, versions match or miss, sequential names advance, ACLs refuse,
// multis fail half way and watches fire. It looks at the model's tree to aim (not at Apache's).
import { AddWatchMode, CreateMode, OpCode, Perms, WatcherType } from '@zoo/protocol'
import type { ACL, MultiOp, Request } from '@zoo/protocol'
import { digestId, hasPermission } from '../../src/index.js'
import type { Model } from './model.js'

/** mulberry32: small, fast, good enough to pick ops; the seed is all a run depends on. */
export class Rng {
  private state: number
  constructor(seed: number) {
    this.state = seed >>> 0
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  int(n: number): number {
    return Math.floor(this.next() * n)
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T
  }
  chance(p: number): boolean {
    return this.next() < p
  }
}

export const USERS = { u1: 'u1:p1', u2: 'u2:p2', wrong: 'u1:wrong', super: 'super:superpw' }
export const SUPER_DIGEST = digestId(USERS.super)

const world = (perms: number): ACL => ({ perms, id: { scheme: 'world', id: 'anyone' } })
const ACLS: { name: string; acl: ACL[]; weight: number }[] = [
  { name: 'open', acl: [world(Perms.ALL)], weight: 12 },
  { name: 'read-only', acl: [world(Perms.READ)], weight: 1 },
  { name: 'read-create', acl: [world(Perms.READ | Perms.CREATE)], weight: 1 },
  { name: 'write-only', acl: [world(Perms.WRITE | Perms.CREATE | Perms.DELETE)], weight: 1 },
  { name: 'digest-u1', acl: [{ perms: Perms.ALL, id: { scheme: 'digest', id: digestId(USERS.u1) } }], weight: 1 },
  { name: 'digest-u1+world-read', acl: [{ perms: Perms.ALL, id: { scheme: 'digest', id: digestId(USERS.u1) } }, world(Perms.READ)], weight: 1 },
  { name: 'auth', acl: [{ perms: Perms.ALL, id: { scheme: 'auth', id: '' } }], weight: 1 },
  { name: 'ip-local', acl: [{ perms: Perms.ALL, id: { scheme: 'ip', id: '127.0.0.1' } }], weight: 1 },
  { name: 'ip-net', acl: [{ perms: Perms.READ | Perms.WRITE | Perms.CREATE | Perms.DELETE, id: { scheme: 'ip', id: '127.0.0.0/8' } }], weight: 1 },
  { name: 'ip-other', acl: [{ perms: Perms.ALL, id: { scheme: 'ip', id: '10.0.0.0/8' } }, world(Perms.READ)], weight: 1 },
  { name: 'dup', acl: [world(Perms.ALL), world(Perms.ALL)], weight: 1 },
  { name: 'empty', acl: [], weight: 1 },
  { name: 'bad-digest', acl: [{ perms: Perms.ALL, id: { scheme: 'digest', id: 'nocolon' } }], weight: 1 },
  { name: 'bad-scheme', acl: [{ perms: Perms.ALL, id: { scheme: 'foo', id: 'bar' } }], weight: 1 },
  { name: 'bad-world', acl: [world(Perms.ALL)].map((a) => ({ ...a, id: { scheme: 'world', id: 'someone' } })), weight: 1 },
  { name: 'bad-ip', acl: [{ perms: Perms.ALL, id: { scheme: 'ip', id: '1.2.3' } }], weight: 1 },
]
const ACL_WEIGHT = ACLS.reduce((n, a) => n + a.weight, 0)

const NAMES = ['a', 'b', 'c', 'q']
const BAD_SUFFIXES = ['', '/', '//x', '/.', '/..', '/x\u0000y', '/x\u0001', '/x\u007f', '/x\ufff5', '/./y']

export type GenOp =
  | { kind: 'request'; session: bigint; request: Request }
  | { kind: 'open' }
  | { kind: 'close'; session: bigint }
  | { kind: 'auth'; session: bigint; scheme: string; auth: string }

/** Weighted op families; each returns undefined when it does not apply right now. */
type Family = [weight: number, make: (session: bigint) => GenOp | undefined]

export class OpGenerator {
  private readonly rng: Rng
  private readonly families: Family[]
  private readonly totalWeight: number

  constructor(seed: number, private readonly root: string, private readonly model: Model) {
    this.rng = new Rng(seed)
    this.families = [
      [14, (s) => this.req(s, this.create())],
      [6, (s) => this.req(s, this.delete())],
      [9, (s) => this.req(s, this.setData())],
      [7, (s) => this.req(s, { type: OpCode.getData, path: this.anyPath(), watch: this.rng.chance(0.5) })],
      [7, (s) => this.req(s, this.exists(s))],
      [4, (s) => this.req(s, { type: OpCode.getChildren, path: this.anyPath(), watch: this.rng.chance(0.5) })],
      [3, (s) => this.req(s, { type: OpCode.getChildren2, path: this.anyPath(), watch: this.rng.chance(0.5) })],
      [1, (s) => this.req(s, { type: OpCode.getAllChildrenNumber, path: this.anyPath() })],
      [1, (s) => this.req(s, { type: OpCode.getEphemerals, prefixPath: this.rng.pick(['/', '', this.root, this.anyPath()]) })],
      [2, (s) => this.req(s, { type: OpCode.getACL, path: this.anyPath() })],
      [2, (s) => this.req(s, this.setACL())],
      [7, (s) => this.req(s, { type: OpCode.multi, ops: this.multiOps() })],
      [1, (s) => this.req(s, { type: OpCode.multiRead, ops: this.multiReadOps() })],
      [3, (s) => this.req(s, { type: OpCode.addWatch, path: this.anyPath(), mode: this.rng.pick([AddWatchMode.PERSISTENT, AddWatchMode.PERSISTENT_RECURSIVE]) })],
      [2, (s) => this.req(s, this.removeWatches(s, OpCode.removeWatches))],
      [1, (s) => this.req(s, this.removeWatches(s, OpCode.checkWatches))],
      [1, (s) => this.req(s, this.setWatches())],
      [2, (s) => ({ kind: 'auth', session: s, scheme: 'digest', auth: this.rng.pick([USERS.u1, USERS.u1, USERS.u2, USERS.wrong, USERS.super]) })],
      [1, (s) => this.req(s, { type: OpCode.sync, path: this.anyPath() })],
      [1, (s) => this.req(s, { type: OpCode.whoAmI })],
      [1, (s) => (this.model.auth.size > 1 ? { kind: 'close', session: s } : undefined)],
      [1, () => (this.model.auth.size < 5 ? { kind: 'open' } : undefined)],
    ]
    this.totalWeight = this.families.reduce((n, [w]) => n + w, 0)
  }

  /** The quota on <root>/q that every run starts with: at most 6 nodes and 300 bytes below it. */
  setupOps(session: bigint): GenOp[] {
    const quota = `/zookeeper/quota${this.root}/q`
    const create = (path: string, data: string | null): GenOp => this.req(session, {
      type: OpCode.create, path, data: data === null ? null : Buffer.from(data), acl: [world(Perms.ALL)], flags: CreateMode.PERSISTENT,
    })
    const seq = `${this.root}/seq`
    const sequential = (flags: number): GenOp => this.req(session, {
      type: OpCode.create2, path: `${seq}/n-`, data: null, acl: [world(Perms.ALL)], flags,
    })
    return [
      create(this.root, null),
      // Named case: delete, then sequential create under the same parent. The suffix counts
      // creates only (n-0000000001 next), the Stat's cversion creates and deletes (3).
      create(seq, null),
      sequential(CreateMode.PERSISTENT_SEQUENTIAL),
      this.req(session, { type: OpCode.delete, path: `${seq}/n-0000000000`, version: -1 }),
      sequential(CreateMode.EPHEMERAL_SEQUENTIAL),
      this.req(session, { type: OpCode.getChildren2, path: seq, watch: false }),
      // A failed multi consumes no sequence number.
      this.req(session, { type: OpCode.multi, ops: [
        { type: OpCode.create, path: `${seq}/n-`, data: null, acl: [world(Perms.ALL)], flags: CreateMode.PERSISTENT_SEQUENTIAL },
        { type: OpCode.check, path: seq, version: 42 },
      ] }),
      sequential(CreateMode.PERSISTENT_SEQUENTIAL),
      this.req(session, { type: OpCode.exists, path: seq, watch: false }),
      create(`/zookeeper/quota${this.root}`, null),
      create(quota, null),
      create(`${quota}/zookeeper_limits`, 'count=-1,bytes=-1=;byteHardLimit=300;countHardLimit=6'),
      create(`${quota}/zookeeper_stats`, 'count=0,bytes=0'),
      // Fill the quota: the seventh node and the 301st byte are refused (QUOTAEXCEEDED).
      create(`${this.root}/q`, null),
      ...[1, 2, 3, 4, 5, 6].map((i) => create(`${this.root}/q/x${i}`, 'x'.repeat(10 * i))),
      this.req(session, { type: OpCode.setData, path: `${this.root}/q/x1`, data: Buffer.alloc(250), version: -1 }),
      this.req(session, { type: OpCode.delete, path: `${this.root}/q/x5`, version: -1 }),
      this.req(session, { type: OpCode.delete, path: `${this.root}/q/x6`, version: -1 }),
    ]
  }

  next(sessions: readonly bigint[]): GenOp {
    for (;;) {
      let roll = this.rng.int(this.totalWeight)
      const family = this.families.find(([w]) => (roll -= w) < 0) as Family
      const op = family[1](this.rng.pick(sessions))
      if (op !== undefined) return op
    }
  }

  private req(session: bigint, request: Request): GenOp {
    return { kind: 'request', session, request }
  }

  // ---------------------------------------------------------------- targets

  /** Existing nodes of this run's namespace (and its quota node), in creation order. */
  private existing(): string[] {
    const out: string[] = []
    const walk = (path: string) => {
      out.push(path)
      for (const name of this.model.tree.children(path) ?? []) walk(path === '/' ? `/${name}` : `${path}/${name}`)
    }
    if (this.model.tree.has(this.root)) walk(this.root)
    return out
  }

  /** Mostly an existing node, sometimes a missing one, a bad path or a special node. */
  private anyPath(): string {
    const roll = this.rng.next()
    const nodes = this.existing()
    if (roll < 0.8 && nodes.length > 0) return this.rng.pick(nodes)
    if (roll < 0.92) return this.freshPath()
    if (roll < 0.96) return this.rng.pick(['/', '/zookeeper', '/zookeeper/config', `/zookeeper/quota${this.root}/q/zookeeper_stats`])
    return this.badPath()
  }

  private freshPath(): string {
    const nodes = this.existing().filter((p) => p.split('/').length <= 4)
    const parent = nodes.length > 0 && this.rng.chance(0.9) ? this.rng.pick(nodes) : `${this.root}/missing`
    return `${parent}/${this.rng.pick(NAMES)}`
  }

  private badPath(): string {
    const roll = this.rng.int(4)
    if (roll === 0) return this.rng.pick(['', 'noslash', 'a/b'])
    return this.root + this.rng.pick(BAD_SUFFIXES)
  }

  private data(): Buffer | null {
    const roll = this.rng.int(10)
    if (roll === 0) return null
    if (roll === 1) return Buffer.alloc(0)
    if (roll === 2) return Buffer.alloc(100, this.rng.int(256))
    return Buffer.from(Array.from({ length: 1 + this.rng.int(12) }, () => this.rng.int(256)))
  }

  private acl(): ACL[] {
    let roll = this.rng.int(ACL_WEIGHT)
    const entry = ACLS.find((a) => (roll -= a.weight) < 0) ?? ACLS[0]
    return entry!.acl.map((a) => ({ perms: a.perms, id: { ...a.id } }))
  }

  private version(path: string, field: 'version' | 'aversion'): number {
    const stat = this.model.tree.stat(path)
    const actual = stat?.[field] ?? 0
    const roll = this.rng.int(10)
    if (roll < 4) return -1
    if (roll < 8) return actual
    if (roll < 9) return actual + 1
    return this.rng.int(5) - 2
  }

  // ---------------------------------------------------------------- requests

  private createRecord(): { type: number; path: string; data: Buffer | null; acl: ACL[]; flags: number; ttl?: bigint } {
    const roll = this.rng.next()
    const path = roll < 0.85 ? this.freshPath() : roll < 0.93 ? this.anyPath() : this.badPath()
    const base = { path, data: this.data(), acl: this.acl() }
    const kind = this.rng.int(20)
    if (kind < 12) return { type: this.rng.pick([OpCode.create, OpCode.create2]), ...base, flags: this.rng.int(4) }
    if (kind < 14) return { type: OpCode.createContainer, ...base, flags: CreateMode.CONTAINER }
    if (kind < 16) {
      // ttl 0, negative or too large: BADARGUMENTS; a non-TTL mode with a ttl >= 0 too.
      const ttl = this.rng.pick([1n, 1000n, 3_600_000n, 0n, -5n, 0x10000000000n])
      return { type: OpCode.createTTL, ...base, flags: this.rng.pick([CreateMode.PERSISTENT_WITH_TTL, CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL]), ttl }
    }
    if (kind < 17) return { type: OpCode.createTTL, ...base, flags: this.rng.int(5), ttl: 500n }
    if (kind < 18) return { type: OpCode.create, ...base, flags: this.rng.pick([5, 6, 7, -1]) }
    return { type: OpCode.create2, ...base, path: `${this.rng.pick(this.existing()) ?? this.root}/s-`, flags: this.rng.pick([2, 3]) }
  }

  private create(): Request {
    return this.createRecord() as Request
  }

  private leafFirst(): string {
    const nodes = this.existing().filter((p) => p !== this.root)
    const leaves = nodes.filter((p) => (this.model.tree.stat(p)?.numChildren ?? 0) === 0)
    if (leaves.length > 0 && this.rng.chance(0.65)) return this.rng.pick(leaves)
    return this.anyPath()
  }

  private delete(): Request {
    const path = this.leafFirst()
    return { type: OpCode.delete, path, version: this.version(path, 'version') }
  }

  private setData(): Request {
    const path = this.anyPath()
    return { type: OpCode.setData, path, data: this.dataFor(path), version: this.version(path, 'version') }
  }

  /**
   * Quota nodes get quota text Apache can parse: with anything else its txn processing throws
   * half way through a delete (the node gone, the connection closed), a state not worth comparing.
   */
  private dataFor(path: string): Buffer | null {
    if (!path.startsWith('/zookeeper/quota/')) return this.data()
    return Buffer.from(this.rng.pick(['count=0,bytes=0', 'count=-1,bytes=-1=;byteHardLimit=40;countHardLimit=3', 'count=2,bytes=7']))
  }

  private setACL(): Request {
    const path = this.anyPath()
    return { type: OpCode.setACL, path, acl: this.acl(), version: this.version(path, 'aversion') }
  }

  /** Apache 3.8.0 answers exists on an unreadable node (3.8.4 says NOAUTH): never leave a watch there. */
  private exists(session: bigint): Request {
    const path = this.rng.chance(0.3) ? this.freshPath() : this.anyPath()
    const acl = this.model.tree.acl(path)
    const readable = acl === undefined || hasPermission(acl, Perms.READ, this.model.auth.get(session) ?? [])
    return { type: OpCode.exists, path, watch: readable && this.rng.chance(0.5) }
  }

  private multiOps(): MultiOp[] {
    const ops: MultiOp[] = []
    const count = this.rng.int(5)
    for (let i = 0; i < count; i++) {
      const roll = this.rng.int(8)
      if (roll < 3) {
        const create = this.createRecord()
        // Flags outside 0..6 fail the whole multi at decode on Apache; its TTL handling differs by version.
        if (create.flags < 0 || create.flags > 4 || create.type === OpCode.createTTL) create.flags = this.rng.int(4)
        if (create.type === OpCode.createTTL) create.type = OpCode.create
        ops.push(create as MultiOp)
      } else if (roll < 5) {
        const path = this.leafFirst()
        ops.push({ type: OpCode.delete, path, version: this.version(path, 'version') })
      } else if (roll < 7) {
        const path = this.anyPath()
        ops.push({ type: OpCode.setData, path, data: this.dataFor(path), version: this.version(path, 'version') })
      } else {
        const path = this.anyPath()
        ops.push({ type: OpCode.check, path, version: this.version(path, 'version') })
      }
    }
    return ops
  }

  private multiReadOps(): MultiOp[] {
    return Array.from({ length: 1 + this.rng.int(3) }, (): MultiOp => (this.rng.chance(0.5)
      ? { type: OpCode.getData, path: this.anyPath(), watch: false }
      : { type: OpCode.getChildren, path: this.anyPath(), watch: false }))
  }

  private removeWatches(session: bigint, type: typeof OpCode.removeWatches | typeof OpCode.checkWatches): Request {
    const watched = [...this.model.watches.data.pathsOf(session), ...this.model.watches.child.pathsOf(session)]
    const path = watched.length > 0 && this.rng.chance(0.8) ? this.rng.pick(watched) : this.anyPath()
    return { type, path, watcherType: this.rng.pick([WatcherType.Children, WatcherType.Data, WatcherType.Any]) }
  }

  private setWatches(): Request {
    const paths = () => Array.from({ length: this.rng.int(3) }, () => this.anyPath())
    const relativeZxid = this.rng.chance(0.5) ? this.model.lastZxid : BigInt(this.rng.int(Number(this.model.lastZxid) + 1))
    if (this.rng.chance(0.5)) return { type: OpCode.setWatches, relativeZxid, dataWatches: paths(), existWatches: paths(), childWatches: paths() }
    return {
      type: OpCode.setWatches2, relativeZxid, dataWatches: paths(), existWatches: paths(), childWatches: paths(),
      persistentWatches: paths(), persistentRecursiveWatches: paths(),
    }
  }
}
