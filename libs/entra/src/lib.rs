//! pa-entra
