//! pa-db
