//! pa-http
