//! entra-sim
