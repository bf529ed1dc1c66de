//! The message contract: [`Event`], [`EventMeta`] and the JSON [`Envelope`].

use pa_domain::TenantId;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// A domain event: its JSON form becomes the envelope's `data`.
pub trait Event: Serialize {
    /// The event type, used as routing key and AMQP `type`, e.g. `"tenant.provisioned"`.
    const TYPE: &'static str;
}

/// Context recorded with an event. The W3C `traceparent` is captured from the current
/// tracing span automatically.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventMeta {
    /// The tenant the event concerns (sets the consumer's RLS context), if any.
    pub tenant_id: Option<TenantId>,
    /// The request that caused it, for correlation.
    pub request_id: Option<String>,
}

/// The message body (documented in `openapi/events.md`):
///
/// ```json
/// {"id":"<uuid v7>","type":"tenant.provisioned","tenant_id":"<uuid|null>",
///  "occurred_at":"RFC3339","request_id":"<string|null>","data":{}}
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// Unique message id (UUID v7), also the AMQP `message_id`; consumers deduplicate on it.
    pub id: Uuid,
    /// The event type (= routing key).
    #[serde(rename = "type")]
    pub event_type: String,
    /// The tenant concerned, if any.
    pub tenant_id: Option<TenantId>,
    /// When the event was enqueued.
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    /// The originating request id, if any.
    pub request_id: Option<String>,
    /// The event itself.
    pub data: serde_json::Value,
}

impl Envelope {
    /// Wraps `event` in a new envelope with a fresh id and the current time.
    pub fn new<E: Event>(meta: &EventMeta, event: &E) -> Result<Self, serde_json::Error> {
        Ok(Self {
            id: Uuid::now_v7(),
            event_type: E::TYPE.to_owned(),
            tenant_id: meta.tenant_id,
            occurred_at: OffsetDateTime::now_utc(),
            request_id: meta.request_id.clone(),
            data: serde_json::to_value(event)?,
        })
    }

    /// Deserialises `data` as the event type `T`.
    pub fn data_as<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(&self.data)
    }

    /// True when this envelope carries an `E`.
    pub fn is<E: Event>(&self) -> bool {
        self.event_type == E::TYPE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Provisioned {
        name: String,
    }

    impl Event for Provisioned {
        const TYPE: &'static str = "tenant.provisioned";
    }

    #[test]
    fn envelope_json_matches_the_contract() {
        let tenant = TenantId::new();
        let meta = EventMeta {
            tenant_id: Some(tenant),
            request_id: Some("req-1".into()),
        };
        let env = Envelope::new(&meta, &Provisioned { name: "a".into() }).expect("serialises");
        let json = serde_json::to_value(&env).expect("to json");
        assert_eq!(json["type"], "tenant.provisioned");
        assert_eq!(json["tenant_id"], tenant.to_string());
        assert_eq!(json["request_id"], "req-1");
        assert_eq!(json["data"]["name"], "a");
        assert_eq!(json["id"], env.id.to_string());
        let occurred = json["occurred_at"].as_str().expect("string");
        assert!(occurred.ends_with('Z'), "{occurred}");
        let back: Envelope = serde_json::from_value(json).expect("round trip");
        assert_eq!(back, env);
        assert!(back.is::<Provisioned>());
        assert_eq!(
            back.data_as::<Provisioned>().expect("data"),
            Provisioned { name: "a".into() }
        );
    }

    #[test]
    fn null_tenant_and_request_are_explicit_nulls() {
        let env = Envelope::new(&EventMeta::default(), &Provisioned { name: "b".into() })
            .expect("serialises");
        let json = serde_json::to_value(&env).expect("to json");
        assert!(json["tenant_id"].is_null() && json.get("tenant_id").is_some());
        assert!(json["request_id"].is_null() && json.get("request_id").is_some());
    }
}
