// What the pipeline and the leader need from consensus (@zoo/consensus's Member has this shape).
import type { PeerStatus } from '@zoo/consensus'

export interface Quorum {
  propose(payload: Uint8Array): Promise<bigint>
  barrier(): Promise<bigint>
  sendToLeader(payload: Uint8Array): void
  sendToMember(to: number, payload: Uint8Array): void
  status(): PeerStatus
}
