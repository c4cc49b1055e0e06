/**
 * One re-read loop per watcher, shared by the backends: recipe-core's Rereader, always reading
 * the whole config. Any sign of change calls `request()`; a burst of N signals costs at most two
 * passes and the last pass always starts after the last signal. A pass that throws is retried
 * with backoff while `onError` says so.
 */
import { Rereader } from '@zoo/recipe-core'
import { retryDelayMs } from './backoff.js'

export class ReadLoop {
  private readonly rereader: Rereader

  constructor(
    pass: () => Promise<void>,
    /** `attempt` counts failures in a row from 0; returns false to stop (reported as fatal) */
    onError: (error: unknown, attempt: number) => boolean,
  ) {
    this.rereader = new Rereader(pass, (error, attempt) => (onError(error, attempt) ? retryDelayMs(attempt) : undefined))
  }

  request(): void {
    this.rereader.requestFull()
  }

  stop(): void {
    this.rereader.stop()
  }
}
