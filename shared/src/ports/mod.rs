//! The traits the services need, named after what they do, not after any backend.
pub mod blob;
pub mod prober;
pub mod scheduler;
pub mod static_site;
pub mod store;
pub mod transport;
