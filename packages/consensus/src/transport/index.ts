export { PeerTransport, DEFAULT_MAX_FRAME_BYTES, reconnectDelayMs, type PeerAddress, type PeerLinkStats, type PeerTransportEvents, type PeerTransportOptions } from './peer-transport.js'
export { TransportError, type TransportErrorCode } from './errors.js'
export { encodeFrame, FrameDecoder, FRAME_HEADER_BYTES } from './frame.js'
export { type PeerTlsOptions } from './tls.js'
