//! pa-messaging
