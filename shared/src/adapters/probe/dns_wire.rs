//! The DNS wire format (RFC 1035), as much as a probe needs: messages encoded (a query
//! out, or an answer from a test responder) and decoded with name-compression pointers,
//! never trusting a count or a pointer in what arrives.
use std::net::{Ipv4Addr, Ipv6Addr};

pub const CLASS_IN: u16 = 1;
pub const TYPE_A: u16 = 1;
pub const TYPE_NS: u16 = 2;
pub const TYPE_CNAME: u16 = 5;
pub const TYPE_MX: u16 = 15;
pub const TYPE_TXT: u16 = 16;
pub const TYPE_AAAA: u16 = 28;

/// A response (as opposed to a query).
const FLAG_QR: u16 = 0x8000;
/// The answer did not fit in the datagram: ask again over TCP.
const FLAG_TC: u16 = 0x0200;
/// Recursion desired: a probe asks a recursive resolver for the final answer.
const FLAG_RD: u16 = 0x0100;
const FLAG_RA: u16 = 0x0080;

/// The longest name on the wire, length bytes included (RFC 1035 §2.3.4).
const MAX_NAME_WIRE_LEN: usize = 255;
const MAX_LABEL_LEN: usize = 63;
/// A name of at most 255 bytes has at most 127 labels, so a name needing more jumps than
/// that is a pointer loop.
const MAX_POINTER_JUMPS: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("the message ends early")]
    Short,
    #[error("a name is not valid: {0}")]
    BadName(&'static str),
    #[error("a name's compression pointers loop")]
    PointerLoop,
    #[error("a record's data does not fit its type")]
    BadRecord,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// Dotted, without the root's trailing dot.
    pub name: String,
    pub qtype: u16,
    pub class: u16,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub name: String,
    pub rtype: u16,
    pub class: u16,
    pub ttl: u32,
    pub data: RData,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RData {
    A(Ipv4Addr),
    Aaaa(Ipv6Addr),
    /// CNAME and NS: a name.
    Name(String),
    Mx {
        preference: u16,
        exchange: String,
    },
    /// The record's character strings, in order.
    Txt(Vec<Vec<u8>>),
    /// A type this module does not read: the raw data.
    Other(Vec<u8>),
}

impl RData {
    /// The value as a DNS check reports it: an address, a name, `"10 mx.example.com"`, or
    /// a TXT record's strings joined (as SPF and DKIM read them).
    pub fn value(&self) -> Option<String> {
        let name = |n: &str| if n.is_empty() { ".".to_string() } else { n.to_string() };
        match self {
            Self::A(ip) => Some(ip.to_string()),
            Self::Aaaa(ip) => Some(ip.to_string()),
            Self::Name(n) => Some(name(n)),
            Self::Mx { preference, exchange } => Some(format!("{preference} {}", name(exchange))),
            Self::Txt(strings) => Some(String::from_utf8_lossy(&strings.concat()).into_owned()),
            Self::Other(_) => None,
        }
    }
}

/// A message's header and the sections a probe reads (authority and additional records
/// are skipped when decoding, and never written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: u16,
    pub flags: u16,
    pub questions: Vec<Question>,
    pub answers: Vec<Record>,
}

impl Message {
    /// A recursive query for `name`'s records of type `qtype`.
    pub fn query(id: u16, name: &str, qtype: u16) -> Self {
        Self {
            id,
            flags: FLAG_RD,
            questions: vec![Question { name: name.trim_end_matches('.').to_string(), qtype, class: CLASS_IN }],
            answers: Vec::new(),
        }
    }

    /// The answer to this query, with `rcode` (0 for no error) and `answers`.
    pub fn answer(&self, rcode: u8, answers: Vec<Record>) -> Self {
        Self {
            id: self.id,
            flags: FLAG_QR | (self.flags & FLAG_RD) | FLAG_RA | u16::from(rcode & 0x0f),
            questions: self.questions.clone(),
            answers,
        }
    }

    pub fn is_response(&self) -> bool {
        self.flags & FLAG_QR != 0
    }

    pub fn truncated(&self) -> bool {
        self.flags & FLAG_TC != 0
    }

    pub fn rcode(&self) -> u8 {
        (self.flags & 0x000f) as u8
    }

    /// Names are written whole (no compression): small messages, simple code.
    pub fn encode(&self) -> Result<Vec<u8>, WireError> {
        let count = |n: usize| u16::try_from(n).map_err(|_| WireError::BadRecord);
        let mut out = Vec::with_capacity(512);
        for n in [self.id, self.flags, count(self.questions.len())?, count(self.answers.len())?, 0, 0] {
            out.extend_from_slice(&n.to_be_bytes());
        }
        for q in &self.questions {
            write_name(&mut out, &q.name)?;
            out.extend_from_slice(&q.qtype.to_be_bytes());
            out.extend_from_slice(&q.class.to_be_bytes());
        }
        for r in &self.answers {
            write_name(&mut out, &r.name)?;
            out.extend_from_slice(&r.rtype.to_be_bytes());
            out.extend_from_slice(&r.class.to_be_bytes());
            out.extend_from_slice(&r.ttl.to_be_bytes());
            let mut data = Vec::new();
            match &r.data {
                RData::A(ip) => data.extend_from_slice(&ip.octets()),
                RData::Aaaa(ip) => data.extend_from_slice(&ip.octets()),
                RData::Name(n) => write_name(&mut data, n)?,
                RData::Mx { preference, exchange } => {
                    data.extend_from_slice(&preference.to_be_bytes());
                    write_name(&mut data, exchange)?;
                }
                RData::Txt(strings) => {
                    for s in strings {
                        data.push(u8::try_from(s.len()).map_err(|_| WireError::BadRecord)?);
                        data.extend_from_slice(s);
                    }
                }
                RData::Other(bytes) => data.extend_from_slice(bytes),
            }
            out.extend_from_slice(&u16::try_from(data.len()).map_err(|_| WireError::BadRecord)?.to_be_bytes());
            out.extend_from_slice(&data);
        }
        Ok(out)
    }

    pub fn decode(msg: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader { msg, pos: 0 };
        let id = r.u16()?;
        let flags = r.u16()?;
        let qdcount = r.u16()?;
        let ancount = r.u16()?;
        r.u16()?; // authority records: not read
        r.u16()?; // additional records: not read
        // Counts are not trusted for allocation: each entry must be read from the bytes.
        let mut questions = Vec::new();
        for _ in 0..qdcount {
            let name = r.name()?;
            questions.push(Question { name, qtype: r.u16()?, class: r.u16()? });
        }
        let mut answers = Vec::new();
        for _ in 0..ancount {
            let name = r.name()?;
            let (rtype, class, ttl) = (r.u16()?, r.u16()?, r.u32()?);
            let len = usize::from(r.u16()?);
            let start = r.pos;
            let end = start.checked_add(len).filter(|&e| e <= msg.len()).ok_or(WireError::Short)?;
            let data = read_rdata(msg, rtype, start, end)?;
            r.pos = end;
            answers.push(Record { name, rtype, class, ttl, data });
        }
        Ok(Self { id, flags, questions, answers })
    }
}

/// The name of a response code, as resolvers and `dig` say it.
pub fn rcode_name(rcode: u8) -> String {
    match rcode {
        0 => "NOERROR".into(),
        1 => "FORMERR".into(),
        2 => "SERVFAIL".into(),
        3 => "NXDOMAIN".into(),
        4 => "NOTIMP".into(),
        5 => "REFUSED".into(),
        n => format!("RCODE {n}"),
    }
}

fn read_rdata(msg: &[u8], rtype: u16, start: usize, end: usize) -> Result<RData, WireError> {
    let data = &msg[start..end];
    // A name inside the data may point anywhere earlier in the message, but must start
    // inside the data.
    let name_at = |pos: usize| {
        if pos >= end {
            return Err(WireError::BadRecord);
        }
        Reader { msg, pos }.name()
    };
    Ok(match rtype {
        TYPE_A => RData::A(<[u8; 4]>::try_from(data).map_err(|_| WireError::BadRecord)?.into()),
        TYPE_AAAA => RData::Aaaa(<[u8; 16]>::try_from(data).map_err(|_| WireError::BadRecord)?.into()),
        TYPE_CNAME | TYPE_NS => RData::Name(name_at(start)?),
        TYPE_MX => {
            let preference = data.get(..2).map(|b| u16::from_be_bytes([b[0], b[1]])).ok_or(WireError::BadRecord)?;
            RData::Mx { preference, exchange: name_at(start + 2)? }
        }
        TYPE_TXT => {
            let mut strings = Vec::new();
            let mut rest = data;
            while let Some((&len, tail)) = rest.split_first() {
                let (s, tail) = tail.split_at_checked(usize::from(len)).ok_or(WireError::BadRecord)?;
                strings.push(s.to_vec());
                rest = tail;
            }
            RData::Txt(strings)
        }
        _ => RData::Other(data.to_vec()),
    })
}

struct Reader<'a> {
    msg: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], WireError> {
        let bytes = self.msg.get(self.pos..).and_then(|rest| rest.first_chunk::<N>()).ok_or(WireError::Short)?;
        self.pos += N;
        Ok(*bytes)
    }

    fn u16(&mut self) -> Result<u16, WireError> {
        self.take().map(u16::from_be_bytes)
    }

    fn u32(&mut self) -> Result<u32, WireError> {
        self.take().map(u32::from_be_bytes)
    }

    /// A name, following compression pointers; leaves `pos` after the name as written in
    /// place (after the first pointer, if any).
    fn name(&mut self) -> Result<String, WireError> {
        let mut name = String::new();
        let mut pos = self.pos;
        let mut resume = None;
        let (mut jumps, mut wire_len) = (0, 1);
        loop {
            let &len = self.msg.get(pos).ok_or(WireError::Short)?;
            match len & 0xc0 {
                0x00 if len == 0 => {
                    self.pos = resume.unwrap_or(pos + 1);
                    return Ok(name);
                }
                0x00 => {
                    let label = self.msg.get(pos + 1..pos + 1 + usize::from(len)).ok_or(WireError::Short)?;
                    wire_len += label.len() + 1;
                    if wire_len > MAX_NAME_WIRE_LEN {
                        return Err(WireError::BadName("longer than 255 bytes"));
                    }
                    if !name.is_empty() {
                        name.push('.');
                    }
                    push_label(&mut name, label);
                    pos += 1 + label.len();
                }
                0xc0 => {
                    let &low = self.msg.get(pos + 1).ok_or(WireError::Short)?;
                    resume.get_or_insert(pos + 2);
                    jumps += 1;
                    if jumps > MAX_POINTER_JUMPS {
                        return Err(WireError::PointerLoop);
                    }
                    pos = (usize::from(len & 0x3f) << 8) | usize::from(low);
                }
                _ => return Err(WireError::BadName("an unknown label type")),
            }
        }
    }
}

/// A label as text: printable ASCII as is, anything else (and `.` or `\` inside a label)
/// escaped as `\DDD`, as zone files write it.
fn push_label(name: &mut String, label: &[u8]) {
    for &b in label {
        if b.is_ascii_graphic() && b != b'.' && b != b'\\' {
            name.push(char::from(b));
        } else {
            name.push_str(&format!("\\{b:03}"));
        }
    }
}

fn write_name(out: &mut Vec<u8>, name: &str) -> Result<(), WireError> {
    let name = name.strip_suffix('.').unwrap_or(name);
    let mut wire_len = 1;
    if !name.is_empty() {
        for label in name.split('.') {
            if label.is_empty() {
                return Err(WireError::BadName("an empty label"));
            }
            if label.len() > MAX_LABEL_LEN {
                return Err(WireError::BadName("a label longer than 63 bytes"));
            }
            wire_len += label.len() + 1;
            if wire_len > MAX_NAME_WIRE_LEN {
                return Err(WireError::BadName("longer than 255 bytes"));
            }
            out.push(label.len() as u8);
            out.extend_from_slice(label.as_bytes());
        }
    }
    out.push(0);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn record(name: &str, rtype: u16, data: RData) -> Record {
        Record { name: name.into(), rtype, class: CLASS_IN, ttl: 300, data }
    }

    #[test]
    fn a_query_and_its_answer_round_trip() {
        let q = Message::query(0xbeef, "example.com.", TYPE_MX);
        let wire = q.encode().unwrap();
        assert_eq!(&wire[..4], &[0xbe, 0xef, 0x01, 0x00]);
        assert_eq!(&wire[12..], b"\x07example\x03com\x00\x00\x0f\x00\x01");
        assert_eq!(Message::decode(&wire).unwrap(), q);
        let answers = vec![
            record("example.com", TYPE_MX, RData::Mx { preference: 10, exchange: "mx.example.com".into() }),
            record("example.com", TYPE_TXT, RData::Txt(vec![b"v=spf1 ".to_vec(), b"-all".to_vec()])),
            record("example.com", TYPE_A, RData::A(Ipv4Addr::new(192, 0, 2, 1))),
            record("example.com", TYPE_AAAA, RData::Aaaa("2001:db8::1".parse().unwrap())),
            record("www.example.com", TYPE_CNAME, RData::Name("example.com".into())),
        ];
        let a = q.answer(0, answers);
        let back = Message::decode(&a.encode().unwrap()).unwrap();
        assert_eq!(back, a);
        assert!(back.is_response() && !back.truncated() && back.rcode() == 0);
        let values: Vec<String> = back.answers.iter().filter_map(|r| r.data.value()).collect();
        assert_eq!(values, ["10 mx.example.com", "v=spf1 -all", "192.0.2.1", "2001:db8::1", "example.com"]);
        assert_eq!(rcode_name(q.answer(3, vec![]).rcode()), "NXDOMAIN");
    }

    #[test]
    fn compressed_names_are_followed_and_loops_refused() {
        // Header, question "a.example" at 12, an answer whose name points at 12 and whose
        // CNAME data is "www" then a pointer to "example" (offset 14).
        let mut msg = vec![0, 1, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0];
        msg.extend_from_slice(b"\x01a\x07example\x00\x00\x05\x00\x01");
        msg.extend_from_slice(&[0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 6]);
        msg.extend_from_slice(b"\x03www\xc0\x0e");
        let m = Message::decode(&msg).unwrap();
        assert_eq!(m.answers[0].name, "a.example");
        assert_eq!(m.answers[0].data, RData::Name("www.example".into()));
        // A pointer to itself.
        let mut looped = msg.clone();
        let at = looped.len() - 2;
        looped[at + 1] = at as u8;
        assert_eq!(Message::decode(&looped), Err(WireError::PointerLoop));
        // Cut anywhere: an error, never a panic.
        for end in 0..msg.len() {
            assert!(Message::decode(&msg[..end]).is_err(), "{end}");
        }
    }

    #[test]
    fn names_that_do_not_fit_the_wire_are_refused() {
        assert!(Message::query(1, &"a".repeat(64), TYPE_A).encode().is_err());
        assert!(Message::query(1, "a..b", TYPE_A).encode().is_err());
        let long = vec!["abcdefghi"; 26].join(".");
        assert!(Message::query(1, &long, TYPE_A).encode().is_err());
        assert!(Message::query(1, &long[..240], TYPE_A).encode().is_ok());
        assert_eq!(Message::query(1, ".", TYPE_NS).encode().unwrap()[12..], [0, 0, 2, 0, 1]);
    }

    fn arb_name() -> impl Strategy<Value = String> {
        prop::collection::vec("[a-z0-9-]{1,20}", 0..5).prop_map(|labels| labels.join("."))
    }

    fn arb_record() -> impl Strategy<Value = Record> {
        let data = prop_oneof![
            any::<[u8; 4]>().prop_map(|b| (TYPE_A, RData::A(b.into()))),
            any::<[u8; 16]>().prop_map(|b| (TYPE_AAAA, RData::Aaaa(b.into()))),
            arb_name().prop_map(|n| (TYPE_NS, RData::Name(n))),
            (any::<u16>(), arb_name()).prop_map(|(p, n)| (TYPE_MX, RData::Mx { preference: p, exchange: n })),
            prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40), 0..4)
                .prop_map(|s| (TYPE_TXT, RData::Txt(s))),
            prop::collection::vec(any::<u8>(), 0..20).prop_map(|b| (99, RData::Other(b))),
        ];
        (arb_name(), data, any::<u32>()).prop_map(|(name, (rtype, data), ttl)| Record {
            name,
            rtype,
            class: CLASS_IN,
            ttl,
            data,
        })
    }

    proptest! {
        #[test]
        fn garbage_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
            let _ = Message::decode(&bytes);
        }

        #[test]
        fn encoded_messages_round_trip_and_mutations_never_panic(
            id in any::<u16>(),
            name in arb_name(),
            answers in prop::collection::vec(arb_record(), 0..6),
            flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
            cut in any::<prop::sample::Index>(),
        ) {
            let m = Message::query(id, &name, TYPE_A).answer(0, answers);
            let wire = m.encode().unwrap();
            prop_assert_eq!(Message::decode(&wire).unwrap(), m);
            let mut bad = wire.clone();
            for (at, byte) in flips {
                let i = at.index(bad.len());
                bad[i] = byte;
            }
            let _ = Message::decode(&bad);
            let _ = Message::decode(&wire[..cut.index(wire.len())]);
        }
    }
}
