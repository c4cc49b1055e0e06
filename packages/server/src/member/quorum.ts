// What the member layer needs from consensus (@zoo/consensus's Member has exactly this shape).
import type { PeerStatus, Received } from '@zoo/consensus'

export interface Quorum {
  propose(payload: Uint8Array): Promise<bigint>
  barrier(): Promise<bigint>
  sendToLeader(payload: Uint8Array): void
  sendToMember(to: number, payload: Uint8Array): void
  status(): PeerStatus
  on(event: 'status', listener: (status: PeerStatus) => void): unknown
  on(event: 'received', listener: (received: Received) => void): unknown
  on(event: 'error', listener: (error: Error) => void): unknown
  close(): Promise<void>
}
