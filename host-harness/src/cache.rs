//! The compiled-component cache: a component compiled once is kept as wasmtime's serialized
//! artifact, keyed by the component's bytes, this crate's version and the engine's
//! `precompile_compatibility_hash`, so that a second process loads it in well under a millisecond
//! instead of compiling it (about 90 ms). A stale, corrupt or unreadable entry is never fatal:
//! the component is compiled again and the entry rewritten.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use wasmtime::Engine;
use wasmtime::component::Component;

use crate::runtime::CacheSetting;

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

/// The component in `bytes`, from the cache when it has it.
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
    // A stale or corrupt entry fails to deserialize: compile and replace it below.
    if path.is_file()
        && let Ok(component) = deserialize(engine, &path)
    {
        return Ok(component);
    }
    let component = compile()?;
    // A cache that cannot be written only costs time; say nothing.
    let _ = store(&component, &dir, &path);
    Ok(component)
}

#[allow(unsafe_code)]
fn deserialize(engine: &Engine, path: &Path) -> Result<Component> {
    // SAFETY: wasmtime requires that the file be an artifact that wasmtime serialized, since it is
    // mapped and run as native code. Entries are only ever written by `store` below, through a
    // temporary file renamed into place (so never seen half-written), in a directory created
    // private to the user (0700); wasmtime itself rejects artifacts of another version or engine
    // configuration, and the key already covers both. Whoever can write that directory can
    // already run code as the user.
    unsafe { Component::deserialize_file(engine, path) }.map_err(anyhow::Error::from)
}

fn store(component: &Component, dir: &Path, path: &Path) -> Result<()> {
    create_private_dir(dir)?;
    let bytes = component.serialize().map_err(anyhow::Error::from)?;
    let temporary = dir.join(format!(
        ".{}.{}.tmp",
        std::process::id(),
        path.file_name().unwrap_or_default().to_string_lossy()
    ));
    std::fs::write(&temporary, bytes)?;
    std::fs::rename(&temporary, path)?;
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_load_comes_from_the_cache_and_a_corrupt_entry_is_replaced() {
        let dir = std::env::temp_dir().join(format!("lambda-invoke-cache-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let engine = Engine::new(&crate::Runtime::engine_config(None)).unwrap();
        let setting = CacheSetting::Dir(dir.clone());
        let bytes = crate::EMBEDDED_COMPONENT;
        load(&engine, bytes, &setting).unwrap();
        let path = dir.join(key(&engine, bytes));
        assert!(path.is_file(), "the compiled component is stored");
        let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
        load(&engine, bytes, &setting).unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().modified().unwrap(),
            modified,
            "loaded, not rewritten"
        );

        std::fs::write(&path, b"not a compiled component").unwrap();
        load(&engine, bytes, &setting).expect("a corrupt entry falls back to compiling");
        assert!(std::fs::read(&path).unwrap().len() > 1000, "and is replaced");
        let mut config = crate::Runtime::engine_config(None);
        config.consume_fuel(false);
        let other = Engine::new(&config).unwrap();
        assert_ne!(
            key(&engine, bytes),
            key(&other, bytes),
            "the engine's configuration is part of the key"
        );
        assert_ne!(key(&engine, bytes), key(&engine, b"another component"));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
