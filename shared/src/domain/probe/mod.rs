//! Active probes: what a probe monitor checks (`spec`), what one attempt observed
//! (`observation`), how that is judged and kept (`check`), and what follows from a run of
//! checks: status and incidents (`state`), downtime windows, daily rollups, uptime and
//! debug sessions.
pub mod check;
pub mod debug;
pub mod downtime;
pub mod observation;
pub mod rollup;
pub mod spec;
pub mod state;
pub mod uptime;
