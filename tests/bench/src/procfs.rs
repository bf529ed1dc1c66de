//! This process's memory, from /proc/self/status.

/// Peak resident set size (VmHWM) in KiB, if the kernel reports it.
pub fn peak_rss_kib() -> Option<u64> {
    status_kib("VmHWM:")
}

/// Current resident set size (VmRSS) in KiB.
pub fn rss_kib() -> Option<u64> {
    status_kib("VmRSS:")
}

fn status_kib(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(key))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_kernel_reports_peak_and_current_rss() {
        assert!(super::peak_rss_kib().is_some_and(|kib| kib > 0));
        assert!(super::rss_kib().is_some_and(|kib| kib > 0));
    }
}
