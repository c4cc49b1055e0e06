import t from 'tap'
import { ErrorCode, KeeperError } from '@zoo/client'
import { classify } from '../src/workload/outcome.js'
import { Recorder } from '../src/workload/recorder.js'
import { hostsFor } from '../src/workload/workers.js'
import { finalsFrom } from '../src/finals.js'
import { leaderChanges } from '../src/workload/monitor.js'
import type { NodeSnapshot, WriteOp } from '../src/checker/history.js'

t.test('server refusals are definite; lost connections, timeouts and expiry are unknown', async (t) => {
  t.same(classify(new KeeperError(ErrorCode.BADVERSION, '/r')), { outcome: 'fail', error: 'BADVERSION' })
  t.same(classify(new KeeperError(ErrorCode.NONODE, '/r')), { outcome: 'fail', error: 'NONODE' })
  for (const code of [ErrorCode.CONNECTIONLOSS, ErrorCode.REQUESTTIMEOUT, ErrorCode.SESSIONEXPIRED, ErrorCode.OPERATIONTIMEOUT]) t.equal(classify(new KeeperError(code, '/r')).outcome, 'unknown')
  t.same(classify(new Error('socket hang up')), { outcome: 'unknown', error: 'Error: socket hang up' })
})

t.test('the recorder stamps completions on one clock and refuses to rewind a history', async (t) => {
  const recorder = new Recorder(2)
  const invokeMs = recorder.now()
  const op = recorder.complete<WriteOp>({ process: 1, kind: 'write', key: 'r', value: 'a', invokeMs }, { outcome: 'ok', version: 1, mzxid: '5' })
  t.equal(op.id, 0)
  t.ok(op.completeMs >= invokeMs)
  t.notOk(recorder.full)
  recorder.complete<WriteOp>({ process: 1, kind: 'write', key: 'r', value: 'b', invokeMs: recorder.now() }, { outcome: 'unknown', error: 'CONNECTIONLOSS' })
  t.ok(recorder.full, 'the bound is reached')
  t.throws(() => recorder.restartClock(), /cannot be restarted/)
})

t.test('each process starts at a different member', async (t) => {
  const hosts = ['a:1', 'b:2', 'c:3']
  t.equal(hostsFor(0, hosts), 'a:1,b:2,c:3')
  t.equal(hostsFor(1, hosts), 'b:2,c:3,a:1')
  t.equal(hostsFor(5, hosts), 'c:3,a:1,b:2')
})

t.test('final facts are read off a member tree', async (t) => {
  const node = (path: string, data: string, version = 0, ephemeralOwner = '0'): NodeSnapshot => ({ path, data, version, cversion: 0, czxid: '7', mzxid: '7', pzxid: '7', ephemeralOwner, numChildren: 0 })
  const finals = finalsFrom({
    member: 1,
    nodes: [node('/chaos', ''), node('/chaos/registers/r0', 'p1-3', 4), node('/chaos/queue/item-0000000000', 'p2-1'), node('/chaos/ephemerals/o1-0', 'o1', 0, '12345')],
  })
  t.same(finals.finalRegisters, { r0: { version: 4, value: 'p1-3' } })
  t.same(finals.finalQueue, [{ name: 'item-0000000000', data: 'p2-1', czxid: '7' }])
  t.same(finals.finalEphemerals, [{ path: '/chaos/ephemerals/o1-0', ephemeralOwner: '12345' }])
})

t.test('leader changes: a new member or a new epoch; gaps without a leader are not changes', async (t) => {
  const sample = (atMs: number, leader: number | undefined, leaderEpoch?: number) => ({ atMs, modes: { 1: leader === 1 ? 'leader' as const : 'follower' as const, 2: leader === 2 ? 'leader' as const : 'not-serving' as const }, leaderEpoch })
  const changes = leaderChanges([sample(0, 1, 1), sample(1, undefined), sample(2, 1, 1), sample(3, 1), sample(4, 2, 2), sample(5, 2, 3), sample(6, 2)])
  t.same(changes.map((c) => [c.atMs, c.leader, c.epoch]), [[0, 1, 1], [4, 2, 2], [5, 2, 3]])
})
