//! [`FsBlobStore`]: evidence files in a local directory, named by their SHA-256 and spread over
//! 256 subdirectories. Writes go to a temporary file first and are renamed into place, so a
//! crash never leaves a half-written file under a real key.

use daftar_domain::blob::BlobStore;
use daftar_domain::{Error, Result};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Blobs under a directory.
#[derive(Debug, Clone)]
pub struct FsBlobStore {
    root: PathBuf,
}

impl FsBlobStore {
    /// A store under `root` (created when missing).
    pub fn new(root: impl Into<PathBuf>) -> Result<Self> {
        let root = root.into();
        std::fs::create_dir_all(&root)
            .map_err(|e| Error::store(format!("blob directory {}: {e}", root.display())))?;
        Ok(Self { root })
    }

    fn path(&self, key: &str) -> Result<PathBuf> {
        if key.len() != 64 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::not_found("blob.not_found"));
        }
        Ok(self.root.join(&key[..2]).join(key))
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }
}

impl BlobStore for FsBlobStore {
    fn put(&self, bytes: &[u8]) -> Result<String> {
        let key = hex::encode(Sha256::digest(bytes));
        let path = self.path(&key)?;
        if path.exists() {
            return Ok(key);
        }
        let dir = path.parent().unwrap_or(&self.root);
        std::fs::create_dir_all(dir).map_err(|e| Error::store(format!("blob dir: {e}")))?;
        let tmp = dir.join(format!(".{key}.{}", ulid::Ulid::new()));
        std::fs::write(&tmp, bytes).map_err(|e| Error::store(format!("blob write: {e}")))?;
        std::fs::rename(&tmp, &path).map_err(|e| Error::store(format!("blob rename: {e}")))?;
        Ok(key)
    }

    fn get(&self, key: &str) -> Result<Vec<u8>> {
        std::fs::read(self.path(key)?).map_err(|_| Error::not_found("blob.not_found"))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn bytes_round_trip_by_hash() {
        let dir = tempfile::tempdir().unwrap();
        let s = FsBlobStore::new(dir.path()).unwrap();
        let k = s.put(b"%PDF-1.4 hello").unwrap();
        assert_eq!(s.put(b"%PDF-1.4 hello").unwrap(), k);
        assert_eq!(s.get(&k).unwrap(), b"%PDF-1.4 hello");
        assert_eq!(s.get("../etc/passwd").unwrap_err().code, "blob.not_found");
        assert_eq!(s.get(&"0".repeat(64)).unwrap_err().code, "blob.not_found");
    }
}
