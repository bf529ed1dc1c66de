//! [`PageLimit`]: how many items a list page holds.

/// Items per page: 1–200, default 50.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageLimit(u16);

impl PageLimit {
    /// Smallest page.
    pub const MIN: u16 = 1;
    /// Largest page.
    pub const MAX: u16 = 200;
    /// Page size when the client does not say.
    pub const DEFAULT: u16 = 50;

    /// Accepts 1..=200.
    pub fn parse(n: u64) -> Result<Self, String> {
        match u16::try_from(n) {
            Ok(n) if (Self::MIN..=Self::MAX).contains(&n) => Ok(Self(n)),
            _ => Err(format!(
                "limit must be between {} and {}",
                Self::MIN,
                Self::MAX
            )),
        }
    }

    /// The limit as a SQL bind value.
    pub fn get(self) -> i64 {
        i64::from(self.0)
    }
}

impl Default for PageLimit {
    fn default() -> Self {
        Self(Self::DEFAULT)
    }
}
