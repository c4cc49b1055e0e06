// What we tell clients and tools our version is. The 3.8.0 prefix matters: tools parse it
// (kazoo's server_version reads `zookeeper.version` from envi) to decide what the server speaks.
export const ZOO_VERSION = '0.1.0'
export const ZOOKEEPER_VERSION = `3.8.0-zoo-${ZOO_VERSION}, built on 2026-11-27 00:00 UTC`
