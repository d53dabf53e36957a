//! A certificate's end of validity, read straight from its DER (Certificate →
//! TBSCertificate → validity → notAfter, RFC 5280 §4.1) rather than through an X.509
//! library: the probe needs one field, and a bad certificate must give an error, not a panic.
use chrono::{DateTime, NaiveDate, Utc};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    #[error("the certificate is not valid DER: {0}")]
    Der(&'static str),
    #[error("the certificate's notAfter is not a valid time")]
    Time,
}

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
/// `[0] EXPLICIT Version`, absent from v1 certificates.
const VERSION: u8 = 0xa0;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;

/// The leaf certificate's `notAfter`.
pub fn not_after(der: &[u8]) -> Result<DateTime<Utc>, CertError> {
    let (cert, _) = expect(der, SEQUENCE)?;
    let (tbs, _) = expect(cert, SEQUENCE)?;
    let mut rest = tbs;
    if rest.first() == Some(&VERSION) {
        rest = tlv(rest)?.2;
    }
    let (_serial, rest) = expect(rest, INTEGER)?;
    let (_signature, rest) = expect(rest, SEQUENCE)?;
    let (_issuer, rest) = expect(rest, SEQUENCE)?;
    let (validity, _) = expect(rest, SEQUENCE)?;
    let (_, _not_before, rest) = tlv(validity)?;
    let (tag, not_after, _) = tlv(rest)?;
    time(tag, not_after)
}

/// One element of `tag`: its contents and what follows it.
fn expect(input: &[u8], tag: u8) -> Result<(&[u8], &[u8]), CertError> {
    match tlv(input)? {
        (t, value, rest) if t == tag => Ok((value, rest)),
        _ => Err(CertError::Der("an unexpected element")),
    }
}

/// One element: its tag, its contents and what follows it.
fn tlv(input: &[u8]) -> Result<(u8, &[u8], &[u8]), CertError> {
    let short = CertError::Der("it ends early");
    let (&tag, rest) = input.split_first().ok_or(short.clone())?;
    if tag & 0x1f == 0x1f {
        return Err(CertError::Der("a multi-byte tag"));
    }
    let (&first, rest) = rest.split_first().ok_or(short.clone())?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        // Long form; more than four length bytes would be a 4 GB certificate.
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return Err(CertError::Der("a length that is not definite or too long"));
        }
        let (bytes, rest) = rest.split_at_checked(n).ok_or(short.clone())?;
        (bytes.iter().fold(0usize, |len, &b| (len << 8) | usize::from(b)), rest)
    };
    let (value, rest) = rest.split_at_checked(len).ok_or(short)?;
    Ok((tag, value, rest))
}

/// UTCTime `YYMMDDHHMMSSZ` (years 1950 to 2049) or GeneralizedTime `YYYYMMDDHHMMSSZ`, the
/// only forms RFC 5280 allows.
fn time(tag: u8, value: &[u8]) -> Result<DateTime<Utc>, CertError> {
    let digits = match (tag, value.split_last()) {
        (UTC_TIME | GENERALIZED_TIME, Some((b'Z', digits))) => digits,
        _ => return Err(CertError::Time),
    };
    if !digits.iter().all(u8::is_ascii_digit) {
        return Err(CertError::Time);
    }
    let num = |range: std::ops::Range<usize>| {
        digits.get(range).map(|ds| ds.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'))).ok_or(CertError::Time)
    };
    let (year, rest) = match (tag, digits.len()) {
        (UTC_TIME, 12) => {
            let yy = num(0..2)?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, 2)
        }
        (GENERALIZED_TIME, 14) => (num(0..4)?, 4),
        _ => return Err(CertError::Time),
    };
    let field = |i: usize| num(rest + 2 * i..rest + 2 * i + 2);
    let year = i32::try_from(year).map_err(|_| CertError::Time)?;
    let (month, day, hour, minute, second) = (field(0)?, field(1)?, field(2)?, field(3)?, field(4)?);
    NaiveDate::from_ymd_opt(year, month, day)
        .and_then(|d| d.and_hms_opt(hour, minute, second))
        .map(|t| t.and_utc())
        .ok_or(CertError::Time)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rcgen::{CertificateParams, KeyPair, date_time_ymd};

    fn cert_ending(y: i32, m: u8, d: u8, secs: u64) -> Vec<u8> {
        let mut params = CertificateParams::new(vec!["example.test".to_string()]).unwrap();
        params.not_after = date_time_ymd(y, m, d) + std::time::Duration::from_secs(secs);
        params.self_signed(&KeyPair::generate().unwrap()).unwrap().der().to_vec()
    }

    #[test]
    fn utc_and_generalized_times_are_read_to_the_second() {
        // Before 2050 notAfter is a UTCTime, from 2050 on a GeneralizedTime.
        let der = cert_ending(2031, 5, 17, 12 * 3600 + 34 * 60 + 56);
        assert_eq!(not_after(&der).unwrap().to_rfc3339(), "2031-05-17T12:34:56+00:00");
        let der = cert_ending(2051, 1, 2, 7);
        assert_eq!(not_after(&der).unwrap().to_rfc3339(), "2051-01-02T00:00:07+00:00");
        assert_eq!(time(UTC_TIME, b"991231235959Z").unwrap().to_rfc3339(), "1999-12-31T23:59:59+00:00");
        for bad in [&b"991231235959"[..], b"9912312359Z", b"991332000000Z", b"99123123595aZ", b""] {
            assert_eq!(time(UTC_TIME, bad), Err(CertError::Time), "{bad:?}");
        }
        assert_eq!(time(GENERALIZED_TIME, b"991231235959Z"), Err(CertError::Time));
    }

    #[test]
    fn every_cut_of_a_certificate_is_an_error() {
        let der = cert_ending(2030, 1, 1, 0);
        for end in 0..der.len() {
            assert!(not_after(&der[..end]).is_err(), "{end}");
        }
    }

    static SAMPLE: std::sync::LazyLock<Vec<u8>> = std::sync::LazyLock::new(|| cert_ending(2030, 1, 1, 0));

    proptest! {
        #[test]
        fn garbage_and_mutated_certificates_never_panic(
            bytes in prop::collection::vec(any::<u8>(), 0..300),
            flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        ) {
            let _ = not_after(&bytes);
            let mut der = SAMPLE.clone();
            for (at, byte) in flips {
                let i = at.index(der.len());
                der[i] = byte;
            }
            let _ = not_after(&der);
        }
    }
}
