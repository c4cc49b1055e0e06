export { adler32 } from './adler32.js'
export { apacheSessionPasswd } from './java-random.js'
export { decodeApacheTxn, encodeApacheTxn } from './txn.js'
export {
  APACHE_FORMAT_VERSION, APACHE_LOG_MAGIC, APACHE_SNAP_MAGIC, looksComplete, readApacheSnapshot, readFileHeader, writeApacheSnapshot, writeFileHeader,
  type ApacheFileHeader, type ApacheSnapshot, type ApacheSnapshotOptions, type ZxidDigest,
} from './snapshot.js'
export { ApacheLogError, scanApacheTxnLog, writeApacheTxnLog, type ApacheLogScan, type LogTail } from './txn-log.js'
export {
  replayApacheLogs, selectApacheLogs, takeOverTree,
  type ApacheLogInput, type DigestMismatch, type ReplayReport, type TakeOver, type TakeOverOptions,
} from './restore.js'
