//! The simulator's control API (`{base}/_sim`): generated directories, users, groups,
//! faults and the changes the leaver bench makes.

use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::{Value, json};
use uuid::Uuid;

/// A client of one simulator process.
#[derive(Clone)]
pub struct Sim {
    pub base: String,
    http: reqwest::Client,
}

/// A generated tenant: its directory id, domain, and the groups a sync is configured with.
#[derive(Clone, Debug)]
pub struct SimTenant {
    pub id: Uuid,
    pub domain: String,
    pub admin: Uuid,
    /// "PA Admins" (the admin), "All Staff" (everyone, nested), a department.
    pub admins: Uuid,
    pub all_staff: Uuid,
    pub department: Uuid,
}

impl Sim {
    pub fn new(base: String) -> Self {
        Self {
            base,
            http: reqwest::Client::new(),
        }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let mut request = self
            .http
            .request(method, format!("{}/_sim{path}", self.base))
            .timeout(Duration::from_secs(600));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let resp = request.send().await.with_context(|| path.to_owned())?;
        let status = resp.status();
        let text = resp.text().await?;
        if !status.is_success() {
            bail!("{path}: {status}: {text}");
        }
        Ok(if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text)?
        })
    }

    /// The app registration: (client id, client secret).
    pub async fn app(&self) -> anyhow::Result<(String, String)> {
        let app = self.call(reqwest::Method::GET, "/app", None).await?;
        let field = |n: &str| {
            app[n]
                .as_str()
                .map(str::to_owned)
                .context("app registration")
        };
        Ok((field("client_id")?, field("client_secret")?))
    }

    /// A generated directory of `users` people ("All Staff" ⊃ departments ⊃ teams, as the
    /// simulator's generator builds it), plus `admin@` in a "PA Admins" group.
    pub async fn generate(
        &self,
        seed: u64,
        users: u64,
        departments: u32,
        teams: u32,
    ) -> anyhow::Result<SimTenant> {
        let id = Uuid::new_v4();
        let domain = format!(
            "bench{seed}x{}.onmicrosoft.com",
            &id.simple().to_string()[..8]
        );
        let spec = json!({
            "tenant_id": id, "domain": domain, "users": users,
            "departments": departments, "teams_per_department": teams,
            "extra_groups": 0, "disabled_per_mille": 0, "guest_per_mille": 0, "consented": true,
        });
        self.call(
            reqwest::Method::POST,
            "/generate",
            Some(merge(json!({"seed": seed}), spec)),
        )
        .await?;
        let admin = self.user(id, &format!("admin@{domain}")).await?;
        let admins = self.group(id, "PA Admins").await?;
        self.add_member(id, admins, admin).await?;
        let all_staff = self.group_id(id, "All Staff").await?;
        let department = self.group_id(id, "Department: Nursing").await?;
        Ok(SimTenant {
            id,
            domain,
            admin,
            admins,
            all_staff,
            department,
        })
    }

    pub async fn user(&self, tenant: Uuid, upn: &str) -> anyhow::Result<Uuid> {
        let body =
            json!({"user_principal_name": upn, "display_name": upn, "account_enabled": true});
        let user = self
            .call(
                reqwest::Method::POST,
                &format!("/tenants/{tenant}/users"),
                Some(body),
            )
            .await?;
        id(&user)
    }

    pub async fn group(&self, tenant: Uuid, name: &str) -> anyhow::Result<Uuid> {
        let body = json!({"display_name": name, "kind": "security"});
        let group = self
            .call(
                reqwest::Method::POST,
                &format!("/tenants/{tenant}/groups"),
                Some(body),
            )
            .await?;
        id(&group)
    }

    /// A group's id by its (unique) display name.
    pub async fn group_id(&self, tenant: Uuid, name: &str) -> anyhow::Result<Uuid> {
        let path = format!(
            "/tenants/{tenant}/groups/{}",
            name.replace(' ', "%20").replace(':', "%3A")
        );
        id(&self
            .call(reqwest::Method::PATCH, &path, Some(json!({})))
            .await?)
    }

    pub async fn add_member(&self, tenant: Uuid, group: Uuid, member: Uuid) -> anyhow::Result<()> {
        let path = format!("/tenants/{tenant}/groups/{group}/members");
        self.call(
            reqwest::Method::POST,
            &path,
            Some(json!({"member": member})),
        )
        .await
        .map(drop)
    }

    pub async fn remove_member(
        &self,
        tenant: Uuid,
        group: Uuid,
        member: Uuid,
    ) -> anyhow::Result<()> {
        let path = format!("/tenants/{tenant}/groups/{group}/members/{member}");
        self.call(reqwest::Method::DELETE, &path, None)
            .await
            .map(drop)
    }

    pub async fn disable(&self, tenant: Uuid, user: Uuid) -> anyhow::Result<()> {
        let path = format!("/tenants/{tenant}/users/{user}/disable");
        self.call(reqwest::Method::POST, &path, None)
            .await
            .map(drop)
    }

    pub async fn delete_user(
        &self,
        tenant: Uuid,
        user: Uuid,
        permanent: bool,
    ) -> anyhow::Result<()> {
        let path = format!("/tenants/{tenant}/users/{user}?permanent={permanent}");
        self.call(reqwest::Method::DELETE, &path, None)
            .await
            .map(drop)
    }

    /// Sets tenant knobs (read-modify-write of the whole set).
    pub async fn faults(&self, tenant: Uuid, change: Value) -> anyhow::Result<()> {
        let path = format!("/tenants/{tenant}/faults");
        let current = self.call(reqwest::Method::GET, &path, None).await?;
        self.call(reqwest::Method::PUT, &path, Some(merge(current, change)))
            .await
            .map(drop)
    }
}

fn id(v: &Value) -> anyhow::Result<Uuid> {
    let s = v["id"]
        .as_str()
        .or(v.as_str())
        .context("no id in the answer")?;
    Ok(s.parse()?)
}

fn merge(mut base: Value, over: Value) -> Value {
    if let (Some(b), Value::Object(o)) = (base.as_object_mut(), over) {
        for (k, v) in o {
            b.insert(k, v);
        }
    }
    base
}
