// Random and mutated frames: decoding either succeeds or raises ProtocolError — never another
// exception, a hang, or an allocation beyond the frame.
import fc from 'fast-check'
import t from 'tap'
import * as protocol from '../src/index.js'
import {
  FrameDecoder, OpCode, ProtocolError, decodeConnectRequest, decodeConnectResponse, decodeRecord, decodeReply, decodeRequest,
  encodeReply, encodeRequest,
} from '../src/index.js'
import type { Codec, ReplyType } from '../src/index.js'
import { reply, request } from './arbitraries.js'
import { loadVectors } from './vectors.js'

const replyTypes = [OpCode.notification, ...Object.values(OpCode).filter((op) => protocol.isRequestType(op))] as ReplyType[]
const codecs = (Object.values(protocol) as unknown[]).filter(
  (v): v is Codec<unknown> => typeof v === 'object' && v !== null && 'encode' in v && 'decode' in v,
)

function onlyProtocolErrors(what: string, fn: () => unknown): void {
  try {
    fn()
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw new Error(`${what} threw ${String(e)}`, { cause: e })
  }
}

/** Runs every decoder of the package over one body. */
function decodeEverything(body: Buffer): void {
  onlyProtocolErrors('decodeRequest', () => decodeRequest(body))
  onlyProtocolErrors('decodeConnectRequest', () => decodeConnectRequest(body))
  onlyProtocolErrors('decodeConnectResponse', () => decodeConnectResponse(body))
  for (const op of replyTypes) onlyProtocolErrors(`decodeReply(${op})`, () => decodeReply(body, op))
  for (const codec of codecs) onlyProtocolErrors('a record codec', () => decodeRecord(codec, body))
}

const captured = loadVectors().map((f) => Buffer.from(f.hex, 'hex').subarray(4))
const generated = fc.oneof(
  request.map((r) => encodeRequest(1, r).subarray(4)),
  reply.map(({ header, response, opcode }) => encodeReply(header, response as never, opcode).subarray(4)),
)
const validBody = fc.oneof(fc.constantFrom(...captured), generated)

const interestingInt = fc.constantFrom(-1, -2, 0, 1, 0x7fffffff, -0x80000000, 0xfffff, 0x100000, 0x10000)
type Mutation =
  | { kind: 'set-byte'; at: number; value: number }
  | { kind: 'set-int'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set-byte' as const), at: fc.nat(), value: fc.nat(255) }),
  fc.record({ kind: fc.constant('set-int' as const), at: fc.nat(), value: interestingInt }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 9 }) }),
)

function mutate(body: Buffer, m: Mutation): Buffer {
  const at = body.length === 0 ? 0 : m.at % body.length
  switch (m.kind) {
    case 'set-byte': {
      const out = Buffer.from(body)
      if (out.length > 0) out[at] = m.value
      return out
    }
    case 'set-int': {
      const out = Buffer.from(body)
      if (out.length >= at + 4) out.writeInt32BE(m.value, at)
      return out
    }
    case 'truncate':
      return body.subarray(0, at)
    case 'insert':
      return Buffer.concat([body.subarray(0, at), m.bytes, body.subarray(at)])
  }
}

t.test('random bytes only ever raise ProtocolError', async (t) => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => decodeEverything(Buffer.from(bytes))), { numRuns: 500 })
  t.pass('random bodies')
})

t.test('mutated real and generated frames only ever raise ProtocolError', async (t) => {
  fc.assert(
    fc.property(validBody, fc.array(mutation, { minLength: 1, maxLength: 4 }), (body, mutations) => {
      decodeEverything(mutations.reduce(mutate, body))
    }),
    { numRuns: 1500 },
  )
  t.pass('mutated bodies')
})

t.test('a mutated byte stream through the frame decoder only raises ProtocolError', async (t) => {
  const stream = fc.array(validBody, { minLength: 1, maxLength: 5 }).map((bodies) => Buffer.concat(bodies.map(protocol.encodeFrame)))
  fc.assert(
    fc.property(stream, fc.array(mutation, { maxLength: 3 }), fc.array(fc.nat(), { maxLength: 10 }), (s, mutations, cuts) => {
      const bytes = mutations.reduce(mutate, s)
      const decoder = new FrameDecoder({ maxFrameBytes: 4096 })
      const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
      onlyProtocolErrors('FrameDecoder', () => {
        let from = 0
        for (const p of [...points, bytes.length]) {
          for (const body of decoder.push(bytes.subarray(from, p))) {
            if (body.length > 4096) throw new Error('frame over the limit')
            decodeEverything(body)
          }
          from = p
        }
      })
      if (decoder.bufferedBytes > 4096 + 4) throw new Error('buffered more than one frame')
    }),
    { numRuns: 500 },
  )
  t.pass('mutated streams')
})

t.test('hostile lengths fail at once instead of allocating', async (t) => {
  const hostile = [
    // getData reply claiming a 2 GiB data buffer
    '00000001' + '0000000000000001' + '00000000' + '7fffffff',
    // getChildren reply claiming 2^31-1 children
    '00000001' + '0000000000000001' + '00000000' + '7fffffff' + '00000001' + '61',
  ]
  for (const hex of hostile) {
    const body = Buffer.from(hex, 'hex')
    const before = process.memoryUsage().arrayBuffers
    for (const op of [OpCode.getData, OpCode.getChildren]) onlyProtocolErrors('hostile', () => decodeReply(body, op))
    t.ok(process.memoryUsage().arrayBuffers - before < 16 * 1024 * 1024, 'no large allocation')
  }
})
