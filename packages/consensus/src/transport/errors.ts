export type TransportErrorCode =
  | 'FRAME_TOO_LARGE' // a frame length above maxFrameBytes (sent or received)
  | 'HANDSHAKE' // a connection that did not identify itself as an expected member
  | 'CLOSED'

export class TransportError extends Error {
  override readonly name = 'TransportError'
  constructor(
    readonly code: TransportErrorCode,
    message: string,
  ) {
    super(message)
  }
}
