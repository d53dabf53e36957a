//! Which addresses outbound calls (webhooks) may reach: the SSRF guard. A user-supplied
//! URL must not let anyone probe our network or read the instance metadata service.
use ipnet::IpNet;
use std::net::IpAddr;
use std::sync::LazyLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EgressPolicy {
    /// Public addresses only: the cloud build.
    PublicOnly,
    /// Private and loopback addresses too, for a local server whose receivers run on the
    /// same machine or network. Link-local addresses (the metadata service) stay refused.
    AllowPrivate,
}

/// Why an address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("address {ip} is {what}, which outbound calls may not reach")]
pub struct Blocked {
    pub ip: IpAddr,
    pub what: &'static str,
}

/// Never reachable: link-local, which holds the instance metadata service
/// (169.254.169.254, ECS's 169.254.170.2, and AWS's IPv6 fd00:ec2::254).
const ALWAYS: &[(&str, &str)] = &[
    ("169.254.0.0/16", "link-local (metadata service)"),
    ("fe80::/10", "link-local"),
    ("fd00:ec2::254/128", "the metadata service"),
];

/// Not public: private, loopback, shared (CGNAT), reserved, documentation and multicast
/// ranges (RFC 6890 and its IPv6 counterparts), and IPv6 forms that embed an IPv4 address
/// we could not vet (6to4, Teredo, NAT64 are checked by what they embed, see `check`).
const NOT_PUBLIC: &[(&str, &str)] = &[
    ("0.0.0.0/8", "unspecified"),
    ("10.0.0.0/8", "private"),
    ("100.64.0.0/10", "shared (CGNAT)"),
    ("127.0.0.0/8", "loopback"),
    ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "reserved"),
    ("192.0.2.0/24", "documentation"),
    ("192.88.99.0/24", "reserved"),
    ("192.168.0.0/16", "private"),
    ("198.18.0.0/15", "reserved"),
    ("198.51.100.0/24", "documentation"),
    ("203.0.113.0/24", "documentation"),
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved"),
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("100::/64", "reserved"),
    ("2001::/23", "reserved"),
    ("2001:db8::/32", "documentation"),
    ("2002::/16", "6to4"),
    ("fc00::/7", "unique-local"),
    ("fec0::/10", "site-local"),
    ("ff00::/8", "multicast"),
];

fn nets(list: &[(&str, &'static str)]) -> Vec<(IpNet, &'static str)> {
    list.iter().map(|(net, what)| (net.parse().expect("a valid CIDR"), *what)).collect()
}

static ALWAYS_NETS: LazyLock<Vec<(IpNet, &'static str)>> = LazyLock::new(|| nets(ALWAYS));
static NOT_PUBLIC_NETS: LazyLock<Vec<(IpNet, &'static str)>> = LazyLock::new(|| nets(NOT_PUBLIC));

fn find(list: &[(IpNet, &'static str)], ip: IpAddr) -> Option<&'static str> {
    list.iter().find(|(net, _)| net.contains(&ip)).map(|(_, what)| *what)
}

impl EgressPolicy {
    pub fn check(self, ip: IpAddr) -> Result<(), Blocked> {
        // An IPv4 address written as IPv6 (::ffff:a.b.c.d, or NAT64's 64:ff9b::a.b.c.d)
        // reaches that IPv4 address, so it is judged as one.
        let ip = match ip {
            IpAddr::V6(v6) => match (v6.to_ipv4_mapped(), v6.segments()) {
                (Some(v4), _) => IpAddr::V4(v4),
                (None, [0x64, 0xff9b, 0, 0, 0, 0, hi, lo]) => {
                    IpAddr::V4(((u32::from(hi) << 16) | u32::from(lo)).into())
                }
                _ => ip,
            },
            v4 => v4,
        };
        let blocked = |what| Err(Blocked { ip, what });
        if let Some(what) = find(&ALWAYS_NETS, ip) {
            return blocked(what);
        }
        match self {
            Self::AllowPrivate => Ok(()),
            Self::PublicOnly => find(&NOT_PUBLIC_NETS, ip).map_or(Ok(()), blocked),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(policy: EgressPolicy, ip: &str) -> Result<(), &'static str> {
        policy.check(ip.parse().unwrap()).map_err(|b| b.what)
    }

    #[test]
    fn public_only_refuses_every_internal_range() {
        let p = EgressPolicy::PublicOnly;
        for (ip, what) in [
            ("127.0.0.1", "loopback"),
            ("10.1.2.3", "private"),
            ("172.31.255.255", "private"),
            ("192.168.1.1", "private"),
            ("100.64.0.1", "shared (CGNAT)"),
            ("169.254.169.254", "link-local (metadata service)"),
            ("0.0.0.0", "unspecified"),
            ("224.0.0.1", "multicast"),
            ("255.255.255.255", "reserved"),
            ("::1", "loopback"),
            ("fd12:3456::1", "unique-local"),
            ("fd00:ec2::254", "the metadata service"),
            ("fe80::1", "link-local"),
            ("::ffff:127.0.0.1", "loopback"),
            ("::ffff:169.254.169.254", "link-local (metadata service)"),
            ("64:ff9b::a00:1", "private"),
            ("2002:7f00:1::", "6to4"),
        ] {
            assert_eq!(verdict(p, ip), Err(what), "{ip}");
        }
        for ip in ["93.184.215.14", "1.1.1.1", "172.32.0.1", "2606:4700:4700::1111", "::ffff:1.1.1.1"] {
            assert_eq!(verdict(p, ip), Ok(()), "{ip}");
        }
    }

    #[test]
    fn allow_private_still_refuses_the_metadata_service() {
        let p = EgressPolicy::AllowPrivate;
        for ip in ["127.0.0.1", "10.0.0.1", "::1", "192.168.0.10"] {
            assert_eq!(verdict(p, ip), Ok(()), "{ip}");
        }
        for ip in ["169.254.169.254", "fd00:ec2::254", "::ffff:169.254.169.254", "fe80::1"] {
            assert!(verdict(p, ip).is_err(), "{ip}");
        }
    }
}
