// The slice of node-zookeeper-client 1.1.3 (untyped, CommonJS) the benchmark uses.
declare module 'node-zookeeper-client' {
  type Callback<T> = (error: Error | null, result: T) => void
  export interface Client {
    connect(): void
    close(): void
    once(event: 'connected', listener: () => void): void
    getData(path: string, callback: (error: Error | null, data: Buffer, stat: unknown) => void): void
    setData(path: string, data: Buffer, version: number, callback: Callback<unknown>): void
    create(path: string, data: Buffer, callback: Callback<string>): void
  }
  export function createClient(connectionString: string, options?: { sessionTimeout?: number; spinDelay?: number; retries?: number }): Client
  const zookeeper: { createClient: typeof createClient }
  export default zookeeper
}
