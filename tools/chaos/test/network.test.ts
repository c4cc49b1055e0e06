import t from 'tap'
import { Network } from '../src/faults/network.js'

const members = [1, 2, 3].map((id) => ({ id, quorumPort: 1, electionPort: 2 }))
const both = (from: number, to: number) => [`${from}->${to}/quorum`, `${from}->${to}/election`]

t.test('partitions fault exactly the links between groups, per direction', async (t) => {
  const network = await Network.start(members)
  t.teardown(() => network.close())
  t.not(network.peerAddress(1, 2).quorumPort, network.peerAddress(2, 1).quorumPort, 'each direction of a pair has its own proxy')
  t.same(network.faultyLinks(), [])

  network.partition([[1], [2, 3]], 'drop')
  t.same(network.faultyLinks().sort(), [...both(1, 2), ...both(1, 3), ...both(2, 1), ...both(3, 1)].sort(), 'member 1 alone; 2-3 untouched')
  network.heal()
  t.same(network.faultyLinks(), [])

  network.drop(1, 2)
  // Traffic 1->2 flows up on 1's connections to 2 and down on 2's connections to 1.
  t.same(network.faultyLinks().sort(), [...both(1, 2), ...both(2, 1)].sort())
  network.heal()

  network.delay(3, 1, 50)
  t.same(network.faultyLinks().sort(), [...both(1, 3), ...both(3, 1)].sort())
  network.heal()

  network.cut(2, 3)
  t.same(network.faultyLinks().sort(), [...both(2, 3), ...both(3, 2)].sort())
  network.heal()
  t.same(network.faultyLinks(), [])
})

t.test('election hellos are rewritten to call back through the reverse link', async (t) => {
  const seen: [number, number, number][] = []
  const network = await Network.start(members, {
    rewriteElectionHello: (dialer, target, callBackPort) => {
      seen.push([dialer, target, callBackPort])
      return () => undefined
    },
  })
  t.teardown(() => network.close())
  t.equal(seen.length, 0, 'rewriters are made per connection, lazily')
  t.ok(network.peerAddress(2, 1).electionPort > 0)
})
