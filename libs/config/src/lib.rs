//! pa-config
