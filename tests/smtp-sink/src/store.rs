//! Where accepted mail goes: an in-memory list (ordered by id) with a wake-up for waiters, and
//! optionally one `.eml` file per message.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::SystemTime;

use tokio::sync::Notify;

use crate::{ReceivedMail, SinkConfig};

pub(crate) struct Store {
    pub config: SinkConfig,
    mails: Mutex<Vec<ReceivedMail>>,
    next_id: AtomicU64,
    pub notify: Notify,
    pub temporary_failure: AtomicBool,
}

/// The envelope of one transaction, as collected by a session.
pub(crate) struct Envelope {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    pub auth_user: Option<String>,
}

impl Store {
    pub fn new(config: SinkConfig) -> Self {
        Store {
            config,
            mails: Mutex::new(Vec::new()),
            next_id: AtomicU64::new(1),
            notify: Notify::new(),
            temporary_failure: AtomicBool::new(false),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<ReceivedMail>> {
        // A panic while holding this lock cannot leave the Vec half-updated; keep going.
        self.mails
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn all(&self) -> Vec<ReceivedMail> {
        self.lock().clone()
    }

    pub fn find(&self, mut pred: impl FnMut(&ReceivedMail) -> bool) -> Vec<ReceivedMail> {
        self.lock().iter().filter(|m| pred(m)).cloned().collect()
    }

    pub fn get(&self, id: u64) -> Option<ReceivedMail> {
        let mails = self.lock();
        mails
            .binary_search_by_key(&id, |m| m.id)
            .ok()
            .map(|i| mails[i].clone())
    }

    pub fn latest(&self) -> Option<ReceivedMail> {
        self.lock().last().cloned()
    }

    pub fn clear(&self) {
        self.lock().clear();
    }

    /// Stores one message: writes the `.eml` file first (when a directory is configured), then
    /// makes it visible in memory and wakes every waiter. Only after this returns does the
    /// session answer 250, so a client that saw 250 can read the message at once.
    pub async fn deliver(&self, envelope: Envelope, data: Vec<u8>) -> io::Result<ReceivedMail> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let received_at = SystemTime::now();
        if let Some(dir) = self.config.mail_dir.clone() {
            let name = file_name(id, received_at);
            let bytes = data.clone();
            tokio::task::spawn_blocking(move || write_atomically(&dir, &name, &bytes))
                .await
                .map_err(io::Error::other)??;
        }
        let mail = ReceivedMail {
            id,
            received_at,
            mail_from: envelope.mail_from,
            rcpt_to: envelope.rcpt_to,
            auth_user: envelope.auth_user,
            raw: String::from_utf8_lossy(&data).into_owned(),
        };
        {
            let mut mails = self.lock();
            // Concurrent sessions may finish out of id order; keep the list sorted.
            let at = mails.partition_point(|m| m.id < id);
            mails.insert(at, mail.clone());
        }
        self.notify.notify_waiters();
        Ok(mail)
    }
}

/// `20261123T085512.123Z-000042.eml`: sorts by arrival, unique across restarts of the sink.
fn file_name(id: u64, at: SystemTime) -> String {
    let ts = time::OffsetDateTime::from(at);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}.{:03}Z-{id:06}.eml",
        ts.year(),
        u8::from(ts.month()),
        ts.day(),
        ts.hour(),
        ts.minute(),
        ts.second(),
        ts.millisecond()
    )
}

fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let tmp: PathBuf = dir.join(format!(".{name}.tmp"));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, dir.join(name))
}
