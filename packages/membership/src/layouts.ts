/**
 * Where members live under the group path and how their nodes read, so a group can be shared
 * with the peer libraries:
 * - `zoo`: `<path>/<id>`, the data as JSON (or another codec)
 * - `curator`: Curator Service Discovery, `<basePath>/<serviceName>/<instanceId>` with the group
 *   path being `<basePath>/<serviceName>`, each node a ServiceInstance JSON around the payload
 * - `kazoo-party`: kazoo's Party, `<path>/<id>__party__` (id: 32 hex digits by default), the data
 *   a UTF-8 string; children without `__party__` are not members, as kazoo skips them
 */
import { randomUUID } from 'node:crypto'
import { validatePath } from '@zoo/client'
import { resolveCodec, toBuffer, type Codec, type CodecOption } from './codec.js'
import { decodeInstance, encodeInstance, type CuratorInstance, type ResolvedCuratorInstanceOptions } from './curator.js'

export type LayoutName = 'zoo' | 'curator' | 'kazoo-party'
export type ParentMode = 'persistent' | 'container'

export interface EncodeContext {
  id: string
  /** the group node's own name (Curator's service name) */
  groupName: string
  /** when this member first joined (ms since the epoch; Curator's registrationTimeUTC) */
  joinedAtMs: number
  /** Curator layout only */
  instance: ResolvedCuratorInstanceOptions | undefined
}

export interface Decoded {
  payload: unknown
  /** Curator layout: the ServiceInstance fields */
  instance?: CuratorInstance
}

export interface Layout {
  readonly name: LayoutName
  /** how a missing group path is created: as the peer library does */
  readonly parentMode: ParentMode
  newId(): string
  /** the node name of a member id; throws a RangeError for an id that cannot be one */
  nodeName(id: string): string
  /** the member id behind a child's name, or undefined when the child is not a member */
  idOf(name: string): string | undefined
  encode(payload: unknown, context: EncodeContext): Buffer
  /** throws when the bytes are not a member of this layout */
  decode(raw: Buffer, id: string): Decoded
}

/** A node name must be a path segment the server accepts. */
function checkNodeName(name: string, id: string): string {
  if (name.length === 0 || name.includes('/')) throw new RangeError(`member id ${JSON.stringify(id)} cannot name a node (empty, or contains /)`)
  try {
    validatePath(`/${name}`)
  } catch (error) {
    throw new RangeError(`member id ${JSON.stringify(id)} cannot name a node: ${(error as Error).message}`, { cause: error })
  }
  return name
}

export function zooLayout(codecOption: CodecOption = 'json'): Layout {
  const codec: Codec = resolveCodec(codecOption)
  return {
    name: 'zoo',
    parentMode: 'persistent',
    newId: () => randomUUID(),
    nodeName: (id) => checkNodeName(id, id),
    idOf: (name) => name,
    encode: (payload) => toBuffer(codec.encode(payload)),
    decode: (raw) => ({ payload: codec.decode(raw) }),
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

export function curatorLayout(): Layout {
  return {
    name: 'curator',
    // Curator's ServiceDiscovery creates its parents with creatingParentContainersIfNeeded.
    parentMode: 'container',
    newId: () => randomUUID(),
    nodeName: (id) => checkNodeName(id, id),
    idOf: (name) => name,
    encode: (payload, context) => {
      if (!context.instance) throw new TypeError('the curator layout needs the instance fields')
      const json = encodeInstance({ name: context.groupName, id: context.id, registrationTimeUTC: context.joinedAtMs, options: context.instance }, payload)
      return Buffer.from(json, 'utf8')
    },
    decode: (raw, id) => {
      const { instance, payload } = decodeInstance(utf8.decode(raw))
      if (instance.id !== id) throw new TypeError(`the instance says id ${JSON.stringify(instance.id)}, its node is ${JSON.stringify(id)}`)
      return { payload, instance }
    },
  }
}

const PARTY_MARKER = '__party__'

export function kazooPartyLayout(codecOption: CodecOption = 'text'): Layout {
  const codec: Codec = resolveCodec(codecOption)
  return {
    name: 'kazoo-party',
    // kazoo's Party makes its path with ensure_path: persistent nodes.
    parentMode: 'persistent',
    // kazoo: uuid.uuid4().hex
    newId: () => randomUUID().replaceAll('-', ''),
    nodeName: (id) => {
      if (id.includes(PARTY_MARKER)) throw new RangeError(`member id ${JSON.stringify(id)} must not contain ${PARTY_MARKER}`)
      return checkNodeName(`${id}${PARTY_MARKER}`, id)
    },
    idOf: (name) => {
      const at = name.indexOf(PARTY_MARKER)
      return at < 0 ? undefined : name.slice(0, at) + name.slice(at + PARTY_MARKER.length)
    },
    encode: (payload) => toBuffer(codec.encode(payload)),
    decode: (raw) => ({ payload: codec.decode(raw) }),
  }
}

export function layoutFor(name: LayoutName, codec: CodecOption | undefined): Layout {
  if (name === 'curator') {
    if (codec !== undefined) throw new RangeError('the curator layout stores Curator ServiceInstance JSON: it takes no codec')
    return curatorLayout()
  }
  return name === 'kazoo-party' ? kazooPartyLayout(codec) : zooLayout(codec)
}
