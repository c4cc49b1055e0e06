/**
 * A group on ZooKeeper: members join with typed data (checked by the schema), anyone lists or
 * watches them. See the README for the guarantees.
 */
import { posix } from 'node:path'
import { isNodeExists, validatePath, type ACL, type ZooKeeperClient } from '@zoo/client'
import * as z from 'zod'
import type { Codec } from '../codec.js'
import { curatorInstanceOptionsSchema, type CuratorInstanceOptions } from '../curator.js'
import { parseOptions } from '@zoo/recipe-core'
import { firstRegistration, reserveId } from '../membership-base.js'
import { layoutFor, type EncodeContext, type Layout } from '../layouts.js'
import { type GroupSnapshot } from '../snapshot.js'
import { assertSchema, checkOwnData } from '../validate.js'
import { Membership, type IdConflictPolicy } from './membership.js'
import { ZkGroupReader } from './reader.js'
import { watchGroup, type GroupWatch, type WatchGroupOptions } from './watch.js'

const groupOptionsSchema = z.strictObject({
  layout: z.enum(['zoo', 'curator', 'kazoo-party']).default('zoo'),
  codec: z.union([z.enum(['json', 'text']), z.custom<Codec>((v) => typeof v === 'object' && v !== null && typeof (v as Codec).encode === 'function' && typeof (v as Codec).decode === 'function', 'a codec { encode, decode }')]).optional(),
  /** how a missing group path is made; default: as the layout's peer library (container for Curator) */
  parentMode: z.enum(['persistent', 'container']).optional(),
  acl: z.array(z.custom<ACL>()).optional(),
  onIdConflict: z.enum(['fail', 'wait', 'replace']).default('fail'),
})

export type GroupOptions<S extends z.ZodType> = z.input<typeof groupOptionsSchema> & {
  /** what each member publishes: checked before a member writes, and when anyone reads */
  schema: S
}

export interface JoinOptions {
  /** the member id (the node's name); default: a random one in the layout's style */
  id?: string
  /** Curator layout: the ServiceInstance fields (address, port, sslPort, uriSpec, enabled, payloadClass) */
  instance?: CuratorInstanceOptions
  /** this join only: what to do when the id is held by another registration */
  onIdConflict?: IdConflictPolicy
  signal?: AbortSignal
  timeoutMs?: number
}

export interface MembersOptions {
  /** `sync` first, so the member we read from has caught up with the leader */
  sync?: boolean
  signal?: AbortSignal
}


export class Group<S extends z.ZodType> {
  readonly layout: Layout
  readonly schema: S
  private readonly options: z.output<typeof groupOptionsSchema>

  constructor(
    readonly zk: ZooKeeperClient,
    readonly path: string,
    options: GroupOptions<S>,
  ) {
    validatePath(path)
    if (path === '/') throw new RangeError('a group needs its own node, not the root')
    const { schema, ...rest } = options ?? ({} as GroupOptions<S>)
    assertSchema(schema)
    this.schema = schema
    this.options = parseOptions(groupOptionsSchema, rest, 'Group options')
    this.layout = layoutFor(this.options.layout, this.options.codec)
  }

  /** Registers this process as a member; resolves once it is listed. */
  async join(data: z.input<S>, options: JoinOptions = {}): Promise<Membership<z.input<S>>> {
    const id = options.id ?? this.layout.newId()
    const path = `${this.path}/${this.layout.nodeName(id)}`
    checkOwnData(this.schema, id, data)
    if (this.layout.name === 'curator') {
      if (options.instance === undefined) options = { ...options, instance: {} }
    } else if (options.instance !== undefined) throw new RangeError('instance fields are for the curator layout only')
    const context: EncodeContext = {
      id,
      groupName: posix.basename(this.path),
      joinedAtMs: Date.now(),
      instance: options.instance === undefined ? undefined : parseOptions(curatorInstanceOptionsSchema, options.instance, 'instance fields'),
    }
    return firstRegistration(options, `joining ${this.path} as ${id}`, () => {
      const release = this.reserve(path, id)
      return new Membership<z.input<S>>({
        zk: this.zk,
        id,
        path,
        data,
        encode: (value) => this.layout.encode(value, context),
        check: (value) => checkOwnData(this.schema, id, value),
        ensureParent: () => this.ensureParent(),
        acl: this.options.acl,
        onIdConflict: options.onIdConflict ?? this.options.onIdConflict,
        onEnd: release,
      })
    })
  }

  /** The members listed now, typed; those whose data fails to decode or validate are in `invalid`. */
  async members(options: MembersOptions = {}): Promise<GroupSnapshot<z.output<S>>> {
    if (options.sync) await this.zk.sync(this.path, { signal: options.signal })
    const reader = new ZkGroupReader<z.output<S>>(this.zk, this.path, this.layout, this.schema as z.ZodType<z.output<S>>)
    await reader.readAll(options.signal)
    return reader.snapshot().snapshot
  }

  /**
   * Snapshots of the group as it changes, each with the join/leave/change/invalid events since
   * the one before. Bursts may be folded into one update; the last update is always the truth.
   */
  watch(options: WatchGroupOptions = {}): GroupWatch<z.output<S>> {
    return watchGroup<z.output<S>>(this.zk, this.path, this.layout, this.schema as z.ZodType<z.output<S>>, options)
  }

  private reserve(path: string, id: string): () => void {
    return reserveId(this.zk, path, id)
  }

  private async ensureParent(): Promise<void> {
    const mode = this.options.parentMode ?? this.layout.parentMode
    const parent = posix.dirname(this.path)
    if (parent !== '/') await this.zk.mkdirp(parent, { acl: this.options.acl })
    try {
      await this.zk.create(this.path, null, { mode, acl: this.options.acl })
    } catch (error) {
      if (!isNodeExists(error)) throw error
    }
  }
}
