// Every frame captured between real Apache ZooKeeper 3.8.0 and kazoo / zkCli decodes, makes sense,
// and re-encodes to the same bytes. Replies are paired with the request of the same xid.
import t from 'tap'
import type { Test } from 'tap'
import {
  ErrorCode, EventType, FrameDecoder, KeeperState, OpCode, Perms, decodeConnectRequest, decodeConnectResponse, decodeReply,
  decodeRequest, encodeConnectRequest, encodeConnectResponse, encodeReply, encodeRequest, errorName, opName, peekXid,
} from '../src/index.js'
import type { DecodedReply, ReplyType, Request, Stat } from '../src/index.js'
import { connections, loadVectors, parseFrameName } from './vectors.js'
import type { VectorFrame } from './vectors.js'

const frames = loadVectors()

interface Decoded {
  frame: VectorFrame
  request?: Request
  xid?: number
  reply?: DecodedReply
  opcode?: number
}

function body(hex: string): Buffer {
  const bytes = Buffer.from(hex, 'hex')
  if (bytes.readInt32BE(0) !== bytes.length - 4) throw new Error(`bad capture: length prefix of ${hex.slice(0, 16)}`)
  return bytes.subarray(4)
}

/** Decodes one connection's frames in order, checks each re-encodes byte for byte. */
function decodeConnection(t: Test, list: VectorFrame[]): Decoded[] {
  const pending = new Map<number, number>()
  const out: Decoded[] = []
  let connected = { request: false, response: false }
  for (const frame of list) {
    const b = body(frame.hex)
    if (frame.direction === 'client->server' && !connected.request) {
      connected.request = true
      t.equal(encodeConnectRequest(decodeConnectRequest(b)).toString('hex'), frame.hex, `${frame.client}: ConnectRequest round trip`)
      out.push({ frame })
      continue
    }
    if (frame.direction === 'server->client' && !connected.response) {
      connected.response = true
      t.equal(encodeConnectResponse(decodeConnectResponse(b)).toString('hex'), frame.hex, `${frame.client}: ConnectResponse round trip`)
      out.push({ frame })
      continue
    }
    if (frame.direction === 'client->server') {
      const { header, request } = decodeRequest(b)
      pending.set(header.xid, header.type)
      t.equal(encodeRequest(header.xid, request).toString('hex'), frame.hex, `${frame.client}: ${frame.frame} round trip`)
      out.push({ frame, request, xid: header.xid, opcode: header.type })
    } else {
      const xid = peekXid(b)
      const opcode = xid === -1 ? OpCode.notification : pending.get(xid)
      if (opcode === undefined) throw new Error(`${frame.client}: reply ${frame.frame} answers no request`)
      if (xid !== -1) pending.delete(xid)
      const reply = decodeReply(b, opcode as ReplyType)
      t.equal(encodeReply(reply.header, reply.response, opcode as ReplyType).toString('hex'), frame.hex, `${frame.client}: ${frame.frame} round trip`)
      out.push({ frame, reply, xid, opcode })
    }
  }
  t.equal(pending.size, 0, 'every request got its reply')
  return out
}

function checkStat(t: Test, stat: Stat, replyZxid: bigint, what: string): void {
  t.ok(stat.czxid > 0n && stat.czxid <= stat.mzxid && stat.mzxid <= replyZxid, `${what}: czxid <= mzxid <= reply zxid`)
  t.ok(stat.pzxid >= stat.czxid && stat.pzxid <= replyZxid, `${what}: czxid <= pzxid <= reply zxid`)
  t.ok(stat.ctime > 1_600_000_000_000n && stat.ctime <= stat.mtime, `${what}: plausible ctime <= mtime`)
  t.ok(stat.dataLength >= 0 && stat.numChildren >= 0 && stat.version >= 0 && stat.aversion >= 0, `${what}: counts >= 0`)
}

const all: Decoded[] = []
for (const [name, list] of connections(frames)) {
  t.test(`connection ${name}: every frame round-trips`, async (t) => {
    all.push(...decodeConnection(t, list))
  })
}

t.test('names in the capture agree with the decoded frames', async (t) => {
  for (const d of all) {
    const named = parseFrameName(d.frame.frame)
    if (named.xid === undefined) continue
    t.equal(d.xid, named.xid, `${d.frame.frame}: xid`)
    if (named.kind === 'notification') {
      t.equal(d.opcode, OpCode.notification)
      continue
    }
    t.equal(opName(d.opcode as number), named.op, `${d.frame.frame}: opcode`)
    if (named.err !== undefined) t.equal(d.reply?.header.err, named.err, `${d.frame.frame}: err ${errorName(named.err)}`)
  }
})

t.test('decoded fields make sense', async (t) => {
  let stats = 0
  for (const d of all) {
    const response = d.reply?.response as Record<string, unknown> | undefined
    if (d.reply === undefined || response === undefined) continue
    if ('stat' in response) {
      checkStat(t, response.stat as Stat, d.reply.header.zxid, d.frame.frame)
      stats++
    }
    if (d.reply.header.xid === -1) t.equal(d.reply.header.zxid, -1n, 'notifications carry zxid -1')
  }
  t.ok(stats >= 15, `checked ${stats} Stats`)
  for (const d of all) {
    if (d.request === undefined) continue
    if ('path' in d.request) t.match(d.request.path, /^\/[a-z0-9/-]*$/, `${d.frame.frame}: path`)
    if ('acl' in d.request) t.same(d.request.acl, [{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }])
  }
  // Error replies carry only the header.
  for (const d of all) {
    if (d.reply !== undefined && d.reply.header.err !== 0) t.equal(d.reply.response, undefined, `${d.frame.frame}: no body`)
  }
})

function find(client: string, name: string): Decoded {
  const d = all.find((x) => x.frame.client === client && x.frame.frame === name)
  if (d === undefined) throw new Error(`no frame ${name} from ${client}`)
  return d
}

t.test('specific frames, field by field', async (t) => {
  const connect = decodeConnectRequest(body(frames[0]!.hex))
  t.same(connect, { protocolVersion: 0, lastZxidSeen: 0n, timeOut: 10000, sessionId: 0n, passwd: Buffer.alloc(16), readOnly: false })
  const accepted = decodeConnectResponse(body(frames[1]!.hex))
  t.equal(accepted.timeOut, 10000)
  t.equal(accepted.passwd?.length, 16)
  t.equal(accepted.readOnly, false)
  t.equal(accepted.sessionId >> 56n, 1n, 'session id high byte is the server id')

  const create = find('kazoo-2.8', 'request create (xid 1)').request
  t.same(create, { type: OpCode.create, path: '/v', data: Buffer.from('root'), acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], flags: 0 })
  t.same(find('kazoo-2.8', 'response create (xid 3, err 0)').reply?.response, { path: '/v/eph-0000000001' })
  t.equal((find('kazoo-2.8', 'request create (xid 3)').request as { flags: number }).flags, 3, 'ephemeral sequential')
  t.equal(find('kazoo-2.8', 'response exists (xid 6, err -101)').reply?.header.err, ErrorCode.NONODE)

  const got = find('kazoo-2.8', 'response getData (xid 7, err 0)').reply?.response as { data: Buffer; stat: Stat }
  t.equal(got.data.toString(), 'hello')
  t.match(got.stat, { dataLength: 5, version: 0, numChildren: 0, ephemeralOwner: 0n })
  const set = find('kazoo-2.8', 'response setData (xid 8, err 0)').reply?.response as { stat: Stat }
  t.match(set.stat, { dataLength: 5, version: 1 })
  t.ok(set.stat.mzxid > set.stat.czxid, 'setData moved mzxid')

  const event = all.find((d) => d.frame.client === 'kazoo-2.8' && d.xid === -1)?.reply?.response
  t.same(event, { type: EventType.NodeDataChanged, state: KeeperState.SyncConnected, path: '/v/persistent' })

  t.same(find('kazoo-2.8', 'response multi (xid 12, err 0)').reply?.response, {
    results: [
      { type: OpCode.error, err: ErrorCode.OK },
      { type: OpCode.error, err: ErrorCode.BADVERSION },
    ],
  })
  const multi13 = find('kazoo-2.8', 'response multi (xid 13, err 0)').reply?.response as { results: { type: number }[] }
  t.match(multi13.results, [{ type: OpCode.create, path: '/v/t2' }, { type: OpCode.setData, stat: { version: 2, dataLength: 1 } }])
  t.same(find('zkCli-3.8', 'response multi (xid 21, err 0)').reply?.response, {
    results: [{ type: OpCode.delete }, { type: OpCode.delete }, { type: OpCode.delete }],
  })
  const multi21 = find('zkCli-3.8', 'request multi (xid 21)').request as { ops: { type: number; path: string }[] }
  t.same(multi21.ops.map((op) => op.type), [OpCode.delete, OpCode.delete, OpCode.delete])

  const children = find('kazoo-2.8', 'response getChildren2 (xid 9, err 0)').reply?.response as { children: string[]; stat: Stat }
  t.same(children.children, ['eph-0000000001', 'persistent', 'c2'])
  t.equal(children.stat.numChildren, children.children.length, 'numChildren counts the children')

  const ping = find('kazoo-2.8', 'request ping (xid -2)')
  t.same(ping.request, { type: OpCode.ping })

  const whoAmI = find('zkCli-3.8', 'response whoAmI (xid 16, err 0)').reply?.response
  t.same(whoAmI, { clientInfo: [{ authScheme: 'ip', user: '127.0.0.1' }, { authScheme: 'digest', user: 'user' }] })
  t.same(find('zkCli-3.8', 'request auth (xid -4)').request, { type: OpCode.auth, authType: 0, scheme: 'digest', auth: Buffer.from('user:pass') })
  t.same(find('zkCli-3.8', 'response addWatch (xid 11, err 0)').reply?.response, { err: 0 })
  t.same(find('zkCli-3.8', 'request addWatch (xid 11)').request, { type: OpCode.addWatch, path: '/j', mode: 1 })
  t.same(find('zkCli-3.8', 'request removeWatches (xid 13)').request, { type: OpCode.removeWatches, path: '/j', watcherType: 3 })
  t.same(find('zkCli-3.8', 'response getEphemerals (xid 10, err 0)').reply?.response, { ephemerals: ['/j/eph'] })
  t.same(find('zkCli-3.8', 'response getAllChildrenNumber (xid 9, err 0)').reply?.response, { totalNumber: 3 })
  const container = find('zkCli-3.8', 'request createContainer (xid 4)').request as { flags: number }
  t.equal(container.flags, 4, 'container flag')

  const ttl = find('zkCli-3.8-ttl', 'request createTTL (xid 1)').request as { ttl: bigint; flags: number }
  t.equal(ttl.flags, 5)
  t.ok(ttl.ttl > 0n, 'ttl set')
  const ttlReply = find('zkCli-3.8-ttl', 'response createTTL (xid 1, err 0)').reply?.response as { path: string; stat: Stat }
  t.equal(ttlReply.path, '/ttl')
  t.equal(ttlReply.stat.ephemeralOwner, 0n, 'create2-family Stat shows ephemeralOwner 0 for TTL nodes')
})

t.test('a ConnectRequest/Response without the readOnly byte round-trips without it', async (t) => {
  const request = body(frames.find((f) => f.frame === 'ConnectRequest')!.hex).subarray(0, 44)
  const decoded = decodeConnectRequest(request)
  t.equal(decoded.readOnly, undefined)
  t.same(encodeConnectRequest(decoded).subarray(4), request)
  const response = body(frames.find((f) => f.frame === 'ConnectResponse')!.hex).subarray(0, 36)
  const decodedResponse = decodeConnectResponse(response)
  t.equal(decodedResponse.readOnly, undefined)
  t.equal(encodeConnectResponse(decodedResponse).length, 40)
})

t.test('each connection as one byte stream, cut anywhere, yields the same frames', async (t) => {
  for (const [name, list] of connections(frames)) {
    for (const direction of ['client->server', 'server->client'] as const) {
      const wanted = list.filter((f) => f.direction === direction).map((f) => body(f.hex))
      const stream = Buffer.concat(list.filter((f) => f.direction === direction).map((f) => Buffer.from(f.hex, 'hex')))
      for (const step of [1, 2, 3, 5, 7, 64, stream.length]) {
        const decoder = new FrameDecoder()
        const got: Buffer[] = []
        for (let i = 0; i < stream.length; i += step) got.push(...decoder.push(stream.subarray(i, i + step)))
        t.same(got, wanted, `${name} ${direction} in chunks of ${step}`)
        t.equal(decoder.bufferedBytes, 0)
      }
    }
  }
})
