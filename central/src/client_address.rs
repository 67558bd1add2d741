//! Who is asking, for the rate limits: the peer of the TCP connection, or, when that peer
//! is a balancer we were told to trust (`REGISTRO_PROXIES_DE_CONFIANZA`), the nearest
//! address in `X-Forwarded-For` that is not one of ours. Without that setting the header is
//! ignored: anybody can write it.

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

/// One address or network, as `10.0.0.5` or `10.0.0.0/8` or `fd00::/8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Network {
    address: IpAddr,
    prefix: u8,
}

impl Network {
    fn parse(raw: &str) -> Option<Self> {
        let (address, prefix) = match raw.split_once('/') {
            Some((a, p)) => (
                a.trim().parse::<IpAddr>().ok()?,
                Some(p.trim().parse().ok()?),
            ),
            None => (raw.trim().parse::<IpAddr>().ok()?, None),
        };
        let address = canonical(address);
        let bits = if address.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(bits);
        (prefix <= bits).then_some(Self { address, prefix })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match (self.address, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// An IPv4 client seen through an IPv6 socket is the IPv4 client.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The balancers in front of this service.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Network>);

impl TrustedProxies {
    pub fn none() -> Self {
        Self(Vec::new())
    }

    /// Comma-separated addresses or networks: `10.0.0.5, 10.1.0.0/16`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        raw.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                Network::parse(s).ok_or_else(|| {
                    format!("«{s}» no es una dirección IP ni una red como 10.0.0.0/8")
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(ip))
    }

    /// The client behind `peer`: walk `X-Forwarded-For` from the right (the hop our own
    /// balancer added) past every trusted hop; the first other address is the client. An
    /// unreadable entry stops the walk at the last address we could trust.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            match hop.parse::<IpAddr>() {
                Ok(ip) => {
                    client = canonical(ip);
                    if !self.trusts(client) {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
        client
    }
}

/// The client's address as the rate limits count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

impl ClientAddress {
    /// The key a limit counts under: the address, or for IPv6 its /64 (one subscriber's
    /// network: counting single IPv6 addresses would let one person use billions).
    pub fn bucket(&self) -> String {
        match self.0 {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => {
                let network = u128::from(v6) & (u128::MAX << 64);
                format!("{}/64", Ipv6Addr::from(network))
            }
        }
    }
}

impl FromRequestParts<crate::AppState> for ClientAddress {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &crate::AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
        Ok(Self(
            state.config.trusted_proxies.client(peer, &parts.headers),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let none = TrustedProxies::none();
        assert_eq!(
            none.client(ip("192.0.2.9"), &headers(&["203.0.113.7"])),
            ip("192.0.2.9")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_nearest_untrusted_hop_is_the_client() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, 192.0.2.1").unwrap();
        let peer = ip("10.0.0.4");
        // A client that forged its own header: the forged entry is left of the real one.
        assert_eq!(
            proxies.client(peer, &headers(&["198.51.100.1, 203.0.113.7"])),
            ip("203.0.113.7")
        );
        // Two balancers in a row, one header per hop.
        assert_eq!(
            proxies.client(peer, &headers(&["203.0.113.7", "192.0.2.1"])),
            ip("203.0.113.7")
        );
        // Nothing usable: the peer itself.
        assert_eq!(proxies.client(peer, &headers(&[])), peer);
        assert_eq!(
            proxies.client(peer, &headers(&["desconocido"])),
            peer,
            "an unreadable hop stops the walk"
        );
        // A peer that is not a balancer of ours cannot speak for anyone else.
        assert_eq!(
            proxies.client(ip("203.0.113.50"), &headers(&["198.51.100.1"])),
            ip("203.0.113.50")
        );
    }

    #[test]
    fn networks_parse_and_match_both_families() {
        let proxies = TrustedProxies::parse("fd00::/8,127.0.0.1").unwrap();
        assert!(proxies.trusts(ip("fd12::1")));
        assert!(!proxies.trusts(ip("fe80::1")));
        assert!(proxies.trusts(ip("::ffff:127.0.0.1")));
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("balanceador").is_err());
        assert!(
            TrustedProxies::parse("0.0.0.0/0")
                .unwrap()
                .trusts(ip("8.8.8.8"))
        );
    }

    #[test]
    fn ipv6_clients_count_by_their_64_network() {
        let a = ClientAddress(ip("2001:db8:1:2:aaaa::1")).bucket();
        let b = ClientAddress(ip("2001:db8:1:2:bbbb::9")).bucket();
        assert_eq!(a, b);
        assert_eq!(a, "2001:db8:1:2::/64");
        assert_eq!(ClientAddress(ip("203.0.113.7")).bucket(), "203.0.113.7");
    }
}
