import t from 'tap'
import { OpCode, Perms } from '@zoo/protocol'
import { SnapshotError, digestId, readSnapshot, readSnapshotPaced, snapshotBytes, snapshotStream, writeSnapshot } from '../src/index.js'
import { Driver, S1, S2 } from './support/driver.js'

/** A tree with a bit of everything a snapshot must keep. */
function sample(): Driver {
  const d = new Driver()
  d.session(S1)
  d.session(S2)
  d.create('/a', 0, Buffer.from('hello'))
  d.create('/a/seq-', 2, null)
  d.create('/a/eph', 1, Buffer.alloc(0), undefined, S2)
  d.create('/secret', 0, Buffer.from([0, 255, 128]), [{ perms: Perms.ALL, id: { scheme: 'digest', id: digestId('u:p') } }])
  d.write({ type: OpCode.createContainer, path: '/box', data: null, acl: [{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }], flags: 4 })
  d.write({ type: OpCode.createTTL, path: '/ttl', data: null, acl: [{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }], flags: 5, ttl: 5000n })
  d.create('/日本/', 0)
  d.create('/日本', 0, Buffer.from('x'))
  d.create('/日本/語', 0)
  d.create('/zookeeper/quota/a')
  d.create('/zookeeper/quota/a/zookeeper_limits', 0, Buffer.from('count=10,bytes=100'))
  d.create('/zookeeper/quota/a/zookeeper_stats', 0, Buffer.from('count=0,bytes=0'))
  d.write({ type: OpCode.delete, path: '/a/seq-0000000000', version: -1 })
  d.write({ type: OpCode.setData, path: '/a', data: Buffer.from('bye'), version: 0 })
  return d
}

t.test('snapshot then load round-trips: nodes, Stats, ACLs, sessions, quotas, digest', async (t) => {
  const d = sample()
  const bytes = snapshotBytes(d.tree)
  const loaded = readSnapshot(bytes)
  t.equal(loaded.lastProcessedZxid, d.tree.lastProcessedZxid)
  t.equal(loaded.digest, d.tree.digest)
  t.equal(loaded.nodeCount, d.tree.nodeCount)
  for (const path of ['/', '/a', '/a/eph', '/secret', '/box', '/ttl', '/日本/語', '/zookeeper/config']) {
    t.same(loaded.stat(path), d.tree.stat(path), `${path} stat`)
    t.same(loaded.data(path), d.tree.data(path), `${path} data`)
    t.same(loaded.acl(path), d.tree.acl(path), `${path} acl`)
    t.same(loaded.children(path), d.tree.children(path), `${path} children`)
  }
  t.same([...loaded.sessions.keys()], [S1, S2])
  t.same(loaded.sessions.get(S1)?.passwd, Buffer.alloc(16, 7))
  t.same(loaded.ephemerals(S2), ['/a/eph'])
  t.same(loaded.containers(), ['/box'])
  t.same(loaded.ttlNodes(), ['/ttl'])
  t.same(loaded.quotas.list(), ['/a'])
  t.ok(snapshotBytes(loaded).equals(bytes), 'a loaded tree writes the same bytes')
  t.same(Buffer.concat(writeSnapshot(d.tree)), bytes, 'chunks concatenate to the snapshot')
  // The loaded tree keeps working: quotas, sequence numbers, ephemerals.
  const more = new Driver({}, loaded)
  t.equal(more.create('/a/seq-', 2).path, '/a/seq-0000000002')
  more.write({ type: OpCode.closeSession }, S2)
  t.equal(loaded.has('/a/eph'), false)
  t.equal(loaded.data('/zookeeper/quota/a/zookeeper_stats')?.toString(), 'count=2,bytes=3', 'quota usage kept counting')
})

t.test('readSnapshotPaced reads the same tree a bounded number of nodes per step', async (t) => {
  const d = sample()
  for (let i = 0; i < 40; i++) d.create(`/many-${i}`, 0, Buffer.from([i]))
  const bytes = snapshotBytes(d.tree)
  const nodes = d.tree.nodeCount
  const reading = readSnapshotPaced(bytes, { pauseEveryNodes: 7 })
  let steps = 0
  let step = reading.next()
  while (step.done !== true) {
    steps++
    step = reading.next()
  }
  t.equal(steps, Math.ceil(nodes / 7) - 1, `${nodes} nodes, 7 per step: a pause between every two slices`)
  t.ok(snapshotBytes(step.value).equals(bytes), 'the tree writes back the same bytes')
  t.equal(step.value.digest, d.tree.digest)

  const flipped = Buffer.from(bytes)
  flipped[flipped.length - 10]! ^= 1
  const bad = readSnapshotPaced(flipped, { pauseEveryNodes: 7 })
  t.throws(() => bad.next(), SnapshotError, 'the CRC is checked at the first step, before any node is read')
  t.throws(() => readSnapshotPaced(bytes, { pauseEveryNodes: 0 }).next(), RangeError)
})

t.test('a corrupt snapshot is refused with a clear error', async (t) => {
  const bytes = snapshotBytes(sample().tree)
  const refused = (b: Buffer, reason: string, what: string) => {
    try {
      readSnapshot(b)
      t.fail(`${what}: loaded`)
    } catch (e) {
      t.ok(e instanceof SnapshotError, what)
      t.equal((e as SnapshotError).reason, reason, what)
      t.match((e as Error).message, /^snapshot refused/)
    }
  }
  refused(bytes.subarray(0, 5), 'truncated', 'too short')
  refused(Buffer.concat([Buffer.from('NOTSNAPX'), bytes.subarray(8)]), 'bad-magic', 'other magic')
  for (const at of [8, 20, 100, Math.floor(bytes.length / 2), bytes.length - 5, bytes.length - 1]) {
    const flipped = Buffer.from(bytes)
    flipped[at] = (flipped[at] as number) ^ 0x10
    refused(flipped, 'checksum', `bit flipped at ${at}`)
  }
  refused(bytes.subarray(0, bytes.length - 10), 'checksum', 'cut short')
})

t.test('well-formed envelopes around bad contents are refused too', async (t) => {
  const { crc32 } = await import('node:zlib')
  const seal = (body: Buffer) => {
    const trailer = Buffer.alloc(4)
    trailer.writeUInt32BE(crc32(body), 0)
    return Buffer.concat([body, trailer])
  }
  const bytes = snapshotBytes(sample().tree)
  const body = Buffer.from(bytes.subarray(0, bytes.length - 4))
  const badDigest = Buffer.from(body)
  badDigest.writeBigInt64BE(12345n, 16)
  const reasonOf = (b: Buffer) => {
    try {
      readSnapshot(b)
      return 'loaded'
    } catch (e) {
      return e instanceof SnapshotError ? e.reason : String(e)
    }
  }
  t.equal(reasonOf(seal(badDigest)), 'digest')
  const hugeCount = Buffer.from(body)
  hugeCount.writeInt32BE(0x7fffffff, 24)
  t.equal(reasonOf(seal(hugeCount)), 'malformed')
  t.equal(reasonOf(seal(body.subarray(0, body.length - 7))), 'malformed')
})

t.test('a snapshot listing a node twice is refused', async (t) => {
  const d = new Driver()
  d.session()
  t.equal(d.create('/dup').err, 0)
  // Make the writer list /dup twice (and count it twice), as a corrupt but well-sealed file would.
  const nodes = d.tree.nodes
  const pathsNow = nodes.pathsNow.bind(nodes)
  nodes.pathsNow = () => [...pathsNow(), '/dup']
  try {
    readSnapshot(snapshotBytes(d.tree))
    t.fail('loaded')
  } catch (e) {
    t.equal((e as SnapshotError).reason, 'malformed')
    t.match((e as Error).message, /\/dup already stored/)
  }
})

t.test('a streamed snapshot keeps the start: ACL ids freed and reused, nodes deleted and re-created, sessions closed', async (t) => {
  const d = sample()
  const digestAcl = (user: string) => [{ perms: Perms.ALL, id: { scheme: 'digest', id: digestId(`${user}:p`) } }]
  d.create('/own', 0, Buffer.from('mine'), digestAcl('x'))
  const expected = snapshotBytes(d.tree)
  const zxid = d.tree.lastProcessedZxid
  const stream = snapshotStream(d.tree, { chunkBytes: 64, pauseEveryNodes: 3 })
  t.equal(stream.zxid, zxid)
  const chunks: Buffer[] = [stream.next().value as Buffer]
  // Its ACL's last reference goes: the id is freed and the next new ACL takes it.
  d.write({ type: OpCode.delete, path: '/own', version: -1 }, S1, [{ scheme: 'digest', id: digestId('x:p') }])
  d.create('/own', 0, Buffer.from('theirs'), digestAcl('y'))
  d.write({ type: OpCode.setACL, path: '/secret', acl: digestAcl('z'), version: -1 }, S1, [{ scheme: 'digest', id: digestId('u:p') }])
  d.write({ type: OpCode.setData, path: '/a', data: Buffer.from('changed'), version: -1 })
  d.write({ type: OpCode.closeSession }, S2)
  d.create('/later', 0, Buffer.from('new'))
  t.ok(stream.preservedNodes >= 4, `kept ${stream.preservedNodes} nodes as they were`)
  let empties = 0
  for (const chunk of stream) {
    if (chunk.length === 0) empties++
    t.ok(chunk.length <= 64 + 200, 'chunks stay near their size')
    chunks.push(chunk)
  }
  t.ok(empties > 0, 'the ACL pass pauses')
  t.ok(Buffer.concat(chunks).equals(expected), 'the bytes of the tree at the start')
  t.equal(d.tree.nodes.openPreservers, 0, 'the tree stops keeping old contents at the end')
  t.equal(readSnapshot(Buffer.concat(chunks)).data('/own')?.toString(), 'mine')
})

t.test('closing a stream early stops the copy-on-write', async (t) => {
  const d = sample()
  const stream = snapshotStream(d.tree, { chunkBytes: 64 })
  stream.next()
  t.equal(d.tree.nodes.openPreservers, 1)
  stream.close()
  t.equal(d.tree.nodes.openPreservers, 0)
  t.equal(stream.next().done, true)
  d.write({ type: OpCode.setData, path: '/a', data: Buffer.from('x'), version: -1 })
  t.equal(stream.preservedNodes, 0, 'nothing kept after close')
  // for-of breaking out of a stream closes it as well.
  const again = snapshotStream(d.tree, { chunkBytes: 64 })
  for (const chunk of again) if (chunk.length > 0) break
  t.equal(d.tree.nodes.openPreservers, 0)
})
