import t from 'tap'
import { AddWatchMode, EventType, OpCode, Perms, WatcherType } from '@zoo/protocol'
import type { Id } from '@zoo/protocol'
import { OPEN_ACL_UNSAFE, WatchRegistry, digestId } from '../src/index.js'
import type { WatchDelivery, WriteRequest } from '../src/index.js'
import { Driver, S1, S2 } from './support/driver.js'

const { NodeCreated, NodeDeleted, NodeDataChanged, NodeChildrenChanged } = EventType
const open = [...OPEN_ACL_UNSAFE]

/** A tree plus a registry: each write returns the events it delivered, as [session, type, path]. */
function setup(auth: Map<bigint, Id[]> = new Map()) {
  const d = new Driver()
  d.session(S1)
  d.session(S2)
  const watches = new WatchRegistry()
  const filtered: WatchDelivery[] = []
  const write = (request: WriteRequest) => {
    const result = d.write(request)
    return watches.trigger(result.triggers, (id) => auth.get(id) ?? [], filtered).map((x) => [x.sessionId, x.event.type, x.event.path])
  }
  const create = (path: string, flags = 0) => write({ type: OpCode.create, path, data: null, acl: open, flags })
  const setData = (path: string) => write({ type: OpCode.setData, path, data: Buffer.from('x'), version: -1 })
  const del = (path: string) => write({ type: OpCode.delete, path, version: -1 })
  return { d, watches, filtered, write, create, setData, del }
}

t.test('one-shot data watches fire once', async (t) => {
  const { watches, create, setData, del } = setup()
  create('/a')
  watches.addDataWatch(S1, '/a')
  t.same(setData('/a'), [[S1, NodeDataChanged, '/a']])
  t.same(setData('/a'), [], 'gone after firing')
  watches.addDataWatch(S1, '/a')
  watches.addDataWatch(S1, '/missing')
  t.same(del('/a'), [[S1, NodeDeleted, '/a']])
  t.same(create('/missing'), [[S1, NodeCreated, '/missing']], 'an exists watch on a missing node waits for its creation')
})

t.test('child watches: children changed, node deleted once', async (t) => {
  const { watches, create, del } = setup()
  create('/p')
  watches.addChildWatch(S1, '/p')
  t.same(create('/p/c'), [[S1, NodeChildrenChanged, '/p']])
  watches.addChildWatch(S1, '/p')
  watches.addDataWatch(S1, '/p')
  t.same(del('/p/c'), [[S1, NodeChildrenChanged, '/p']])
  watches.addChildWatch(S1, '/p')
  watches.addChildWatch(S2, '/p')
  t.same(del('/p'), [[S1, NodeDeleted, '/p'], [S2, NodeDeleted, '/p']], 'a session with data and child watches hears NodeDeleted once')
})

t.test('persistent and recursive watches', async (t) => {
  const { watches, create, setData, del } = setup()
  create('/r')
  watches.addWatch(S1, '/r', AddWatchMode.PERSISTENT)
  watches.addWatch(S2, '/r', AddWatchMode.PERSISTENT_RECURSIVE)
  t.same(create('/r/a'), [[S2, NodeCreated, '/r/a'], [S1, NodeChildrenChanged, '/r']], 'recursive: the descendant; persistent: the children')
  t.same(setData('/r'), [[S1, NodeDataChanged, '/r'], [S2, NodeDataChanged, '/r']])
  t.same(setData('/r'), [[S1, NodeDataChanged, '/r'], [S2, NodeDataChanged, '/r']], 'still there')
  t.same(create('/r/a/b'), [[S2, NodeCreated, '/r/a/b']], 'no NodeChildrenChanged for recursive watches')
  watches.addWatch(S2, '/', AddWatchMode.PERSISTENT_RECURSIVE)
  t.same(setData('/r/a/b'), [[S2, NodeDataChanged, '/r/a/b']], 'one event per session, however many watches match')
  del('/r/a/b')
  del('/r/a')
  t.same(del('/r'), [[S1, NodeDeleted, '/r'], [S2, NodeDeleted, '/r']])
  t.same(create('/r'), [[S1, NodeCreated, '/r'], [S2, NodeCreated, '/r']], 'persistent watches outlive their node')
})

t.test('one mode per session and path: a later getData watch makes a persistent data watch one-shot (as Apache)', async (t) => {
  const { watches, create, setData } = setup()
  create('/m')
  watches.addWatch(S1, '/m', AddWatchMode.PERSISTENT)
  watches.addDataWatch(S1, '/m')
  t.equal(watches.data.modeOf(S1, '/m'), 'standard')
  t.equal(watches.child.modeOf(S1, '/m'), 'persistent')
  t.same(setData('/m'), [[S1, NodeDataChanged, '/m']])
  t.same(setData('/m'), [], 'the data side was one-shot')
  t.same(create('/m/x'), [[S1, NodeChildrenChanged, '/m']], 'the child side is still persistent')
})

t.test('removeWatches by type, checkWatches, sessions', async (t) => {
  const { watches, create, setData } = setup()
  create('/w')
  watches.addDataWatch(S1, '/w')
  watches.addChildWatch(S1, '/w')
  t.equal(watches.removeWatches(S1, '/w', WatcherType.Children), true)
  t.equal(watches.removeWatches(S1, '/w', WatcherType.Children), false, 'NOWATCHER')
  t.equal(watches.checkWatches('/w', WatcherType.Data), true)
  t.equal(watches.checkWatches('/w', WatcherType.Children), false)
  t.equal(watches.checkWatches('/other', WatcherType.Any), false)
  t.equal(watches.removeWatches(S1, '/w', WatcherType.Any), true)
  t.same(setData('/w'), [])
  watches.addDataWatch(S2, '/w')
  t.equal(watches.checkWatches('/w', WatcherType.Data), true, "Apache's containsWatcher sees any session's watch")
  watches.removeSession(S2)
  t.same(setData('/w'), [])
  t.throws(() => watches.removeWatches(S1, '/w', 7), RangeError, 'bad watcher type: MARSHALLINGERROR')
  t.throws(() => watches.addWatch(S1, '/w', 5), RangeError)
  watches.addWatch(S1, '/w', AddWatchMode.PERSISTENT_RECURSIVE)
  t.throws(() => watches.checkWatches('a/b', WatcherType.Data), RangeError, 'relative paths break Apache path iterator')
  t.equal(watches.checkWatches('', WatcherType.Data), false)
})

t.test('events go only to sessions that may READ the node (3.8.4+, CVE-2024-23944)', async (t) => {
  const u1: Id = { scheme: 'digest', id: digestId('u1:p1') }
  const { watches, write, setData, filtered } = setup(new Map([[S1, [u1]]]))
  // u1 may read; everybody may write (the driver writes as an unauthenticated session).
  write({ type: OpCode.create, path: '/s', data: null, acl: [{ perms: Perms.ALL, id: u1 }, { perms: Perms.WRITE, id: { scheme: 'world', id: 'anyone' } }], flags: 0 })
  watches.addDataWatch(S1, '/s')
  watches.addDataWatch(S2, '/s')
  t.same(setData('/s'), [[S1, NodeDataChanged, '/s']])
  t.same(filtered.map((x) => x.sessionId), [S2], 'the other session lost its event')
  t.same(setData('/s'), [], "and its one-shot watch, as Apache's")
  watches.addWatch(S2, '/', AddWatchMode.PERSISTENT_RECURSIVE)
  t.same(write({ type: OpCode.create, path: '/s2', data: null, acl: open, flags: 0 }), [[S2, NodeCreated, '/s2']])
  t.same(setData('/s'), [], 'a recursive watch above a secret node learns nothing about it')
})

t.test('a table without recursive watches answers from the path alone, as the walk over its parents would', async (t) => {
  const watches = new WatchRegistry()
  t.same([...watches.data.trigger('/a/b', NodeDataChanged)], [], 'nobody watches the path')
  t.same([...watches.data.trigger('', NodeDataChanged)], [], '"" yields no level')
  t.throws(() => watches.data.trigger('a', NodeDataChanged), RangeError, 'a path without a slash throws before any lookup (Apache\'s iterator)')
  watches.addDataWatch(S1, '/a/b')
  watches.addDataWatch(S2, '/a')
  t.same([...watches.data.trigger('/a/b', NodeDataChanged)], [S1], 'only the path itself fires, not a one-shot watch on its parent')
  t.same([...watches.data.trigger('/a/b', NodeDataChanged)], [], 'the one-shot watch is gone')
  watches.addWatch(S2, '/', AddWatchMode.PERSISTENT_RECURSIVE)
  t.same([...watches.data.trigger('/a/b', NodeDataChanged)], [S2], 'with a recursive watch the parents are walked again')
})
