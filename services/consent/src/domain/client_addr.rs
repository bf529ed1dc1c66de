//! [`ClientAddrResolver`]: the client's address for rate limiting and the audit trail.

use std::net::IpAddr;

use actix_web::HttpRequest;
use ipnet::IpNet;

/// Resolves the client address: the peer address, or, when the peer is a trusted proxy, the
/// right-most `X-Forwarded-For` address that is not a trusted proxy (the left part of that
/// header is whatever the client chose to send and is never believed).
#[derive(Clone, Debug, Default)]
pub struct ClientAddrResolver {
    trusted: Vec<IpNet>,
}

impl ClientAddrResolver {
    pub fn new(trusted: Vec<IpNet>) -> Self {
        Self { trusted }
    }

    fn is_trusted(&self, ip: &IpAddr) -> bool {
        self.trusted.iter().any(|net| net.contains(ip))
    }

    /// The client address of `req` (`None` only without a peer address, e.g. in unit tests).
    pub fn resolve(&self, req: &HttpRequest) -> Option<IpAddr> {
        let peer = req.peer_addr().map(|a| a.ip())?;
        if !self.is_trusted(&peer) {
            return Some(peer);
        }
        let forwarded: Vec<IpAddr> = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|s| s.trim().parse().ok())
            .collect();
        Some(
            forwarded
                .into_iter()
                .rev()
                .find(|ip| !self.is_trusted(ip))
                .unwrap_or(peer),
        )
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let direct = ClientAddrResolver::default();
        let req = TestRequest::default()
            .peer_addr("10.0.0.5:1234".parse().expect("addr"))
            .insert_header(("x-forwarded-for", "1.2.3.4"))
            .to_http_request();
        assert_eq!(direct.resolve(&req), "10.0.0.5".parse().ok());
        let behind = ClientAddrResolver::new(vec!["10.0.0.0/8".parse().expect("net")]);
        let req = TestRequest::default()
            .peer_addr("10.0.0.5:1234".parse().expect("addr"))
            .insert_header(("x-forwarded-for", "6.6.6.6, 1.2.3.4, 10.0.0.9"))
            .to_http_request();
        assert_eq!(behind.resolve(&req), "1.2.3.4".parse().ok());
    }
}
