//! TCP probes: the port answers when a connection opens (resolve, guard, connect, close).
use super::NetProber;
use super::attempt::Attempt;
use super::connect::{HostRef, connect};
use crate::domain::probe::debug::EventType;
use crate::domain::probe::observation::ProbeFailure;
use crate::domain::probe::spec::TcpProbe;

/// How a TCP target is named in a trace.
pub(super) fn url(probe: &TcpProbe) -> String {
    match HostRef::parse(probe.host.as_str()) {
        HostRef::Ip(std::net::IpAddr::V6(ip)) => format!("tcp://[{ip}]:{}", probe.port),
        _ => format!("tcp://{}:{}", probe.host, probe.port),
    }
}

pub(super) async fn run(p: &NetProber, probe: &TcpProbe, a: &mut Attempt) -> Result<(), ProbeFailure> {
    a.event(EventType::Request, |_| {});
    let stream = connect(HostRef::parse(probe.host.as_str()), probe.port, p.egress, a).await?;
    drop(stream);
    let duration = a.hop_ms();
    a.event(EventType::Response, |e| e.duration_ms = Some(duration));
    Ok(())
}
