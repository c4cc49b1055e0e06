export { TxnLog, DEFAULT_SEGMENT_BYTES, DEFAULT_MAX_RECORD_BYTES, type TxnLogOptions, type TxnLogStats, type TruncatedTail, type TxnRecord } from './txn-log.js'
export { EpochStore, type Epochs } from './epoch-store.js'
export { SnapshotStore, type Snapshot, type SnapshotData } from './snapshot-store.js'
export { StorageError, isStorageError, stderrLogger, type StorageErrorCode, type StorageLogger } from './errors.js'
