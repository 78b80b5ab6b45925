//! The local OSV advisory database: per ecosystem, a data file of JSON lines (one line per
//! package: its name and its advisories in compact form) and a sorted text index
//! (`name<TAB>offset<TAB>length`). A scan reads the index of the ecosystems it needs and
//! only the lines of the packages it has, so loading costs milliseconds whatever the size
//! of the database.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::Ecosystem;
use crate::osv::{self, Advisory};

/// Format of the files in the database directory.
pub const FORMAT: u32 = 1;
/// Largest single advisory file read on import.
const MAX_RECORD_BYTES: u64 = 16 << 20;
/// Largest zip entry total read on import (the Maven/npm exports are ~100-300 MB).
const MAX_ZIP_TOTAL: u64 = 4 << 30;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("{path}: {reason}")]
    Invalid { path: String, reason: String },
}

fn io_err(path: &Path, source: io::Error) -> DbError {
    DbError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// What the database holds per ecosystem.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct EcosystemMeta {
    pub advisories: u64,
    pub packages: u64,
    /// Seconds since the Unix epoch of the last import or update.
    pub updated: u64,
    /// Where the data came from (a path or a URL).
    pub source: String,
    /// The newest `modified` date among its advisories.
    #[serde(default)]
    pub newest: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Meta {
    pub format: u32,
    pub ecosystems: BTreeMap<String, EcosystemMeta>,
}

/// A problem with one input file during import; the import goes on.
#[derive(Debug, Clone)]
pub struct ImportProblem {
    pub path: String,
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Default)]
pub struct ImportSummary {
    pub files: u64,
    pub records: u64,
    pub withdrawn: u64,
    /// Records for ecosystems vendorsec does not match (Debian, …), skipped.
    pub other_ecosystems: u64,
    pub problems: Vec<ImportProblem>,
    pub per_ecosystem: BTreeMap<String, EcosystemMeta>,
}

/// The default location: `$VENDORSEC_DB`, else `$XDG_CACHE_HOME/vendorsec/db`, else
/// `~/.cache/vendorsec/db`.
#[must_use]
pub fn default_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("VENDORSEC_DB") {
        return PathBuf::from(p);
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from(".cache"));
    base.join("vendorsec").join("db")
}

fn file_stem(eco: Ecosystem) -> &'static str {
    match eco {
        Ecosystem::Npm => "npm",
        Ecosystem::Maven => "maven",
        Ecosystem::PyPI => "pypi",
        Ecosystem::CratesIo => "crates-io",
        Ecosystem::Go => "go",
        Ecosystem::RubyGems => "rubygems",
        Ecosystem::NuGet => "nuget",
        Ecosystem::Packagist => "packagist",
    }
}

#[derive(Serialize, Deserialize)]
struct Line {
    name: String,
    advisories: Vec<Advisory>,
}

/// Collected advisories before they are written: ecosystem -> name -> id -> advisory.
#[derive(Default)]
pub struct Staging {
    data: BTreeMap<Ecosystem, BTreeMap<String, BTreeMap<String, Advisory>>>,
    withdrawn: Vec<(Ecosystem, String, String)>,
    pub summary: ImportSummary,
}

impl Staging {
    /// Add one OSV document (a record or a list); `name` is for messages and decides
    /// YAML versus JSON by its extension.
    pub fn add_document(&mut self, name: &str, bytes: &[u8]) {
        let yaml = name.ends_with(".yaml") || name.ends_with(".yml");
        self.summary.files += 1;
        match osv::parse(bytes, yaml) {
            Ok(records) => {
                for r in records {
                    self.add_record(r);
                }
            }
            Err(reason) => self.summary.problems.push(ImportProblem {
                path: name.to_owned(),
                reason,
            }),
        }
    }

    fn add_record(&mut self, record: osv::Record) {
        self.summary.records += 1;
        let id = record.id.clone();
        let withdrawn = record.withdrawn.as_deref().is_some_and(|w| !w.is_empty());
        let ecosystems: Vec<Ecosystem> = record
            .affected
            .iter()
            .flatten()
            .filter_map(|a| a.package.as_ref())
            .filter_map(|p| Ecosystem::from_osv(&p.ecosystem))
            .collect();
        if withdrawn {
            self.summary.withdrawn += 1;
            for a in record.affected.iter().flatten() {
                if let Some(p) = &a.package
                    && let Some(e) = Ecosystem::from_osv(&p.ecosystem)
                {
                    self.withdrawn
                        .push((e, e.normalize_name(&p.name), id.clone()));
                }
            }
            return;
        }
        if ecosystems.is_empty() {
            self.summary.other_ecosystems += 1;
            return;
        }
        for (eco, name, adv) in osv::split(record) {
            let slot = self.data.entry(eco).or_default().entry(name).or_default();
            match slot.get(&adv.id) {
                Some(old) if old.modified > adv.modified => {}
                _ => {
                    slot.insert(adv.id.clone(), adv);
                }
            }
        }
    }

    /// Add every `.json`, `.yaml` and `.yml` file under a directory.
    ///
    /// # Errors
    /// When the directory cannot be read at all.
    pub fn add_dir(&mut self, dir: &Path) -> Result<(), DbError> {
        let mut stack = vec![dir.to_path_buf()];
        let mut seen = 0usize;
        while let Some(d) = stack.pop() {
            let entries = fs::read_dir(&d).map_err(|e| io_err(&d, e))?;
            let mut names: Vec<_> = entries.filter_map(Result::ok).collect();
            names.sort_by_key(fs::DirEntry::file_name);
            for entry in names {
                let path = entry.path();
                let Ok(ft) = entry.file_type() else { continue };
                if ft.is_dir() {
                    seen += 1;
                    if seen < 1_000_000 {
                        stack.push(path);
                    }
                    continue;
                }
                if !ft.is_file() {
                    continue;
                }
                let name = path.display().to_string();
                if !(name.ends_with(".json") || name.ends_with(".yaml") || name.ends_with(".yml")) {
                    continue;
                }
                match read_bounded(&path) {
                    Ok(bytes) => self.add_document(&name, &bytes),
                    Err(reason) => self
                        .summary
                        .problems
                        .push(ImportProblem { path: name, reason }),
                }
            }
        }
        Ok(())
    }

    /// Add every advisory file in a zip (an OSV ecosystem export, `all.zip`).
    ///
    /// # Errors
    /// When the zip cannot be opened.
    pub fn add_zip<R: Read + Seek>(&mut self, label: &str, reader: R) -> Result<(), DbError> {
        let mut zip = zip::ZipArchive::new(reader).map_err(|e| DbError::Invalid {
            path: label.to_owned(),
            reason: format!("not a readable zip: {e}"),
        })?;
        let mut total = 0u64;
        for i in 0..zip.len() {
            let mut entry = match zip.by_index(i) {
                Ok(e) => e,
                Err(e) => {
                    self.summary.problems.push(ImportProblem {
                        path: format!("{label}!/#{i}"),
                        reason: e.to_string(),
                    });
                    continue;
                }
            };
            let name = entry.name().map(|n| n.to_string()).unwrap_or_default();
            if entry.is_dir()
                || !(name.ends_with(".json") || name.ends_with(".yaml") || name.ends_with(".yml"))
            {
                continue;
            }
            let shown = format!("{label}!/{name}");
            if entry.size() > MAX_RECORD_BYTES {
                self.summary.problems.push(ImportProblem {
                    path: shown,
                    reason: format!("larger than {MAX_RECORD_BYTES} bytes; skipped"),
                });
                continue;
            }
            let mut bytes = Vec::new();
            if let Err(e) = (&mut entry)
                .take(MAX_RECORD_BYTES + 1)
                .read_to_end(&mut bytes)
            {
                self.summary.problems.push(ImportProblem {
                    path: shown,
                    reason: e.to_string(),
                });
                continue;
            }
            total += bytes.len() as u64;
            if total > MAX_ZIP_TOTAL {
                self.summary.problems.push(ImportProblem {
                    path: label.to_owned(),
                    reason: format!("more than {MAX_ZIP_TOTAL} bytes uncompressed; stopped"),
                });
                break;
            }
            self.add_document(&shown, &bytes);
        }
        Ok(())
    }

    /// Drop everything staged for other ecosystems.
    pub fn retain_ecosystem(&mut self, eco: Ecosystem) {
        self.data.retain(|e, _| *e == eco);
        self.withdrawn.retain(|(e, _, _)| *e == eco);
    }

    /// The ecosystems this staging area has data for.
    #[must_use]
    pub fn ecosystems(&self) -> Vec<Ecosystem> {
        self.data.keys().copied().collect()
    }
}

fn read_bounded(path: &Path) -> Result<Vec<u8>, String> {
    let f = fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    f.take(MAX_RECORD_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_RECORD_BYTES {
        return Err(format!("larger than {MAX_RECORD_BYTES} bytes; skipped"));
    }
    Ok(bytes)
}

/// How staged advisories combine with what the database already holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Merge by advisory id (newer `modified` wins); withdrawn ids are removed.
    Merge,
    /// Replace each staged ecosystem entirely (an update from a full export).
    Replace,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Read the database's meta file; an absent database is `Ok(None)`.
///
/// # Errors
/// When the file exists but cannot be read or parsed.
pub fn read_meta(dir: &Path) -> Result<Option<Meta>, DbError> {
    let p = dir.join("meta.json");
    match fs::read(&p) {
        Ok(bytes) => {
            let meta: Meta = serde_json::from_slice(&bytes).map_err(|e| DbError::Invalid {
                path: p.display().to_string(),
                reason: e.to_string(),
            })?;
            if meta.format != FORMAT {
                return Err(DbError::Invalid {
                    path: p.display().to_string(),
                    reason: format!(
                        "database format {} (this vendorsec reads {FORMAT}); run `vendorsec db update` or `db import` again",
                        meta.format
                    ),
                });
            }
            Ok(Some(meta))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_err(&p, e)),
    }
}

/// Write staged advisories into the database directory.
///
/// # Errors
/// On any I/O error; files are written beside the old ones and renamed into place.
pub fn commit(
    dir: &Path,
    mut staging: Staging,
    mode: Mode,
    source: &str,
) -> Result<ImportSummary, DbError> {
    fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
    let mut meta = read_meta(dir)?.unwrap_or(Meta {
        format: FORMAT,
        ecosystems: BTreeMap::new(),
    });
    let touched: Vec<Ecosystem> = {
        let mut t = staging.ecosystems();
        for (e, _, _) in &staging.withdrawn {
            if !t.contains(e) {
                t.push(*e);
            }
        }
        t
    };
    for eco in touched {
        let mut merged: BTreeMap<String, BTreeMap<String, Advisory>> = BTreeMap::new();
        if mode == Mode::Merge {
            for line in read_all_lines(dir, eco)? {
                let slot = merged.entry(line.name).or_default();
                for a in line.advisories {
                    slot.insert(a.id.clone(), a);
                }
            }
        }
        for (name, advisories) in staging.data.remove(&eco).unwrap_or_default() {
            let slot = merged.entry(name).or_default();
            for (id, a) in advisories {
                match slot.get(&id) {
                    Some(old) if old.modified > a.modified => {}
                    _ => {
                        slot.insert(id, a);
                    }
                }
            }
        }
        for (e, name, id) in &staging.withdrawn {
            if *e == eco
                && let Some(slot) = merged.get_mut(name)
            {
                slot.remove(id);
            }
        }
        merged.retain(|_, v| !v.is_empty());
        let em = write_ecosystem(dir, eco, &merged, source)?;
        staging
            .summary
            .per_ecosystem
            .insert(eco.osv_name().to_owned(), em.clone());
        meta.ecosystems.insert(eco.osv_name().to_owned(), em);
    }
    let p = dir.join("meta.json");
    let tmp = dir.join("meta.json.tmp");
    let text = serde_json::to_vec_pretty(&meta).map_err(|e| DbError::Invalid {
        path: p.display().to_string(),
        reason: e.to_string(),
    })?;
    fs::write(&tmp, text).map_err(|e| io_err(&tmp, e))?;
    fs::rename(&tmp, &p).map_err(|e| io_err(&p, e))?;
    Ok(staging.summary)
}

fn write_ecosystem(
    dir: &Path,
    eco: Ecosystem,
    packages: &BTreeMap<String, BTreeMap<String, Advisory>>,
    source: &str,
) -> Result<EcosystemMeta, DbError> {
    let stem = file_stem(eco);
    let dat = dir.join(format!("{stem}.dat"));
    let idx = dir.join(format!("{stem}.idx"));
    let mut data: Vec<u8> = Vec::new();
    let mut index = String::new();
    let mut ids = std::collections::HashSet::new();
    let mut newest = String::new();
    for (name, advisories) in packages {
        let line = Line {
            name: name.clone(),
            advisories: advisories.values().cloned().collect(),
        };
        for a in &line.advisories {
            ids.insert(a.id.clone());
            if a.modified > newest {
                newest.clone_from(&a.modified);
            }
        }
        let start = data.len();
        serde_json::to_writer(&mut data, &line).map_err(|e| DbError::Invalid {
            path: dat.display().to_string(),
            reason: e.to_string(),
        })?;
        data.push(b'\n');
        // Names never hold tabs or newlines in any registry; replace defensively.
        let safe: String = name
            .chars()
            .map(|c| if c == '\t' || c == '\n' { ' ' } else { c })
            .collect();
        index.push_str(&format!("{safe}\t{start}\t{}\n", data.len() - start));
    }
    for (path, bytes) in [(&dat, data.as_slice()), (&idx, index.as_bytes())] {
        let tmp = path.with_extension("tmp");
        fs::write(&tmp, bytes).map_err(|e| io_err(&tmp, e))?;
        fs::rename(&tmp, path).map_err(|e| io_err(path, e))?;
    }
    Ok(EcosystemMeta {
        advisories: ids.len() as u64,
        packages: packages.len() as u64,
        updated: now(),
        source: source.to_owned(),
        newest,
    })
}

fn read_all_lines(dir: &Path, eco: Ecosystem) -> Result<Vec<Line>, DbError> {
    let dat = dir.join(format!("{}.dat", file_stem(eco)));
    let bytes = match fs::read(&dat) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_err(&dat, e)),
    };
    bytes
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            serde_json::from_slice::<Line>(l).map_err(|e| DbError::Invalid {
                path: dat.display().to_string(),
                reason: e.to_string(),
            })
        })
        .collect()
}

/// An opened database: the indexes of the ecosystems asked for.
pub struct Db {
    dir: PathBuf,
    pub meta: Meta,
    indexes: HashMap<Ecosystem, HashMap<String, (u64, u64)>>,
}

impl Db {
    /// Open the database and read the indexes of `ecosystems`; `Ok(None)` when there is
    /// no database in `dir`.
    ///
    /// # Errors
    /// When the database exists but is unreadable or damaged.
    pub fn open(dir: &Path, ecosystems: &[Ecosystem]) -> Result<Option<Db>, DbError> {
        let Some(meta) = read_meta(dir)? else {
            return Ok(None);
        };
        let mut indexes = HashMap::new();
        for eco in ecosystems {
            if !meta.ecosystems.contains_key(eco.osv_name()) {
                continue;
            }
            let p = dir.join(format!("{}.idx", file_stem(*eco)));
            let text = fs::read_to_string(&p).map_err(|e| io_err(&p, e))?;
            let mut map = HashMap::new();
            for (n, line) in text.lines().enumerate() {
                let mut parts = line.rsplitn(3, '\t');
                let (Some(len), Some(off), Some(name)) = (parts.next(), parts.next(), parts.next())
                else {
                    return Err(DbError::Invalid {
                        path: p.display().to_string(),
                        reason: format!("line {}: not `name<TAB>offset<TAB>length`", n + 1),
                    });
                };
                let (Ok(off), Ok(len)) = (off.parse::<u64>(), len.parse::<u64>()) else {
                    return Err(DbError::Invalid {
                        path: p.display().to_string(),
                        reason: format!("line {}: bad offset or length", n + 1),
                    });
                };
                map.insert(name.to_owned(), (off, len));
            }
            indexes.insert(*eco, map);
        }
        Ok(Some(Db {
            dir: dir.to_path_buf(),
            meta,
            indexes,
        }))
    }

    /// Whether the database has data for an ecosystem.
    #[must_use]
    pub fn has(&self, eco: Ecosystem) -> bool {
        self.indexes.contains_key(&eco)
    }

    /// The advisories stored for several packages of one ecosystem (names already
    /// normalised), read with one open of the data file.
    ///
    /// # Errors
    /// When the data file is unreadable or a line does not parse.
    pub fn lookup_many(
        &self,
        eco: Ecosystem,
        names: &[String],
    ) -> Result<HashMap<String, Vec<Advisory>>, DbError> {
        let mut out = HashMap::new();
        let Some(index) = self.indexes.get(&eco) else {
            return Ok(out);
        };
        let mut wanted: Vec<(&String, u64, u64)> = names
            .iter()
            .filter_map(|n| index.get(n).map(|(o, l)| (n, *o, *l)))
            .collect();
        if wanted.is_empty() {
            return Ok(out);
        }
        wanted.sort_by_key(|w| w.1);
        wanted.dedup_by_key(|w| w.1);
        let p = self.dir.join(format!("{}.dat", file_stem(eco)));
        let mut f = fs::File::open(&p).map_err(|e| io_err(&p, e))?;
        let mut buf = Vec::new();
        for (name, off, len) in wanted {
            buf.clear();
            buf.resize(usize::try_from(len).unwrap_or(0), 0);
            f.seek(SeekFrom::Start(off)).map_err(|e| io_err(&p, e))?;
            f.read_exact(&mut buf).map_err(|e| io_err(&p, e))?;
            let line: Line = serde_json::from_slice(&buf).map_err(|e| DbError::Invalid {
                path: p.display().to_string(),
                reason: format!("record of {name}: {e}"),
            })?;
            out.insert(name.clone(), line.advisories);
        }
        Ok(out)
    }
}
