// Typed errors of the consensus core. The core never swallows them: a decode error is for the
// transport to count and drop, a config error is for the caller, an invariant error means a bug
// (or an unsafe test fault) and must stop the member.

/** Bytes that are not a valid consensus message. */
export class MessageDecodeError extends Error {
  readonly code = 'BAD_MESSAGE'
  constructor(message: string) {
    super(message)
    this.name = 'MessageDecodeError'
  }
}

/** A PeerConfig or PersistedState that cannot be used. */
export class ConsensusConfigError extends Error {
  readonly code = 'BAD_CONFIG'
  constructor(message: string) {
    super(message)
    this.name = 'ConsensusConfigError'
  }
}

/** A core invariant does not hold: a bug, never a network condition. */
export class InvariantError extends Error {
  readonly code = 'INVARIANT'
  constructor(message: string) {
    super(message)
    this.name = 'InvariantError'
  }
}

export function invariant(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) throw new InvariantError(typeof message === 'string' ? message : message())
}
