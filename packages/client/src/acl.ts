/** ACL values and helpers for the schemes a client names (world, auth, digest, ip). */
import { createHash } from 'node:crypto'
import { Perms, type ACL } from '@zoo/protocol'

export const OPEN_ACL_UNSAFE: readonly ACL[] = Object.freeze([{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }])
export const READ_ACL_UNSAFE: readonly ACL[] = Object.freeze([{ perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } }])
/** Every identity the creating session has authenticated gets ALL (needs an addAuth first). */
export const CREATOR_ALL_ACL: readonly ACL[] = Object.freeze([{ perms: Perms.ALL, id: { scheme: 'auth', id: '' } }])

/** The id a digest ACL names: `user:BASE64(SHA1("user:password"))`. */
export function digestId(user: string, password: string): string {
  if (user.includes(':')) throw new TypeError('a digest user name must not contain ":"')
  return `${user}:${createHash('sha1').update(`${user}:${password}`).digest('base64')}`
}

/** An ACL entry granting `perms` to the digest identity of user/password. */
export function digestAcl(user: string, password: string, perms: number = Perms.ALL): ACL {
  return { perms, id: { scheme: 'digest', id: digestId(user, password) } }
}
