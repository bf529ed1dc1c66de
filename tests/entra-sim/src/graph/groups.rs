//! `/groups`, `/groups/$count`, `/groups/{id}`, `/organization`.

use serde_json::json;

use super::ctx::Ctx;
use super::filter::Target;
use super::list::{Listing, Matcher, Shape, orderby, run, write_object};
use super::props::{context, group_select, w_str};
use super::response::{GraphError, GraphOk};
use crate::store::Directory;
use crate::store::model::MemberRef;
use crate::util::{iso_secs, parse_guid};

fn groups_source<'a>(
    dir: &'a Directory,
) -> impl Fn(u64) -> Box<dyn Iterator<Item = (u64, MemberRef)> + 'a> + 'a {
    move |start| {
        let len = dir.groups.len() as u64;
        Box::new((start.min(len)..len).map(|i| (i, MemberRef::Group(i as u32))))
    }
}

pub fn list(ctx: &Ctx<'_>) -> Result<GraphOk, GraphError> {
    ctx.reject_expand()?;
    let shape = Shape {
        uprops: Vec::new(),
        gprops: group_select(ctx.p.select.as_ref())?,
        odata_type: false,
    };
    let matcher = Matcher {
        users: false,
        groups: true,
        filter: ctx.filter(Target::Groups)?,
        search: ctx.search(Target::Groups)?,
    };
    let sort = orderby(ctx, false)?;
    let dir = ctx.tenant.dir.read();
    let listing = Listing {
        kind: "groups",
        context_set: "groups",
        shape,
        matcher,
        sort,
        version: 0,
    };
    run(ctx, &dir, listing, groups_source(&dir))
}

pub fn count(ctx: &Ctx<'_>) -> Result<GraphOk, GraphError> {
    ctx.require_count_header()?;
    let matcher = Matcher {
        users: false,
        groups: true,
        filter: ctx.filter(Target::Groups)?,
        search: ctx.search(Target::Groups)?,
    };
    let dir = ctx.tenant.dir.read();
    let n = (0..dir.groups.len())
        .filter(|i| matcher.accepts(&dir, MemberRef::Group(*i as u32)))
        .count();
    Ok(GraphOk::text(n.to_string()))
}

/// A live group by GUID (Graph addresses groups by id only).
pub fn find(dir: &Directory, key: &str) -> Result<u32, GraphError> {
    parse_guid(key)
        .and_then(|id| dir.group_idx_by_id(&id))
        .filter(|i| dir.groups[*i as usize].is_live())
        .ok_or_else(|| {
            if parse_guid(key).is_none() {
                GraphError::bad_request(format!("Invalid object identifier '{key}'."))
            } else {
                GraphError::not_found(key)
            }
        })
}

pub fn get(ctx: &Ctx<'_>, key: &str) -> Result<GraphOk, GraphError> {
    ctx.reject_expand()?;
    let shape = Shape {
        uprops: Vec::new(),
        gprops: group_select(ctx.p.select.as_ref())?,
        odata_type: false,
    };
    let dir = ctx.tenant.dir.read();
    let idx = find(&dir, key)?;
    let mut obj = Vec::with_capacity(1024);
    write_object(&mut obj, &dir, MemberRef::Group(idx), &shape);
    let mut out = Vec::with_capacity(obj.len() + 128);
    out.extend_from_slice(b"{\"@odata.context\":");
    w_str(
        &mut out,
        &context(&ctx.st.graph_base, "groups", ctx.p.select.as_ref(), true),
    );
    out.push(b',');
    out.extend_from_slice(&obj[1..]);
    Ok(GraphOk::json(out))
}

/// `/organization`: one object, `id` = tenant id, `verifiedDomains[]`.
pub fn organization(ctx: &Ctx<'_>) -> Result<GraphOk, GraphError> {
    let m = ctx.tenant.meta.read().clone();
    let domains: Vec<_> = m
        .domains
        .iter()
        .enumerate()
        .map(|(i, d)| {
            json!({"capabilities": if i == 0 { "Email, OfficeCommunicationsOnline" } else { "Email" },
                   "isDefault": i == 0, "isInitial": d.ends_with(".onmicrosoft.com") && i == 0, "name": d, "type": "Managed"})
        })
        .collect();
    let mut org = json!({
        "id": m.id, "deletedDateTime": null, "businessPhones": [], "city": null, "country": null,
        "countryLetterCode": "US", "createdDateTime": iso_secs(m.created), "defaultUsageLocation": null,
        "displayName": m.display_name, "marketingNotificationEmails": [], "onPremisesLastSyncDateTime": null,
        "onPremisesSyncEnabled": null, "postalCode": null, "preferredLanguage": "en", "privacyProfile": null,
        "securityComplianceNotificationMails": [], "securityComplianceNotificationPhones": [], "state": null,
        "street": null, "technicalNotificationMails": [], "tenantType": "AAD", "directorySizeQuota": {"used": ctx.tenant.dir.read().users.len(), "total": 300000},
        "assignedPlans": [], "provisionedPlans": [], "verifiedDomains": domains,
    });
    if let Some(sel) = &ctx.p.select
        && let Some(obj) = org.as_object_mut()
    {
        {
            let keep: Vec<String> = obj
                .keys()
                .filter(|k| *k == "id" || sel.iter().any(|s| s.eq_ignore_ascii_case(k)))
                .cloned()
                .collect();
            if let Some(bad) = sel
                .iter()
                .find(|s| !obj.keys().any(|k| k.eq_ignore_ascii_case(s)))
            {
                return Err(super::props::no_such_property(bad, "organization"));
            }
            obj.retain(|k, _| keep.contains(k));
        }
    }
    let body = json!({
        "@odata.context": context(&ctx.st.graph_base, "organization", ctx.p.select.as_ref(), false),
        "value": [org],
    });
    Ok(GraphOk::json(body.to_string().into_bytes()))
}
