//! Files only the user can read: folders made 0700 and files made 0600 when they are created
//! (never widened and narrowed after), new files written beside their place and linked in without
//! overwriting, replacements renamed over and the folder synced.
//!
//! Client data may leave the encrypted database only as files the user asked for (an extract, its
//! manifest, a report, a backup); each is written through here so that no other account on the
//! machine can read it, a crash never leaves half a file under the final name, and a symbolic link
//! planted at the final name or the temporary one is never followed.

use std::fs::{File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

/// What went wrong, and with which file.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{0} already exists; nothing was overwritten")]
    Exists(PathBuf),
    #[error("{0} did not read back as written (the disk or drive may be failing)")]
    Differs(PathBuf),
}

pub type Result<T> = std::result::Result<T, FileError>;

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> FileError + '_ {
    move |source| FileError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Makes `dir` and any missing parents, each new one readable by this user alone (0700).
/// A folder that exists is left as it is: it may be a shared drive the user chose.
pub fn private_dir(dir: &Path) -> Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir).map_err(io_at(dir))
}

/// Narrows an existing folder to this user alone (the data folder of an older installation).
pub fn narrow_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let meta = std::fs::symlink_metadata(dir).map_err(io_at(dir))?;
        if meta.is_dir() && meta.permissions().mode() & 0o077 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .map_err(io_at(dir))?;
        }
    }
    let _ = dir;
    Ok(())
}

/// Creates a file that did not exist, readable and writable by this user alone (0600). Fails if
/// anything is at `path`, a symbolic link included (O_CREAT | O_EXCL does not follow one).
pub fn create_new(path: &Path) -> Result<File> {
    let mut o = OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(path).map_err(|e| {
        if e.kind() == io::ErrorKind::AlreadyExists {
            FileError::Exists(path.to_path_buf())
        } else {
            FileError::Io {
                path: path.to_path_buf(),
                source: e,
            }
        }
    })
}

/// Syncs a folder, so a rename or link in it survives a power cut.
pub fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_at(dir))?;
    let _ = dir;
    Ok(())
}

/// A temporary name beside `name`, hidden, and not one a user would pick.
fn temporary(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!(".{name}.partial"))
}

/// Writes `bytes` to a new temporary file in `dir` (0600), syncs it and returns its path. A
/// temporary file left by a crash is removed first (removing never follows a link).
fn write_temporary(dir: &Path, name: &str, bytes: &[u8], read_back: bool) -> Result<PathBuf> {
    let temp = temporary(dir, name);
    match std::fs::remove_file(&temp) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_at(&temp)(e)),
    }
    let written = (|| {
        let mut f = create_new(&temp)?;
        f.write_all(bytes).map_err(io_at(&temp))?;
        f.sync_all().map_err(io_at(&temp))?;
        drop(f);
        if read_back && std::fs::read(&temp).map_err(io_at(&temp))? != bytes {
            return Err(FileError::Differs(dir.join(name)));
        }
        Ok(())
    })();
    match written {
        Ok(()) => Ok(temp),
        Err(e) => {
            let _ = std::fs::remove_file(&temp);
            Err(e)
        }
    }
}

/// Writes a new file `dir/name` (0600) that must not exist: written in full to a temporary file
/// beside it, synced, read back and compared, then linked into place (a link never replaces what
/// is there) and the folder synced. On any failure the temporary file is removed and nothing is
/// left under the final name. `dir` is made (0700) if missing.
pub fn write_new(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf> {
    private_dir(dir)?;
    let target = dir.join(name);
    if std::fs::symlink_metadata(&target).is_ok() {
        return Err(FileError::Exists(target));
    }
    let temp = write_temporary(dir, name, bytes, true)?;
    let placed = match std::fs::hard_link(&temp, &target) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            Err(FileError::Exists(target.clone()))
        }
        // Drives without links (FAT on a memory stick): the name was checked free just above,
        // and the user chose this drive, so a plain rename is the best left.
        Err(_) => std::fs::rename(&temp, &target).map_err(io_at(&target)),
    };
    let _ = std::fs::remove_file(&temp);
    placed?;
    sync_dir(dir)?;
    Ok(target)
}

/// Replaces `dir/name` with `bytes` (0600) in one step: a crash leaves the old file or the new
/// one whole, never half of either. The folder is synced after the rename.
pub fn replace(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf> {
    let target = dir.join(name);
    let temp = write_temporary(dir, name, bytes, false)?;
    if let Err(e) = std::fs::rename(&temp, &target) {
        let _ = std::fs::remove_file(&temp);
        return Err(io_at(&target)(e));
    }
    sync_dir(dir)?;
    Ok(target)
}

/// Reads a file through its own name only: a symbolic link is refused rather than followed.
pub fn read_plain(path: &Path) -> Result<Vec<u8>> {
    let meta = std::fs::symlink_metadata(path).map_err(io_at(path))?;
    if meta.file_type().is_symlink() {
        return Err(io_at(path)(io::Error::new(
            io::ErrorKind::InvalidInput,
            "it is a symbolic link; give the file itself",
        )));
    }
    std::fs::read(path).map_err(io_at(path))
}

/// The permission bits of a path (without following a link), for tests and checks.
#[cfg(unix)]
pub fn mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::symlink_metadata(path)
        .ok()
        .map(|m| m.permissions().mode() & 0o777)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn new_files_are_private_and_never_overwrite() {
        let root = tempfile::tempdir().expect("temp");
        let dir = root.path().join("out").join("deeper");
        let path = write_new(&dir, "a.csv", b"one").expect("write");
        assert_eq!(mode(&path), Some(0o600));
        assert_eq!(mode(&dir), Some(0o700));
        assert_eq!(mode(&root.path().join("out")), Some(0o700));
        assert!(matches!(
            write_new(&dir, "a.csv", b"two"),
            Err(FileError::Exists(_))
        ));
        assert_eq!(std::fs::read(&path).expect("read"), b"one");
        assert!(!temporary(&dir, "a.csv").exists());
    }

    #[test]
    fn a_link_planted_at_the_name_or_the_temporary_name_is_not_followed() {
        let root = tempfile::tempdir().expect("temp");
        let victim = root.path().join("victim");
        std::fs::write(&victim, b"keep").expect("victim");
        let dir = root.path().join("out");
        private_dir(&dir).expect("dir");
        std::os::unix::fs::symlink(&victim, dir.join("a.csv")).expect("link");
        assert!(matches!(
            write_new(&dir, "a.csv", b"x"),
            Err(FileError::Exists(_))
        ));
        std::os::unix::fs::symlink(&victim, temporary(&dir, "b.csv")).expect("link");
        write_new(&dir, "b.csv", b"new").expect("write past the planted link");
        assert_eq!(std::fs::read(&victim).expect("read"), b"keep");
        assert_eq!(std::fs::read(dir.join("b.csv")).expect("read"), b"new");
        assert!(read_plain(&dir.join("a.csv")).is_err());
    }

    #[test]
    fn a_failed_write_leaves_no_temporary_file_and_nothing_at_the_name() {
        let root = tempfile::tempdir().expect("temp");
        let dir = root.path().join("out");
        private_dir(&dir).expect("dir");
        // A folder where the temporary file would go makes the write fail part-way.
        std::fs::create_dir(temporary(&dir, "c.csv").join("x").parent().expect("p"))
            .expect("block");
        std::fs::write(temporary(&dir, "c.csv").join("x"), b"").expect("fill");
        assert!(write_new(&dir, "c.csv", b"x").is_err());
        assert!(!dir.join("c.csv").exists());
    }

    #[test]
    fn replace_swaps_the_whole_file_and_keeps_it_private() {
        let root = tempfile::tempdir().expect("temp");
        let p = replace(root.path(), "k.json", b"old").expect("first");
        assert_eq!(mode(&p), Some(0o600));
        replace(root.path(), "k.json", b"new").expect("second");
        assert_eq!(std::fs::read(&p).expect("read"), b"new");
        assert!(!temporary(root.path(), "k.json").exists());
    }
}
