import { TransportError } from './errors.js'

// First frame in each direction: 'ZOOP' | u16 version | u16 reserved | u32 server id.
const HELLO_MAGIC = 0x5a4f4f50
const HELLO_VERSION = 1
export const HELLO_BYTES = 12

export function encodeHello(serverId: number): Buffer {
  const hello = Buffer.alloc(HELLO_BYTES)
  hello.writeUInt32BE(HELLO_MAGIC, 0)
  hello.writeUInt16BE(HELLO_VERSION, 4)
  hello.writeUInt32BE(serverId, 8)
  return hello
}

export function decodeHello(frame: Buffer): number {
  if (frame.length !== HELLO_BYTES || frame.readUInt32BE(0) !== HELLO_MAGIC) {
    throw new TransportError('HANDSHAKE', 'the first frame is not a zoo member hello')
  }
  const version = frame.readUInt16BE(4)
  if (version !== HELLO_VERSION) throw new TransportError('HANDSHAKE', `unsupported member protocol version ${version}`)
  return frame.readUInt32BE(8)
}
