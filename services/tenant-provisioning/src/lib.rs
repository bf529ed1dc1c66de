//! tenant-provisioning
