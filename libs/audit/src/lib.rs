//! pa-audit
