/** ZooKeeper records as the API's JSON views. */
import type { ACL, Stat } from '@zoo/protocol'
import type { AclView, StatView } from '../shared/api.js'
import { hex64, permsText } from '../shared/format.js'

export function statView(stat: Stat): StatView {
  return {
    czxid: hex64(stat.czxid),
    mzxid: hex64(stat.mzxid),
    pzxid: hex64(stat.pzxid),
    ctime: Number(stat.ctime),
    mtime: Number(stat.mtime),
    version: stat.version,
    cversion: stat.cversion,
    aversion: stat.aversion,
    ephemeralOwner: stat.ephemeralOwner === 0n ? null : hex64(stat.ephemeralOwner),
    dataLength: stat.dataLength,
    numChildren: stat.numChildren,
  }
}

export function aclView(acl: readonly ACL[]): AclView[] {
  return acl.map((entry) => ({ perms: permsText(entry.perms), scheme: entry.id.scheme, id: entry.id.id }))
}
