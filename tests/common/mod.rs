//! Support shared by the integration tests: the JSON fixture runner and the shared
//! manifest fixture directory.

#![allow(dead_code)] // each test crate uses its own subset

pub mod fixtures;
pub mod manifests;
