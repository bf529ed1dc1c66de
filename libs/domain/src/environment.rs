//! [`Environment`]: whether a tenant (or deployment) is production or not.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A tenant's environment. Wire and database form: `production` | `non_production`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Environment {
    /// Live patient data.
    Production,
    /// Test, staging, demo: anything that is not production.
    NonProduction,
}

/// The text is neither `production` nor `non_production`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("environment must be 'production' or 'non_production'")]
pub struct EnvironmentError;

impl Environment {
    /// The wire / database form.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::Production => "production",
            Self::NonProduction => "non_production",
        }
    }

    /// Parses the wire form (exact, lowercase).
    pub fn parse(s: &str) -> Result<Self, EnvironmentError> {
        match s {
            "production" => Ok(Self::Production),
            "non_production" => Ok(Self::NonProduction),
            _ => Err(EnvironmentError),
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Environment {
    type Err = EnvironmentError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl sqlx::Type<sqlx::Postgres> for Environment {
    fn type_info() -> sqlx::postgres::PgTypeInfo {
        <String as sqlx::Type<sqlx::Postgres>>::type_info()
    }
    fn compatible(ty: &sqlx::postgres::PgTypeInfo) -> bool {
        <String as sqlx::Type<sqlx::Postgres>>::compatible(ty)
    }
}

impl sqlx::Encode<'_, sqlx::Postgres> for Environment {
    fn encode_by_ref(
        &self,
        buf: &mut sqlx::postgres::PgArgumentBuffer,
    ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
        <&str as sqlx::Encode<sqlx::Postgres>>::encode(self.as_str(), buf)
    }
}

impl<'r> sqlx::Decode<'r, sqlx::Postgres> for Environment {
    fn decode(value: sqlx::postgres::PgValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        let s = <&str as sqlx::Decode<sqlx::Postgres>>::decode(value)?;
        Ok(Self::parse(s)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_form_round_trips() {
        for env in [Environment::Production, Environment::NonProduction] {
            assert_eq!(env.as_str().parse::<Environment>(), Ok(env));
            let json = serde_json::to_string(&env).expect("ser");
            assert_eq!(json, format!("\"{}\"", env.as_str()));
            assert_eq!(serde_json::from_str::<Environment>(&json).expect("de"), env);
        }
    }

    #[test]
    fn unknown_values_are_rejected() {
        assert_eq!(Environment::parse("prod"), Err(EnvironmentError));
        assert_eq!(Environment::parse("Production"), Err(EnvironmentError));
        assert!(serde_json::from_str::<Environment>("\"staging\"").is_err());
    }
}
