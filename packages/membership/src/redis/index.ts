export { RedisGroup, type RedisGroupOptions, type RedisGroupWatch, type RedisJoinOptions, type RedisWatchOptions } from './group.js'
export { RedisMembership } from './membership.js'
export { redisKeys, type RedisKeys } from './scripts.js'
export { MembershipBase, type MembershipEvents, type RegistrationInfo, type Step } from '../membership-base.js'
export type { Rereader, ReadWork } from '../reread.js'
export { GroupSnapshot, type InvalidMember, type Member, type MembershipEvent } from '../snapshot.js'
export type { GroupUpdate } from '../stream.js'
export {
  InvalidMemberDataError, InvalidOptionsError, MemberIdConflictError, MembershipEndedError, RegistrationLostError,
  isInvalidMemberData, isMemberIdConflict, isRegistrationLost, type LostReason,
} from '../errors.js'
