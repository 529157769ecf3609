//! The set of reference-data files a catalogue is loaded from: the shipped copy or a provider's folder.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::ReferenceError;

mod shipped {
    include!(concat!(env!("OUT_DIR"), "/shipped.rs"));
}

/// Where a [`FileSet`] came from, shown wherever the reference-data version is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The copy built into this program from the repository's `reference-data/`.
    Shipped,
    /// A folder chosen by the provider (CLI `--reference-data` or the app setting).
    Folder(PathBuf),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Shipped => f.write_str("shipped with NDTMS Desk"),
            Origin::Folder(p) => write!(f, "{}", p.display()),
        }
    }
}

/// The CSV files of a reference-data folder, keyed by their `/`-separated relative path.
#[derive(Debug, Clone)]
pub struct FileSet {
    pub origin: Origin,
    pub files: BTreeMap<String, Vec<u8>>,
}

impl FileSet {
    /// The reference data compiled into this binary.
    pub fn shipped() -> Self {
        let files = shipped::SHIPPED
            .iter()
            .map(|(path, bytes)| ((*path).to_owned(), bytes.to_vec()))
            .collect();
        Self {
            origin: Origin::Shipped,
            files,
        }
    }

    /// Reads every `.csv` file under `dir` (recursively).
    pub fn from_dir(dir: &Path) -> Result<Self, ReferenceError> {
        let mut files = BTreeMap::new();
        if !dir.is_dir() {
            return Err(ReferenceError::NotAFolder(dir.to_path_buf()));
        }
        read_dir_into(dir, dir, &mut files)?;
        Ok(Self {
            origin: Origin::Folder(dir.to_path_buf()),
            files,
        })
    }

    /// Writes the files into `dir`, a new or empty folder (nothing is overwritten): the start
    /// of a provider's own copy, or the shipped tables to read.
    pub fn write_to(&self, dir: &Path) -> Result<(), ReferenceError> {
        let io = |path: &Path, source| ReferenceError::Io {
            path: path.to_path_buf(),
            source,
        };
        if std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some()) {
            let taken = std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "the folder is not empty; choose a new or empty one",
            );
            return Err(io(dir, taken));
        }
        for (rel, bytes) in &self.files {
            let path = dir.join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
            }
            std::fs::write(&path, bytes).map_err(|e| io(&path, e))?;
        }
        Ok(())
    }

    /// SHA-256 over every file, in path order, each as `path NUL length(u64 LE) bytes`, so
    /// that renaming, moving or editing any file changes it while the folder's location does not.
    pub fn sha256(&self) -> String {
        let mut hasher = Sha256::new();
        for (path, bytes) in &self.files {
            hasher.update(path.as_bytes());
            hasher.update([0u8]);
            hasher.update((bytes.len() as u64).to_le_bytes());
            hasher.update(bytes);
        }
        hex(&hasher.finalize())
    }
}

fn read_dir_into(
    base: &Path,
    dir: &Path,
    files: &mut BTreeMap<String, Vec<u8>>,
) -> Result<(), ReferenceError> {
    let io = |path: &Path, source| ReferenceError::Io {
        path: path.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(|e| io(dir, e))? {
        let path = entry.map_err(|e| io(dir, e))?.path();
        if path.is_dir() {
            read_dir_into(base, &path, files)?;
        } else if path.extension().is_some_and(|e| e == "csv") {
            let bytes = std::fs::read(&path).map_err(|e| io(&path, e))?;
            let rel = path
                .strip_prefix(base)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            files.insert(rel, bytes);
        }
    }
    Ok(())
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}
