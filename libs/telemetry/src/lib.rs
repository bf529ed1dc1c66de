//! pa-telemetry
