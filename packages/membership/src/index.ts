export { Group, type GroupOptions, type JoinOptions, type MembersOptions } from './zookeeper/group.js'
export { Membership, type IdConflictPolicy } from './zookeeper/membership.js'
export type { GroupWatch, WatchGroupOptions } from './zookeeper/watch.js'
export { MembershipBase, type MembershipEvents, type RegistrationInfo, type Step } from './membership-base.js'
export type { Rereader, ReadWork } from './reread.js'
export { GroupSnapshot, diffSnapshots, type InvalidMember, type Member, type MembershipEvent } from './snapshot.js'
export type { GroupUpdate } from './stream.js'
export { jsonCodec, textCodec, type Codec, type CodecOption } from './codec.js'
export { curatorLayout, kazooPartyLayout, zooLayout, type Layout, type LayoutName, type ParentMode } from './layouts.js'
export { uriSpecParts, uriSpecTemplate, type CuratorInstance, type CuratorInstanceOptions, type CuratorServiceType, type ResolvedCuratorInstanceOptions } from './curator.js'
export {
  InvalidMemberDataError, InvalidOptionsError, MemberIdConflictError, MembershipEndedError, RegistrationLostError,
  isInvalidMemberData, isMemberIdConflict, isRegistrationLost, type LostReason,
} from './errors.js'
