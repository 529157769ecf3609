//! Database keys: random 256-bit keys, kept in the OS keychain or wrapped with a passphrase, and the recovery key.

use std::path::{Path, PathBuf};

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::{ErrorCode, Result, StoreError};

/// The 256-bit SQLCipher key; wiped from memory when dropped, never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop, PartialEq, Eq)]
pub struct DatabaseKey([u8; 32]);

impl std::fmt::Debug for DatabaseKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DatabaseKey(..)")
    }
}

fn random<const N: usize>() -> Result<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| {
        StoreError::Internal(format!("no randomness from the operating system: {e}"))
    })?;
    Ok(b)
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

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

impl DatabaseKey {
    pub fn generate() -> Result<Self> {
        Ok(Self(random()?))
    }

    /// The `PRAGMA key` literal: a raw key, so SQLCipher skips its own key derivation.
    pub(crate) fn pragma_literal(&self) -> String {
        format!("\"x'{}'\"", hex(&self.0))
    }

    /// A short fingerprint that identifies the key without revealing it.
    pub fn fingerprint(&self) -> String {
        hex(&Sha256::digest(self.0)[..6])
    }

    fn to_hex(&self) -> String {
        hex(&self.0)
    }

    fn from_hex(s: &str) -> Option<Self> {
        let v = unhex(s.trim())?;
        Some(Self(v.try_into().ok()?))
    }
}

/// The one-time recovery key shown at set-up: 32 random bytes as 13 groups of 4 base-32 letters.
#[derive(Clone, Zeroize, ZeroizeOnDrop, PartialEq, Eq)]
pub struct RecoveryKey([u8; 32]);

impl std::fmt::Debug for RecoveryKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecoveryKey(..)")
    }
}

// Crockford's alphabet: no I, L, O or U, so it reads back well from paper.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

impl RecoveryKey {
    pub fn generate() -> Result<Self> {
        Ok(Self(random()?))
    }

    /// As printed for the user: `XXXX-XXXX-…` (52 letters; the last group carries 4 spare bits).
    pub fn display(&self) -> String {
        let mut bits: u32 = 0;
        let mut n = 0;
        let mut out = String::new();
        for &b in &self.0 {
            bits = (bits << 8) | u32::from(b);
            n += 8;
            while n >= 5 {
                n -= 5;
                out.push(char::from(ALPHABET[((bits >> n) & 31) as usize]));
            }
        }
        if n > 0 {
            out.push(char::from(ALPHABET[((bits << (5 - n)) & 31) as usize]));
        }
        out.as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("-")
    }

    /// Reads a recovery key as typed: case, spaces and dashes do not matter; O reads as 0, I and L as 1.
    pub fn parse(s: &str) -> Result<Self> {
        let mut bits: u32 = 0;
        let mut n = 0;
        let mut out = Vec::with_capacity(32);
        let mut count = 0;
        for ch in s.chars().filter(|c| !c.is_whitespace() && *c != '-') {
            let c = match ch.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            };
            let v = ALPHABET
                .iter()
                .position(|&a| char::from(a) == c)
                .ok_or_else(|| {
                    StoreError::BadRecoveryKey(format!("'{ch}' is not one of its letters"))
                })?;
            count += 1;
            bits = (bits << 5) | v as u32;
            n += 5;
            if n >= 8 {
                n -= 8;
                if out.len() < 32 {
                    out.push((bits >> n) as u8);
                }
            }
        }
        if count != 52 {
            return Err(StoreError::BadRecoveryKey(format!(
                "it has {count} letters, not 52"
            )));
        }
        Ok(Self(out.try_into().map_err(|_| {
            StoreError::BadRecoveryKey("wrong length".into())
        })?))
    }
}

/// One wrapped copy of the database key.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct Wrapped {
    nonce: String,
    ciphertext: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct PassphraseWrap {
    kdf: String,
    m_cost_kib: u32,
    t_cost: u32,
    p_cost: u32,
    salt: String,
    #[serde(flatten)]
    wrapped: Wrapped,
}

pub const KEY_FILE: &str = "ndtms-desk.keys.json";

/// How the key of a database is kept; stored beside it in `ndtms-desk.keys.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyRoute {
    /// The key is in the OS keychain (Secret Service, Credential Manager, Keychain).
    Keychain,
    /// The key is wrapped with a passphrase (Argon2id) in the key file; for secure settings.
    Passphrase,
}

/// The key file: never holds the key in clear, only wrapped copies.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct KeyFile {
    pub version: u32,
    pub route: KeyRoute,
    /// Names the keychain entry (service "NDTMS Desk", this account).
    pub keychain_account: String,
    pub fingerprint: String,
    passphrase: Option<PassphraseWrap>,
    recovery: Wrapped,
    /// Present only while a re-key is under way (see `rekey.rs`): whichever key the database
    /// turns out to have, it can be reached from either secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rekeying: Option<Box<Rekeying>>,
    /// Keys this database had before a re-key, so backups made then still restore: each wrapped
    /// under the present key and under the present recovery key.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    earlier: Vec<EarlierKey>,
    /// The key that seals the audit trail, wrapped under the database key (see `audit.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    audit: Option<AuditSeal>,
    /// The audit trail's head when it was last anchored here, outside the database.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_head: Option<AuditHead>,
    /// Set while a restore is under way: the backup and where its trail ends, so a restore cut
    /// short after the data was put back is finished (audited, re-anchored) on the next open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restoring: Option<Restoring>,
}

/// A restore begun and not yet anchored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Restoring {
    pub from: String,
    /// The backup's trail's last entry.
    pub head: AuditHead,
    /// What it replaces, said in the restore's audit entry.
    pub replaced: String,
}

/// The two keys of a re-key that has begun and not yet been settled.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct Rekeying {
    /// The key file as it was before: its secrets open the database if the re-key never ran.
    previous: KeyFile,
    /// The new key wrapped under the old, and the old under the new.
    next_under_previous: Wrapped,
    previous_under_next: Wrapped,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct EarlierKey {
    fingerprint: String,
    under_key: Wrapped,
    under_recovery: Wrapped,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct AuditSeal {
    /// Entries from this number on are sealed with the key; earlier ones (made before sealing
    /// existed) keep their plain SHA-256 chain.
    keyed_from: i64,
    wrapped: Wrapped,
}

/// Where the audit trail ended when it was anchored: kept in the key file, each backup's key
/// file and each extract's manifest, so a trail cut short or put back is found.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, ts_rs::TS)]
pub struct AuditHead {
    pub seq: i64,
    pub hash: String,
    pub at: String,
    /// The records' change counter when anchored.
    pub stamp: i64,
}

fn wrap(kek: &[u8; 32], key: &DatabaseKey) -> Result<Wrapped> {
    wrap_bytes(kek, &key.0)
}

fn wrap_bytes(kek: &[u8; 32], secret: &[u8]) -> Result<Wrapped> {
    let nonce: [u8; 24] = random()?;
    let cipher = XChaCha20Poly1305::new(kek.into());
    let ct = cipher
        .encrypt(XNonce::from_slice(&nonce), secret)
        .map_err(|_| StoreError::Internal("key wrapping failed".into()))?;
    Ok(Wrapped {
        nonce: hex(&nonce),
        ciphertext: hex(&ct),
    })
}

fn unwrap_bytes(kek: &[u8; 32], w: &Wrapped) -> Option<Vec<u8>> {
    let nonce = unhex(&w.nonce)?;
    let ct = unhex(&w.ciphertext)?;
    if nonce.len() != 24 {
        return None;
    }
    let cipher = XChaCha20Poly1305::new(kek.into());
    cipher
        .decrypt(XNonce::from_slice(&nonce), ct.as_slice())
        .ok()
}

fn unwrap(kek: &[u8; 32], w: &Wrapped) -> Option<DatabaseKey> {
    let mut pt = unwrap_bytes(kek, w)?;
    let key = pt.as_slice().try_into().ok().map(DatabaseKey);
    pt.zeroize();
    key
}

/// Argon2id cost: 64 MiB, 3 passes (OWASP's recommended floor is 19 MiB, 2 passes).
pub const PASSPHRASE_COST: (u32, u32, u32) = (64 * 1024, 3, 1);

/// Whether a key file's passphrase cost is one NDTMS Desk could have made. A file that asks for
/// less would let a guesser go faster; one that asks for more could hang the machine; either
/// means it was altered, so the passphrase is not tried with it.
pub fn passphrase_cost_allowed((m, t, p): (u32, u32, u32)) -> bool {
    (19 * 1024..=1024 * 1024).contains(&m) && (2..=16).contains(&t) && (1..=8).contains(&p)
}

fn passphrase_kek(passphrase: &str, salt: &[u8], cost: (u32, u32, u32)) -> Result<[u8; 32]> {
    let params = Params::new(cost.0, cost.1, cost.2, Some(32))
        .map_err(|e| StoreError::Internal(e.to_string()))?;
    let mut out = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), salt, &mut out)
        .map_err(|e| StoreError::Internal(e.to_string()))?;
    Ok(out)
}

/// A key-encryption key made from the database key, for what is wrapped under it.
fn key_kek(key: &DatabaseKey) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"ndtms-desk wrapped under the database key v1");
    h.update(key.0);
    h.finalize().into()
}

fn recovery_kek(recovery: &RecoveryKey) -> [u8; 32] {
    // The recovery key has full entropy; hashing separates its use from any other.
    let mut h = Sha256::new();
    h.update(b"ndtms-desk recovery key v1");
    h.update(recovery.0);
    h.finalize().into()
}

impl KeyFile {
    pub fn new(
        route: KeyRoute,
        account: &str,
        key: &DatabaseKey,
        passphrase: Option<&str>,
        recovery: &RecoveryKey,
    ) -> Result<Self> {
        let passphrase = match (route, passphrase) {
            (KeyRoute::Passphrase, Some(p)) => {
                check_passphrase(p)?;
                let salt: [u8; 16] = random()?;
                let cost = PASSPHRASE_COST;
                let mut kek = passphrase_kek(p, &salt, cost)?;
                let wrapped = wrap(&kek, key)?;
                kek.zeroize();
                Some(PassphraseWrap {
                    kdf: "argon2id".into(),
                    m_cost_kib: cost.0,
                    t_cost: cost.1,
                    p_cost: cost.2,
                    salt: hex(&salt),
                    wrapped,
                })
            }
            (KeyRoute::Passphrase, None) => {
                return Err(StoreError::invalid(
                    ErrorCode::PassphraseMissing,
                    "a passphrase is needed",
                ));
            }
            (KeyRoute::Keychain, _) => None,
        };
        Ok(Self {
            version: 2,
            route,
            keychain_account: account.to_owned(),
            fingerprint: key.fingerprint(),
            passphrase,
            recovery: wrap(&recovery_kek(recovery), key)?,
            rekeying: None,
            earlier: Vec::new(),
            audit: None,
            audit_head: None,
            restoring: None,
        })
    }

    /// The key file for a re-key from `old_key` (this file) to `new_key`, not yet settled: its
    /// own secrets give the new key, the previous file's the old, and each key reaches the
    /// other. Earlier keys, the audit seal and the anchor carry over under the new secrets.
    pub(crate) fn rekeyed(
        &self,
        old_key: &DatabaseKey,
        new: KeyFile,
        new_key: &DatabaseKey,
        recovery: &RecoveryKey,
    ) -> Result<Self> {
        let mut earlier_keys = self.earlier_keys(old_key);
        earlier_keys.push(old_key.clone());
        let mut next = new;
        next.earlier = earlier_keys
            .iter()
            .map(|k| {
                Ok(EarlierKey {
                    fingerprint: k.fingerprint(),
                    under_key: wrap(&key_kek(new_key), k)?,
                    under_recovery: wrap(&recovery_kek(recovery), k)?,
                })
            })
            .collect::<Result<_>>()?;
        if let (Some(seal), Some(audit_key)) = (&self.audit, self.audit_key(old_key)) {
            next.audit = Some(AuditSeal {
                keyed_from: seal.keyed_from,
                wrapped: wrap_bytes(&key_kek(new_key), &audit_key)?,
            });
        }
        next.audit_head = self.audit_head.clone();
        let mut previous = self.clone();
        previous.rekeying = None;
        next.rekeying = Some(Box::new(Rekeying {
            previous,
            next_under_previous: wrap(&key_kek(old_key), new_key)?,
            previous_under_next: wrap(&key_kek(new_key), old_key)?,
        }));
        Ok(next)
    }

    /// Whether a re-key was begun and not settled.
    #[cfg(test)]
    pub(crate) fn is_rekeying(&self) -> bool {
        self.rekeying.is_some()
    }

    /// The settled file once the database is known to have `key`: the new file if the re-key
    /// ran, the previous one if it did not.
    pub(crate) fn settled_for(&self, key: &DatabaseKey) -> Option<KeyFile> {
        let r = self.rekeying.as_ref()?;
        if key.fingerprint() == self.fingerprint {
            let mut next = self.clone();
            next.rekeying = None;
            Some(next)
        } else if key.fingerprint() == r.previous.fingerprint {
            Some(r.previous.clone())
        } else {
            None
        }
    }

    /// Every key `unlocked` may be: itself and, mid re-key, the other one it reaches.
    pub(crate) fn candidates(&self, unlocked: DatabaseKey) -> Vec<DatabaseKey> {
        let mut out = vec![unlocked.clone()];
        if let Some(r) = &self.rekeying {
            let other = if unlocked.fingerprint() == self.fingerprint {
                unwrap(&key_kek(&unlocked), &r.previous_under_next)
            } else {
                unwrap(&key_kek(&unlocked), &r.next_under_previous)
            };
            out.extend(other);
        }
        out
    }

    /// The previous file mid re-key, whose secrets give the old key.
    pub(crate) fn previous(&self) -> Option<&KeyFile> {
        self.rekeying.as_ref().map(|r| &r.previous)
    }

    /// The keys this database had before its last re-keys, given its present key.
    pub(crate) fn earlier_keys(&self, key: &DatabaseKey) -> Vec<DatabaseKey> {
        self.earlier
            .iter()
            .filter_map(|e| unwrap(&key_kek(key), &e.under_key))
            .collect()
    }

    /// The keys this database had before, given its recovery key.
    pub(crate) fn earlier_keys_with_recovery(&self, recovery: &RecoveryKey) -> Vec<DatabaseKey> {
        self.earlier
            .iter()
            .filter_map(|e| unwrap(&recovery_kek(recovery), &e.under_recovery))
            .collect()
    }

    /// The same file with a new recovery key in place of the old: the key and every earlier key
    /// wrapped under it, so the old recovery key no longer opens this database.
    pub(crate) fn with_recovery(&self, key: &DatabaseKey, recovery: &RecoveryKey) -> Result<Self> {
        let mut next = self.clone();
        next.recovery = wrap(&recovery_kek(recovery), key)?;
        for e in &mut next.earlier {
            if let Some(k) = unwrap(&key_kek(key), &e.under_key) {
                e.under_recovery = wrap(&recovery_kek(recovery), &k)?;
            }
        }
        Ok(next)
    }

    /// The audit seal's key, given the database key.
    pub(crate) fn audit_key(&self, key: &DatabaseKey) -> Option<[u8; 32]> {
        let seal = self.audit.as_ref()?;
        let mut v = unwrap_bytes(&key_kek(key), &seal.wrapped)?;
        let k: Option<[u8; 32]> = v.as_slice().try_into().ok();
        v.zeroize();
        k
    }

    /// The first audit entry sealed with the key.
    pub(crate) fn audit_keyed_from(&self) -> Option<i64> {
        self.audit.as_ref().map(|s| s.keyed_from)
    }

    /// Gives this database an audit seal key (a new database, or one made before sealing).
    pub(crate) fn seal_audit(&mut self, key: &DatabaseKey, keyed_from: i64) -> Result<[u8; 32]> {
        let audit_key: [u8; 32] = random()?;
        self.audit = Some(AuditSeal {
            keyed_from,
            wrapped: wrap_bytes(&key_kek(key), &audit_key)?,
        });
        Ok(audit_key)
    }

    pub fn path(dir: &Path) -> PathBuf {
        dir.join(KEY_FILE)
    }

    pub fn read(dir: &Path) -> Result<Self> {
        let path = Self::path(dir);
        let bytes = std::fs::read(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                StoreError::NotFound(dir.to_path_buf())
            } else {
                StoreError::io(&path, e)
            }
        })?;
        Self::from_bytes(&path, &bytes)
    }

    /// Writes atomically and privately (0600), the folder synced after the rename: a crash
    /// leaves the old file or the new one, never half of either.
    pub fn write(&self, dir: &Path) -> Result<()> {
        ndtms_files::replace(dir, KEY_FILE, &self.to_bytes()?)?;
        Ok(())
    }

    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        serde_json::to_vec_pretty(self).map_err(|e| StoreError::Internal(e.to_string()))
    }

    pub fn from_bytes(path: &Path, bytes: &[u8]) -> Result<Self> {
        serde_json::from_slice(bytes).map_err(|e| StoreError::KeyFile {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    }

    pub fn unwrap_with_passphrase(&self, dir: &Path, passphrase: &str) -> Result<DatabaseKey> {
        let p = self.passphrase.as_ref().ok_or_else(|| {
            StoreError::invalid(
                ErrorCode::PassphraseNotUsed,
                "this database does not use a passphrase",
            )
        })?;
        let salt = unhex(&p.salt).ok_or_else(|| StoreError::KeyFile {
            path: Self::path(dir),
            message: "bad salt".into(),
        })?;
        let cost = (p.m_cost_kib, p.t_cost, p.p_cost);
        if !passphrase_cost_allowed(cost) {
            return Err(StoreError::KeyFile {
                path: Self::path(dir),
                message: format!(
                    "its passphrase cost ({} KiB, {} passes, {} lanes) is outside what NDTMS Desk makes, so it was not tried: the file may have been altered",
                    cost.0, cost.1, cost.2
                ),
            });
        }
        let mut kek = passphrase_kek(passphrase, &salt, cost)?;
        let key = unwrap(&kek, &p.wrapped);
        kek.zeroize();
        key.ok_or_else(|| StoreError::WrongPassphrase(dir.to_path_buf()))
    }

    pub fn unwrap_with_recovery(&self, recovery: &RecoveryKey) -> Result<DatabaseKey> {
        unwrap(&recovery_kek(recovery), &self.recovery).ok_or(StoreError::WrongRecoveryKey)
    }
}

/// A passphrase must be long enough to resist guessing at Argon2id's cost.
pub fn check_passphrase(p: &str) -> Result<()> {
    if p.chars().count() < 12 {
        return Err(StoreError::invalid(
            ErrorCode::PassphraseTooShort,
            "a passphrase needs at least 12 characters (a few words is easiest)",
        ));
    }
    Ok(())
}

/// The OS keychain, behind a trait so unit tests can inject failures.
pub trait Keychain: std::fmt::Debug + Send + Sync {
    fn get(&self, account: &str) -> std::result::Result<Option<String>, String>;
    fn set(&self, account: &str, secret: &str) -> std::result::Result<(), String>;
    fn delete(&self, account: &str) -> std::result::Result<(), String>;
}

/// The real keychain through the keyring crate.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemKeychain;

pub const KEYCHAIN_SERVICE: &str = "NDTMS Desk";

impl Keychain for SystemKeychain {
    fn get(&self, account: &str) -> std::result::Result<Option<String>, String> {
        let entry = keyring::Entry::new(KEYCHAIN_SERVICE, account).map_err(|e| e.to_string())?;
        match entry.get_password() {
            Ok(s) => Ok(Some(s)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }

    fn set(&self, account: &str, secret: &str) -> std::result::Result<(), String> {
        keyring::Entry::new(KEYCHAIN_SERVICE, account)
            .and_then(|e| e.set_password(secret))
            .map_err(|e| e.to_string())
    }

    fn delete(&self, account: &str) -> std::result::Result<(), String> {
        match keyring::Entry::new(KEYCHAIN_SERVICE, account).and_then(|e| e.delete_credential()) {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    }
}

pub(crate) fn keychain_store(kc: &dyn Keychain, account: &str, key: &DatabaseKey) -> Result<()> {
    kc.set(account, &key.to_hex())
        .map_err(StoreError::Keychain)?;
    // Read it back: some keychains accept a write they cannot return.
    match kc.get(account).map_err(StoreError::Keychain)? {
        Some(s) if DatabaseKey::from_hex(&s).as_ref() == Some(key) => Ok(()),
        _ => Err(StoreError::Keychain(
            "the keychain did not return the key just stored".into(),
        )),
    }
}

pub(crate) fn keychain_load(kc: &dyn Keychain, account: &str) -> Result<DatabaseKey> {
    match kc.get(account).map_err(StoreError::Keychain)? {
        Some(s) => DatabaseKey::from_hex(&s).ok_or_else(|| {
            StoreError::Keychain("the keychain entry does not hold a database key".into())
        }),
        None => Err(StoreError::KeyNotInKeychain(account.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_key_round_trips_through_its_printed_form() {
        for _ in 0..50 {
            let k = RecoveryKey::generate().expect("random");
            let shown = k.display();
            assert_eq!(shown.len(), 52 + 12);
            assert_eq!(RecoveryKey::parse(&shown).expect("parse"), k);
            assert_eq!(
                RecoveryKey::parse(&shown.to_lowercase().replace('-', " ")).expect("parse"),
                k
            );
        }
        assert!(RecoveryKey::parse("ABCD").is_err());
        assert!(RecoveryKey::parse(&"U".repeat(52)).is_err());
    }

    #[test]
    fn wrapping_needs_the_right_secret() {
        let key = DatabaseKey::generate().expect("random");
        let rk = RecoveryKey::generate().expect("random");
        let kf = KeyFile::new(KeyRoute::Keychain, "acct", &key, None, &rk).expect("key file");
        assert_eq!(kf.unwrap_with_recovery(&rk).expect("unwrap"), key);
        let other = RecoveryKey::generate().expect("random");
        assert!(matches!(
            kf.unwrap_with_recovery(&other),
            Err(StoreError::WrongRecoveryKey)
        ));
        assert!(!format!("{kf:?}").contains(&key.to_hex()));
        assert!(!format!("{key:?}").contains(&key.to_hex()[..8]));
    }

    #[test]
    fn short_passphrases_are_refused() {
        assert!(check_passphrase("short").is_err());
        assert!(check_passphrase("correct horse battery").is_ok());
    }

    /// A keychain that fails the way a locked or absent Secret Service does.
    #[derive(Debug)]
    struct Broken;
    impl Keychain for Broken {
        fn get(&self, _: &str) -> std::result::Result<Option<String>, String> {
            Err("org.freedesktop.DBus.Error.ServiceUnknown".into())
        }
        fn set(&self, _: &str, _: &str) -> std::result::Result<(), String> {
            Err("the collection is locked".into())
        }
        fn delete(&self, _: &str) -> std::result::Result<(), String> {
            Err("nope".into())
        }
    }

    /// A keychain that accepts writes and forgets them.
    #[derive(Debug)]
    struct Forgetful;
    impl Keychain for Forgetful {
        fn get(&self, _: &str) -> std::result::Result<Option<String>, String> {
            Ok(None)
        }
        fn set(&self, _: &str, _: &str) -> std::result::Result<(), String> {
            Ok(())
        }
        fn delete(&self, _: &str) -> std::result::Result<(), String> {
            Ok(())
        }
    }

    #[test]
    fn keychain_failures_are_clear() {
        let key = DatabaseKey::generate().expect("random");
        let e = keychain_store(&Broken, "a", &key).expect_err("fails");
        assert_eq!(e.code().as_str(), "store_keychain_failed");
        assert!(e.to_string().contains("the collection is locked"), "{e}");
        let e = keychain_store(&Forgetful, "a", &key).expect_err("fails");
        assert!(e.to_string().contains("did not return the key"), "{e}");
        let e = keychain_load(&Forgetful, "a").expect_err("fails");
        assert_eq!(e.code().as_str(), "store_key_not_in_keychain");
        assert!(e.to_string().contains("recovery key"), "{e}");
    }
}
