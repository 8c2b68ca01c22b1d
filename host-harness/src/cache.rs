//! The compiled-component cache: a component compiled once is kept as wasmtime's serialized
//! artifact, keyed by the component's bytes, this crate's version and the engine's
//! `precompile_compatibility_hash`, so that a second process loads it in about a millisecond
//! instead of compiling it (about 120 ms).
//!
//! An entry is native code the process will run, so it is trusted only when
//! - it is intact: the file holds a SHA-256 of the artifact, checked before wasmtime sees it
//!   (a truncated or bit-flipped entry is not loaded);
//! - it is the user's: on Unix the directory and the entry must belong to the user running the
//!   process and be writable by nobody else (a shared or planted `LAMBDA_INVOKE_CACHE_DIR` is
//!   not used);
//! - it was written whole: through a new temporary file (`O_EXCL`, mode 0600) renamed into place.
//!
//! Anything else, a stale entry included, is never fatal: the component is compiled again (and
//! the entry rewritten where the directory is ours).

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use sha2::{Digest as _, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

use crate::runtime::CacheSetting;

/// The first bytes of an entry: the format, then the SHA-256 of the artifact that follows.
const MAGIC: &[u8; 8] = b"LICACHE1";
/// The largest entry read (the task's artifact is well under a megabyte).
const MAX_ENTRY: u64 = 64 << 20;

/// The cache directory of a setting, if any.
pub fn directory(setting: &CacheSetting) -> Option<PathBuf> {
    match setting {
        CacheSetting::Disabled => None,
        CacheSetting::Dir(dir) => Some(dir.clone()),
        CacheSetting::Default => default_directory(|name| std::env::var(name).ok()),
    }
}

/// `$LAMBDA_INVOKE_CACHE_DIR`, else `$XDG_CACHE_HOME/lambda-invoke`, else
/// `$HOME/.cache/lambda-invoke`, from the environment `get` reads.
pub fn default_directory(get: impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let var = |name: &str| get(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    var("LAMBDA_INVOKE_CACHE_DIR")
        .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("lambda-invoke")))
        .or_else(|| var("HOME").map(|d| d.join(".cache").join("lambda-invoke")))
}

/// The entry's file name for `bytes` on `engine`.
fn key(engine: &Engine, bytes: &[u8]) -> String {
    let mut hasher = DefaultHasher::new();
    bytes.hash(&mut hasher);
    env!("CARGO_PKG_VERSION").hash(&mut hasher);
    engine.precompile_compatibility_hash().hash(&mut hasher);
    format!("component-{:016x}.cwasm", hasher.finish())
}

/// The component in `bytes`, from the cache when it has a trustworthy entry.
pub fn load(engine: &Engine, bytes: &[u8], setting: &CacheSetting) -> Result<Component> {
    let compile = || {
        Component::new(engine, bytes)
            .map_err(anyhow::Error::from)
            .context("cannot compile the component")
    };
    let Some(dir) = directory(setting) else {
        return compile();
    };
    let path = dir.join(key(engine, bytes));
    if path.is_file()
        && let Ok(component) = deserialize(engine, &dir, &path)
    {
        return Ok(component);
    }
    let component = compile()?;
    // A cache that cannot be written only costs time; say nothing.
    let _ = store(&component, &dir, &path);
    Ok(component)
}

/// The artifact of the entry at `path`, if the entry is intact and the user's own.
fn read_entry(dir: &Path, path: &Path) -> Result<Vec<u8>> {
    ensure_private(&std::fs::symlink_metadata(dir)?, dir)?;
    // The entry is opened without following a link, and checked as opened (not by its path,
    // which could change between a check and the open).
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NOFOLLOW);
    let mut file = options.open(path)?;
    ensure_private(&file.metadata()?, path)?;
    let mut entry = Vec::new();
    std::io::Read::read_to_end(&mut std::io::Read::take(&mut file, MAX_ENTRY + 1), &mut entry)?;
    let Some(rest) = entry.strip_prefix(MAGIC.as_slice()) else {
        bail!("not a cache entry of this format");
    };
    if rest.len() < 32 || entry.len() as u64 > MAX_ENTRY {
        bail!("truncated or oversized entry");
    }
    let (digest, artifact) = rest.split_at(32);
    if Sha256::digest(artifact).as_slice() != digest {
        bail!("the entry does not match its checksum");
    }
    Ok(artifact.to_vec())
}

#[allow(unsafe_code)]
fn deserialize(engine: &Engine, dir: &Path, path: &Path) -> Result<Component> {
    let artifact = read_entry(dir, path)?;
    // SAFETY: wasmtime requires that the bytes be an artifact that wasmtime serialized, since
    // they run as native code. `read_entry` has checked that the entry is the user's own, in a
    // directory nobody else can write, and that it is exactly what `store` wrote (its SHA-256);
    // wasmtime itself rejects artifacts of another version or engine configuration, and the key
    // covers both.
    unsafe { Component::deserialize(engine, &artifact) }.map_err(anyhow::Error::from)
}

fn store(component: &Component, dir: &Path, path: &Path) -> Result<()> {
    create_private_dir(dir)?;
    ensure_private(&std::fs::symlink_metadata(dir)?, dir)?;
    let artifact = component.serialize().map_err(anyhow::Error::from)?;
    let mut entry = Vec::with_capacity(MAGIC.len() + 32 + artifact.len());
    entry.extend_from_slice(MAGIC);
    entry.extend_from_slice(&Sha256::digest(&artifact));
    entry.extend_from_slice(&artifact);
    let temporary = dir.join(format!(
        ".{}.{:016x}.tmp",
        path.file_name().unwrap_or_default().to_string_lossy(),
        random_u64()
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options
        .open(&temporary)
        .and_then(|mut file| file.write_all(&entry).and_then(|()| file.sync_all()));
    let renamed = written.and_then(|()| std::fs::rename(&temporary, path));
    if renamed.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    Ok(renamed?)
}

/// A number no other process is likely to pick at the same moment, for temporary names.
fn random_u64() -> u64 {
    use std::hash::BuildHasher as _;
    std::collections::hash_map::RandomState::new().hash_one((std::process::id(), std::time::Instant::now()))
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
}

/// On Unix: the file or directory at `path`, described by `metadata` (not following links),
/// belongs to the user running the process, and nobody else may write it.
#[allow(unsafe_code)]
fn ensure_private(metadata: &std::fs::Metadata, path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        // SAFETY: geteuid has no preconditions and cannot fail.
        let user = unsafe { libc::geteuid() };
        if metadata.uid() != user {
            bail!("{} belongs to another user", path.display());
        }
        if metadata.mode() & 0o022 != 0 {
            bail!("{} is writable by others", path.display());
        }
        if metadata.file_type().is_symlink() {
            bail!("{} is a symbolic link", path.display());
        }
    }
    #[cfg(not(unix))]
    let _ = (metadata, path);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A new cache directory named after `test`, with the embedded component loaded (and so
    /// stored) once: the directory, the engine, the setting and the entry's path.
    fn filled_cache(test: &str) -> (PathBuf, Engine, CacheSetting, PathBuf) {
        let dir = std::env::temp_dir().join(format!("lambda-invoke-cache-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let engine = Engine::new(&crate::Runtime::engine_config(None)).unwrap();
        let setting = CacheSetting::Dir(dir.clone());
        load(&engine, crate::EMBEDDED_COMPONENT, &setting).unwrap();
        let path = dir.join(key(&engine, crate::EMBEDDED_COMPONENT));
        (dir, engine, setting, path)
    }

    #[test]
    fn a_second_load_comes_from_the_cache_and_a_corrupt_entry_is_replaced() {
        let (dir, engine, setting, path) = filled_cache("test");
        let bytes = crate::EMBEDDED_COMPONENT;
        assert!(path.is_file(), "the compiled component is stored");
        let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
        load(&engine, bytes, &setting).unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().modified().unwrap(),
            modified,
            "loaded, not rewritten"
        );

        // Corrupt entries of every kind are compiled again and replaced: another format, a
        // truncated entry, and one byte flipped in the artifact (wasmtime's own checks would
        // not see that one: the checksum does).
        let good = std::fs::read(&path).unwrap();
        let mut flipped = good.clone();
        let middle = flipped.len() / 2;
        flipped[middle] ^= 0x40;
        for corrupt in [
            b"not a compiled component".to_vec(),
            good[..good.len() / 2].to_vec(),
            flipped,
        ] {
            std::fs::write(&path, &corrupt).unwrap();
            assert!(read_entry(&dir, &path).is_err(), "a corrupt entry is never read");
            load(&engine, bytes, &setting).expect("a corrupt entry falls back to compiling");
            assert_eq!(std::fs::read(&path).unwrap(), good, "and is replaced");
        }
        let mut config = crate::Runtime::engine_config(None);
        config.epoch_interruption(false);
        let other = Engine::new(&config).unwrap();
        assert_ne!(
            key(&engine, bytes),
            key(&other, bytes),
            "the engine's configuration is part of the key"
        );
        assert_ne!(key(&engine, bytes), key(&engine, b"another component"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_directory_others_can_write_is_not_trusted() {
        use std::os::unix::fs::PermissionsExt as _;
        let (dir, engine, setting, path) = filled_cache("shared");
        let bytes = crate::EMBEDDED_COMPONENT;
        assert!(read_entry(&dir, &path).is_ok());
        // World-writable directory: anyone could have planted the entry.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        let error = read_entry(&dir, &path).unwrap_err().to_string();
        assert!(error.contains("writable by others"), "{error}");
        load(&engine, bytes, &setting).expect("compiled instead");
        // Group-writable entry in a private directory.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o660)).unwrap();
        assert!(read_entry(&dir, &path).is_err());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
