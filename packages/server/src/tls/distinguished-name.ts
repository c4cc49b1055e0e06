// The x509 identity Apache gives a client: its certificate's subject as Java's
// X500Principal.getName() prints it (RFC 2253: last RDN first, `,` between RDNs, `+` inside
// a multi-valued one, the RFC's keywords, dotted OIDs with `#`-hex DER values, and Java's escaping,
// which also escapes `=` and every `#`). Node's X509Certificate.subject is OpenSSL's text and
// loses the structure, so the subject is read from the certificate's DER here. Pure.

interface Tlv {
  tag: number
  /** Offset of the value in the buffer. */
  start: number
  end: number
  /** Offset of the tag byte (the whole TLV is buffer[headerStart, end)). */
  headerStart: number
}

function readTlv(buf: Uint8Array, offset: number, limit: number): Tlv {
  if (offset + 2 > limit) throw new RangeError('DER: truncated header')
  const tag = buf[offset] as number
  if ((tag & 0x1f) === 0x1f) throw new RangeError('DER: high tag numbers are not used in certificate names')
  let len = buf[offset + 1] as number
  let start = offset + 2
  if (len & 0x80) {
    const n = len & 0x7f
    if (n === 0 || n > 4) throw new RangeError(`DER: length of ${n} bytes`)
    if (start + n > limit) throw new RangeError('DER: truncated length')
    len = 0
    for (let i = 0; i < n; i++) len = len * 256 + (buf[start + i] as number)
    start += n
  }
  const end = start + len
  if (end > limit) throw new RangeError('DER: value runs past its container')
  return { tag, start, end, headerStart: offset }
}

function children(buf: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = []
  for (let at = parent.start; at < parent.end; ) {
    const tlv = readTlv(buf, at, parent.end)
    out.push(tlv)
    at = tlv.end
  }
  return out
}

function expect(tlv: Tlv | undefined, tag: number, what: string): Tlv {
  if (tlv === undefined || tlv.tag !== tag) throw new RangeError(`DER: ${what} expected (tag 0x${tag.toString(16)})`)
  return tlv
}

export function decodeOid(bytes: Uint8Array): string {
  if (bytes.length === 0) throw new RangeError('DER: empty OID')
  const arcs: bigint[] = []
  let value = 0n
  for (const b of bytes) {
    value = (value << 7n) | BigInt(b & 0x7f)
    if ((b & 0x80) === 0) {
      arcs.push(value)
      value = 0n
    }
  }
  const first = arcs[0] as bigint
  const head = first < 80n ? [first / 40n, first % 40n] : [2n, first - 80n]
  return [...head, ...arcs.slice(1)].join('.')
}

/** RFC 2253's keywords (Java emits exactly these; other attribute types as dotted OIDs). */
const KEYWORDS: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'STREET',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
}

const UTF8 = 0x0c
const PRINTABLE = 0x13
const T61 = 0x14
const IA5 = 0x16
const GENERAL = 0x1b
const BMP = 0x1e

/** The text of a directory string Java prints as text; undefined for types it prints as hex. */
function stringValue(buf: Uint8Array, tlv: Tlv): string | undefined {
  const bytes = Buffer.from(buf.subarray(tlv.start, tlv.end))
  switch (tlv.tag) {
    case UTF8:
      return bytes.toString('utf8')
    case PRINTABLE:
    case IA5:
    case GENERAL:
      return bytes.toString('latin1')
    case T61:
      return bytes.toString('latin1')
    case BMP:
      return bytes.swap16().toString('utf16le')
    default:
      return undefined
  }
}

const ESCAPED = ',=+<>#;"\\'

/** Java's AVA.toRFC2253String escaping of a value. */
export function escapeValue(value: string): string {
  let out = ''
  for (const c of value) {
    if (ESCAPED.includes(c)) out += `\\${c}`
    else if (c === '\u0000') out += '\\00'
    else out += c
  }
  // Leading and trailing spaces (and CRs) are escaped one by one.
  const chars = [...out]
  let lead = 0
  while (lead < chars.length && (chars[lead] === ' ' || chars[lead] === '\r')) lead++
  let trail = chars.length - 1
  while (trail >= 0 && (chars[trail] === ' ' || chars[trail] === '\r')) trail--
  return chars.map((c, i) => (i < lead || i > trail ? `\\${c}` : c)).join('')
}

function attribute(buf: Uint8Array, ava: Tlv): string {
  const [type, value] = children(buf, expect(ava, 0x30, 'AttributeTypeAndValue'))
  const oid = decodeOid(buf.subarray(expect(type, 0x06, 'attribute type').start, (type as Tlv).end))
  if (value === undefined) throw new RangeError('DER: attribute without a value')
  const keyword = KEYWORDS[oid]
  const text = keyword === undefined ? undefined : stringValue(buf, value)
  if (keyword === undefined || text === undefined) return `${keyword ?? oid}=#${Buffer.from(buf.subarray(value.headerStart, value.end)).toString('hex')}`
  return `${keyword}=${escapeValue(text)}`
}

/** A DER Name (SEQUENCE OF SET OF AttributeTypeAndValue) in Java's RFC 2253 form. */
export function nameToRfc2253(buf: Uint8Array, name: Tlv): string {
  const rdns = children(buf, expect(name, 0x30, 'Name')).map((rdn) =>
    children(buf, expect(rdn, 0x31, 'RelativeDistinguishedName'))
      .map((ava) => attribute(buf, ava))
      .join('+'),
  )
  return rdns.reverse().join(',')
}

/** The subject of a DER certificate (X509Certificate.raw) in Java's X500Principal.getName() form. */
export function subjectRfc2253(der: Uint8Array): string {
  const cert = readTlv(der, 0, der.length)
  const [tbs] = children(der, expect(cert, 0x30, 'Certificate'))
  const fields = children(der, expect(tbs, 0x30, 'TBSCertificate'))
  // [0] version is optional (v1 certificates omit it); then serial, signature, issuer, validity, subject.
  const first = fields[0]?.tag === 0xa0 ? 1 : 0
  return nameToRfc2253(der, expect(fields[first + 4], 0x30, 'subject'))
}
