//! smtp-sink
