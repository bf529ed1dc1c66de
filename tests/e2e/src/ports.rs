//! Ports for the run's services: free ones in 18100–18999, never handed out twice by one
//! process, starting at a random place so parallel test processes rarely collide (and a
//! collision only means a port found busy, which is skipped).

use std::collections::HashSet;
use std::net::TcpListener;
use std::sync::Mutex;

const FIRST: u16 = 18_100;
const LAST: u16 = 18_999;

static TAKEN: Mutex<Option<HashSet<u16>>> = Mutex::new(None);

/// A port in 18100–18999 that nothing listens on now.
pub fn free_port() -> u16 {
    let mut seed = [0u8; 2];
    getrandom::fill(&mut seed).expect("randomness");
    let span = LAST - FIRST + 1;
    let start = u16::from_le_bytes(seed) % span;
    let mut taken = TAKEN.lock().expect("port registry");
    let taken = taken.get_or_insert_with(HashSet::new);
    for offset in 0..span {
        let port = FIRST + (start + offset) % span;
        if taken.contains(&port) {
            continue;
        }
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            taken.insert(port);
            return port;
        }
    }
    panic!("no free port in {FIRST}–{LAST}");
}
