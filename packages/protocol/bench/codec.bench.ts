// Frames per second for the server's and client's hot paths: getData and setData requests and
// replies with 100-byte payloads. Run: npm run bench -w @zoo/protocol
import {
  FrameDecoder, OpCode, decodeReply, decodeRequest, encodeReply, encodeRequest,
} from '../src/index.js'
import type { Request, ReplyHeader, ResponseBodies, Stat } from '../src/index.js'

const RUN_MS = Number(process.env.BENCH_MS ?? 700)
const ROUNDS = 3

const payload = Buffer.alloc(100, 0x61)
const stat: Stat = {
  czxid: 0x100000005n, mzxid: 0x100000009n, ctime: 1_795_575_724_637n, mtime: 1_795_575_725_022n, version: 3, cversion: 0,
  aversion: 0, ephemeralOwner: 0n, dataLength: 100, numChildren: 0, pzxid: 0x100000005n,
}
const path = '/app/config/service-0000000042'
const getData: Request = { type: OpCode.getData, path, watch: true }
const setData: Request = { type: OpCode.setData, path, data: payload, version: 3 }
const header: ReplyHeader = { xid: 42, zxid: 0x10000000an, err: 0 }
const getDataResponse: ResponseBodies[typeof OpCode.getData] = { data: payload, stat }
const setDataResponse: ResponseBodies[typeof OpCode.setData] = { stat }

let sink = 0

/** Best of ROUNDS runs of RUN_MS each, in operations per second. */
function measure(fn: () => void): number {
  for (let i = 0; i < 20_000; i++) fn() // warm up the JIT
  let best = 0
  for (let round = 0; round < ROUNDS; round++) {
    let ops = 0
    const start = process.hrtime.bigint()
    const deadline = start + BigInt(RUN_MS) * 1_000_000n
    let now = start
    while (now < deadline) {
      for (let i = 0; i < 1000; i++) fn()
      ops += 1000
      now = process.hrtime.bigint()
    }
    best = Math.max(best, ops / (Number(now - start) / 1e9))
  }
  return best
}

const body = (frame: Buffer): Buffer => frame.subarray(4)
/** name, one operation, frames per operation */
const cases: [string, () => void, number][] = []
const getDataReqBody = body(encodeRequest(42, getData))
const setDataReqBody = body(encodeRequest(42, setData))
const getDataReplyBody = body(encodeReply(header, getDataResponse, OpCode.getData))
const setDataReplyBody = body(encodeReply(header, setDataResponse, OpCode.setData))

cases.push(['encode getData request', () => { sink += encodeRequest(42, getData).length }, 1])
cases.push(['decode getData request', () => { sink += decodeRequest(getDataReqBody).header.xid }, 1])
cases.push(['encode getData response (100 B)', () => { sink += encodeReply(header, getDataResponse, OpCode.getData).length }, 1])
cases.push(['decode getData response (100 B)', () => { sink += decodeReply(getDataReplyBody, OpCode.getData).header.xid }, 1])
cases.push(['encode setData request (100 B)', () => { sink += encodeRequest(42, setData).length }, 1])
cases.push(['decode setData request (100 B)', () => { sink += decodeRequest(setDataReqBody).header.xid }, 1])
cases.push(['encode setData response', () => { sink += encodeReply(header, setDataResponse, OpCode.setData).length }, 1])
cases.push(['decode setData response', () => { sink += decodeReply(setDataReplyBody, OpCode.setData).header.xid }, 1])

// The server's read path end to end: 64 KiB socket chunks of coalesced setData frames, split by
// FrameDecoder (frames straddle chunk edges) and decoded.
const frame = encodeRequest(42, setData)
const stream = Buffer.concat(Array.from({ length: 2000 }, () => frame))
const chunks: Buffer[] = []
for (let i = 0; i < stream.length; i += 65536) chunks.push(stream.subarray(i, i + 65536))
const streamDecoder = new FrameDecoder()
cases.push([
  'stream: FrameDecoder + decode setData request',
  () => {
    for (const chunk of chunks) for (const b of streamDecoder.push(chunk)) sink += decodeRequest(b).header.xid
  },
  2000,
])

console.log(`@zoo/protocol codec benchmark (node ${process.version}, best of ${ROUNDS} x ${RUN_MS} ms, one core)`)
for (const [name, fn, framesPerOp] of cases) {
  const framesPerSecond = measure(fn) * framesPerOp
  console.log(`${name.padEnd(48)} ${(framesPerSecond / 1e6).toFixed(2).padStart(6)} M frames/s  (${(1e9 / framesPerSecond).toFixed(0)} ns/frame)`)
}
if (sink === 0) console.log('(sink)')
