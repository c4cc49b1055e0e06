/**
 * Keeps the monitor's idea of the membership current from /zookeeper/config (world-readable:
 * every member lists the ensemble there). Read at once, again on each change (a one-shot
 * watch), and every `refreshMs` in case a watch was lost with a connection.
 */
import type { ZooKeeperClient } from '@zoo/client'
import { parseEnsembleConfig, type EnsembleConfig } from './parse.js'

export const CONFIG_PATH = '/zookeeper/config'

export class ConfigReader {
  private stopped = false
  private timer: NodeJS.Timeout | undefined
  private reading = false
  /** one function for every read: the client keeps one-shot watches in a set, so they do not pile up */
  private readonly onChange = () => void this.read()

  constructor(
    private readonly client: ZooKeeperClient,
    private readonly onConfig: (config: EnsembleConfig) => void,
    private readonly onError: (error: unknown) => void,
    private readonly options: { refreshMs: number; timeoutMs: number },
  ) {}

  start(): void {
    void this.read()
    this.timer = setInterval(() => void this.read(), this.options.refreshMs)
    this.timer.unref()
  }

  stop(): void {
    this.stopped = true
    clearInterval(this.timer)
  }

  private async read(): Promise<void> {
    if (this.stopped || this.reading) return
    this.reading = true
    try {
      const { data } = await this.client.getData(CONFIG_PATH, { timeoutMs: this.options.timeoutMs, watch: this.onChange })
      if (!this.stopped) this.onConfig(parseEnsembleConfig(data.toString('utf8')))
    } catch (error) {
      if (!this.stopped) this.onError(error)
    } finally {
      this.reading = false
    }
  }
}
