//! The analysers' side of the walk that needs whole files (dependency inventory, app
//! descriptors), shared by `scan`, `inspect`, `diff` and `sbom`.

use std::io::{self, Read};

use vendorsec_apps::{Collector as AppsCollector, MAX_DESCRIPTOR_BYTES};
use vendorsec_core::Origin;
use vendorsec_deps::inventory::{Collector, MAX_MANIFEST_BYTES, kind_of};

/// When the blob is an inventory file or an app descriptor, read it whole (bounded), hand it
/// to the collectors and return the bytes read so the caller can scan them too; `None`
/// leaves `rest` untouched.
pub(crate) fn feed_text(
    collector: &Collector,
    apps: Option<&AppsCollector>,
    origin: &Origin,
    head: &[u8],
    rest: &mut dyn Read,
) -> io::Result<Option<Vec<u8>>> {
    let dep_kind = kind_of(&origin.chain);
    let app_kind = apps.and_then(|_| vendorsec_apps::kind_of(&origin.chain));
    let code = apps.is_some() && vendorsec_apps::wants_code(&origin.chain);
    let config = apps.is_some() && vendorsec_apps::wants_config(&origin.chain);
    let java = apps.is_some() && vendorsec_apps::wants_java(&origin.chain);
    let velocity = apps.is_some() && vendorsec_apps::wants_velocity(&origin.chain);
    if dep_kind.is_none() && app_kind.is_none() && !code && !config && !java && !velocity {
        return Ok(None);
    }
    let mut buf = head.to_vec();
    rest.take(MAX_MANIFEST_BYTES + 1 - buf.len().min(MAX_MANIFEST_BYTES as usize) as u64)
        .read_to_end(&mut buf)?;
    if let Some(kind) = dep_kind {
        if buf.len() as u64 > MAX_MANIFEST_BYTES {
            collector.too_large(&origin.chain, kind, buf.len() as u64);
        } else {
            collector.file(&origin.chain, kind, &buf);
        }
    }
    if let (Some(kind), Some(apps)) = (app_kind, apps)
        && buf.len() as u64 <= MAX_DESCRIPTOR_BYTES
    {
        apps.file(&origin.chain, kind, &buf);
    }
    if config
        && let Some(apps) = apps
        && buf.len() as u64 <= MAX_DESCRIPTOR_BYTES
    {
        apps.config(&origin.chain, &buf);
    }
    if velocity
        && let Some(apps) = apps
        && buf.len() as u64 <= MAX_DESCRIPTOR_BYTES
    {
        apps.velocity(&origin.chain, &buf);
    }
    if java
        && let Some(apps) = apps
        && buf.len() <= vendorsec_apps::MAX_SOURCE_BYTES
    {
        apps.java(&origin.chain, &buf);
    }
    if code
        && let Some(apps) = apps
        && buf.len() <= vendorsec_apps::MAX_SOURCE_BYTES
    {
        apps.code(&origin.chain, &buf);
    }
    Ok(Some(buf))
}

/// A binary blob where an inventory file was expected (a pom.properties of garbage): the
/// parser sees its first bytes and reports what is wrong.
pub(crate) fn feed_binary(collector: &Collector, origin: &Origin, head: &[u8]) {
    if let Some(kind) = kind_of(&origin.chain) {
        collector.file(&origin.chain, kind, head);
    }
}
