//! Support code for prompt-sync's workspace-level tests: the example app's cache
//! generator and helpers for building throwaway crates with cargo.

pub mod bench;
pub mod example_cache;
pub mod fake_hub;
pub mod original;
pub mod reliability;
pub mod throwaway;
pub mod workspace;
