import type { EnsembleSnapshot, MemberView, Role } from '../shared/api.js'

const ROLE_TEXT: Record<Role, string> = {
  leader: 'leader',
  follower: 'follower',
  observer: 'observer',
  standalone: 'standalone',
  down: 'down',
  unknown: 'up, role unknown',
}

const SOURCE_TEXT = { mntr: 'mntr', srvr: 'srvr', admin: 'AdminServer' } as const

export function roleText(role: Role): string {
  return ROLE_TEXT[role]
}

const dash = '–'
const num = (v: number | null, digits = 0) => (v === null ? dash : v.toLocaleString('en-US', { maximumFractionDigits: digits }))

function lag(member: MemberView): string {
  if (member.lagTxns === null) return member.lagNote ?? dash
  const text = member.lagTxns === 0 ? 'in sync' : `${num(member.lagTxns)} txns`
  return member.lagNote === null ? text : `${text} (${member.lagNote})`
}

function latency(member: MemberView): string {
  if (member.latencyAvgMs === null) return dash
  return `${num(member.latencyMinMs)} / ${num(member.latencyAvgMs, 1)} / ${num(member.latencyMaxMs)}`
}

function quorum(snapshot: EnsembleSnapshot): { text: string; ok: boolean } {
  const voters = snapshot.members.filter((m) => m.peerType !== 'observer' && m.role !== 'observer')
  const up = voters.filter((m) => m.role !== 'down').length
  const serving = snapshot.members.some((m) => m.role === 'leader' || m.role === 'standalone')
  return { text: `${up} of ${voters.length} voters up`, ok: serving && up * 2 > voters.length }
}

export function EnsembleView({ snapshot }: { snapshot: EnsembleSnapshot | undefined }) {
  if (!snapshot) return <p class="muted">Asking the members…</p>
  const q = quorum(snapshot)
  const leader = snapshot.members.find((m) => m.role === 'leader')
  return (
    <section>
      <div class="cards">
        <Card label="Leader" value={leader ? `server ${leader.id ?? '?'}` : snapshot.members.some((m) => m.role === 'standalone') ? 'standalone' : 'none'} tone={leader || q.ok ? 'ok' : 'bad'} testid="leader-card" />
        <Card label="Quorum" value={q.text} tone={q.ok ? 'ok' : 'bad'} />
        <Card label="Epoch" value={leader?.epoch === null || leader === undefined ? dash : String(leader.epoch)} />
        <Card label="Last zxid" value={leader?.zxid ?? dash} mono />
        <Card label="Dashboard session" value={snapshot.session.state} sub={snapshot.session.connectedHost ?? undefined} tone={['connected', 'reconnected'].includes(snapshot.session.state) ? 'ok' : 'warn'} />
      </div>
      <table class="grid members" data-testid="members">
        <thead>
          <tr>
            <th>ID</th>
            <th>Address</th>
            <th>Role</th>
            <th class="num">Epoch</th>
            <th>Last zxid</th>
            <th>Lag</th>
            <th class="num">Connections</th>
            <th class="num">Outstanding</th>
            <th>Latency min/avg/max (ms)</th>
            <th class="num">Znodes</th>
            <th class="num">Watches</th>
            <th class="num">Requests/s</th>
            <th>Source</th>
          </tr>
        </thead>
        <tbody>
          {snapshot.members.map((m) => (
            <MemberRow member={m} />
          ))}
        </tbody>
      </table>
      <p class="muted small">
        Updated {new Date(snapshot.at).toLocaleTimeString()}. Roles from four-letter words (<code>mntr</code>, <code>srvr</code>) or the AdminServer; <em>down</em> means the member refuses
        connections, <em>up, role unknown</em> that it takes them but says nothing.
      </p>
    </section>
  )
}

function MemberRow({ member: m }: { member: MemberView }) {
  return (
    <tr data-testid="member-row" data-role={m.role} data-id={m.id ?? ''} class={`role-${m.role}`}>
      <td>{m.id ?? '?'}</td>
      <td class="mono">
        {m.address ?? dash}
        {m.peerType === 'observer' && <span class="muted small"> observer</span>}
      </td>
      <td>
        <span class={`role role-badge-${m.role}`} data-testid="role">
          {roleText(m.role)}
        </span>
        {m.detail && <div class="muted small">{m.detail}</div>}
      </td>
      <td class="num">{m.epoch ?? dash}</td>
      <td class="mono">{m.zxid ?? dash}</td>
      <td>{lag(m)}</td>
      <td class="num">{num(m.connections)}</td>
      <td class="num">{num(m.outstanding)}</td>
      <td>{latency(m)}</td>
      <td class="num">{num(m.znodeCount)}</td>
      <td class="num">{num(m.watchCount)}</td>
      <td class="num">{num(m.requestsPerSec, 1)}</td>
      <td class="small" data-testid="sources">
        {m.sources.map((s) => SOURCE_TEXT[s]).join(' + ') || dash}
      </td>
    </tr>
  )
}

function Card(props: { label: string; value: string; sub?: string | undefined; tone?: 'ok' | 'bad' | 'warn'; mono?: boolean; testid?: string }) {
  return (
    <div class={`card ${props.tone ?? ''}`} data-testid={props.testid}>
      <div class="card-label">{props.label}</div>
      <div class={props.mono ? 'card-value mono' : 'card-value'}>{props.value}</div>
      {props.sub && <div class="muted small">{props.sub}</div>}
    </div>
  )
}
