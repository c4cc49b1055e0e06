// Structured logs: one JSON object per line on stderr (or wherever `write` sends them).
export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
export type Logger = (level: LogLevel, message: string, fields?: Record<string, unknown>) => void

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 }

export function jsonLogger(options: { level?: LogLevel; write?: (line: string) => void; base?: Record<string, unknown> } = {}): Logger {
  const min = ORDER[options.level ?? 'info']
  const write = options.write ?? ((line: string) => process.stderr.write(line))
  return (level, message, fields = {}) => {
    if (ORDER[level] < min) return
    const record = { time: new Date().toISOString(), level, msg: message, ...options.base, ...fields }
    write(`${JSON.stringify(record, (_k, v: unknown) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v))}\n`)
  }
}

export const silentLogger: Logger = () => {}
