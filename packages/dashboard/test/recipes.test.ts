import t from 'tap'
import { detectLayout, splitHolders } from '../src/tree/recipes.js'

const hex = (n: number) => n.toString(16).padStart(32, '0')
const seq = (n: number) => String(n).padStart(10, '0')

t.test('zoo lock names (@zoo/lock naming "zoo")', async (t) => {
  const children = [`z_${hex(2)}-lock-${seq(2)}`, `z_${hex(1)}-lock-${seq(1)}`, 'unrelated']
  const layout = detectLayout(children, 'auto')!
  t.match(layout, { naming: 'zoo', kind: 'lock' })
  t.same(layout.ordered.map((c) => c.sequence), [1, 2], 'in sequence order, foreign names left out')
})

t.test('zoo leader latch and read/write lock names', async (t) => {
  t.match(detectLayout([`z_${hex(1)}-latch-${seq(4)}`], 'auto'), { naming: 'zoo', kind: 'latch' })
  t.match(detectLayout([`z_${hex(1)}-read-${seq(1)}`, `z_${hex(2)}-write-${seq(2)}`], 'auto'), { naming: 'zoo', kind: 'rwlock' })
})

t.test('kazoo: Lock (also Election) and ReadLock/WriteLock', async (t) => {
  const lock = [`${hex(1)}__lock__${seq(0)}`, `${hex(2)}__lock__${seq(1)}`]
  t.match(detectLayout(lock, 'auto'), { naming: 'kazoo', kind: 'lock', note: /Election/ })
  t.match(detectLayout(lock, 'latch'), { naming: 'kazoo', kind: 'latch' }, 'read as an Election when asked')
  t.match(detectLayout([`${hex(1)}__rlock__${seq(0)}`, `${hex(2)}__lock__${seq(1)}`], 'auto'), { naming: 'kazoo', kind: 'rwlock' })
})

t.test('Curator: InterProcessMutex, LeaderLatch, InterProcessReadWriteLock (protected or not)', async (t) => {
  const uuid = '8d3e4a52-1b2c-4d5e-8f90-123456789abc'
  t.match(detectLayout([`_c_${uuid}-lock-${seq(0)}`, `lock-${seq(1)}`], 'auto'), { naming: 'curator', kind: 'lock' })
  t.match(detectLayout([`_c_${uuid}-latch-${seq(3)}`, `latch-${seq(1)}`], 'auto'), { naming: 'curator', kind: 'latch' })
  t.match(detectLayout([`_c_${uuid}-__READ__${seq(0)}`, `_c_${uuid}-__WRIT__${seq(1)}`], 'auto'), { naming: 'curator', kind: 'rwlock' })
})

t.test('a hint that does not fit the names finds nothing; no contenders, nothing', async (t) => {
  t.equal(detectLayout([`z_${hex(1)}-latch-${seq(1)}`], 'lock'), undefined)
  t.equal(detectLayout([`z_${hex(1)}-lock-${seq(1)}`], 'latch'), undefined)
  t.equal(detectLayout(['config', 'data'], 'auto'), undefined)
})

t.test('sequence order is wrap-aware (the counter goes negative after 2^31 - 1)', async (t) => {
  const layout = detectLayout([`z_${hex(1)}-lock--2147483648`, `z_${hex(2)}-lock-2147483647`], 'auto')!
  t.same(layout.ordered.map((c) => c.sequence), [2147483647, -2147483648])
})

t.test('splitHolders: lock and latch hold the first; a read/write lock lets readers share until a writer', async (t) => {
  const c = (kind: string, n: number) => ({ kind, n })
  t.same(splitHolders('lock', [c('lock', 1), c('lock', 2)]), { holders: [c('lock', 1)], waiters: [c('lock', 2)] })
  t.same(splitHolders('latch', []), { holders: [], waiters: [] })
  const rw = [c('read', 1), c('read', 2), c('write', 3), c('read', 4)]
  t.same(splitHolders('rwlock', rw), { holders: [c('read', 1), c('read', 2)], waiters: [c('write', 3), c('read', 4)] })
  t.same(splitHolders('rwlock', [c('write', 1), c('read', 2)]), { holders: [c('write', 1)], waiters: [c('read', 2)] })
})
