//! The stable error codes of every NDTMS Desk crate: one list, so the UI's `ErrorCode` union
//! and the CLI's exit codes are generated from the same place the errors are raised.
//!
//! Codes are part of the interface: the UI branches on them and scripts read them, so a code
//! once published keeps its text. Messages are for people and may change freely.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

macro_rules! codes {
    ($( $(#[doc = $doc:literal])* $variant:ident = $text:literal in $family:ident, )*) => {
        /// What went wrong, as a stable code (`{code, message}` at the IPC boundary).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
        pub enum ErrorCode {
            $( $(#[doc = $doc])* #[serde(rename = $text)] $variant, )*
        }

        impl ErrorCode {
            /// Every code, in the order declared.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The code as the UI and scripts see it.
            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $text,)* }
            }

            /// The broad kind of failure, which decides the CLI's exit status.
            pub fn family(self) -> Family {
                match self { $(ErrorCode::$variant => Family::$family,)* }
            }
        }
    };
}

/// Kinds of failure, for callers that act on the kind rather than the detail (exit statuses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// The input given (a value, a file, an argument) is not acceptable.
    Input,
    /// The reference data (the dataset tables) cannot be used.
    Reference,
    /// The database, its key or its folder cannot be used.
    Store,
    /// Log-in, session or role refused the action.
    Access,
    /// A transferred period protects the record.
    Locked,
    /// The portal, or the way to it, failed.
    Portal,
    /// Something this program did not expect: a bug or the system, never the user's input.
    Internal,
}

impl Family {
    /// The process exit status for this kind of failure (documented in the CLI's help).
    /// 1 is kept for "the file has errors", as `ndtms validate` says.
    pub fn exit_status(self) -> u8 {
        match self {
            Family::Input => 3,
            Family::Reference => 4,
            Family::Store => 5,
            Family::Access => 6,
            Family::Locked => 7,
            Family::Portal => 8,
            Family::Internal => 70,
        }
    }
}

codes! {
    // Reference data.
    ReferenceNotFound = "reference_not_found" in Reference,
    ReferenceUnreadable = "reference_unreadable" in Reference,
    ReferenceInvalid = "reference_invalid" in Reference,
    ReferenceNoVersion = "reference_no_version" in Reference,
    // Reporting periods.
    PeriodBadMonth = "period_bad_month" in Input,
    PeriodEndBeforeStart = "period_end_before_start" in Input,
    /// A moved end date falls before its data month begins.
    PeriodEndBeforeMonth = "period_end_before_month" in Input,
    /// A moved end date falls after today: the period cannot hold what has not happened.
    PeriodEndAfterToday = "period_end_after_today" in Input,
    /// A setting name the program does not know.
    SettingUnknown = "setting_unknown" in Input,
    /// A setting's value is not usable (the message says what it must be).
    SettingInvalid = "setting_invalid" in Input,
    IdleMinutesInvalid = "idle_minutes_invalid" in Input,
    AgencyNameInvalid = "agency_name_invalid" in Input,
    BackupKeepInvalid = "backup_keep_invalid" in Input,
    BackupEveryInvalid = "backup_every_invalid" in Input,
    // Files checked or imported.
    FileUnreadable = "file_unreadable" in Input,
    FileEmpty = "file_empty" in Input,
    FileHeaderOnly = "file_header_only" in Input,
    FileIo = "file_io" in Input,
    // The database and its keys.
    StoreWrongKey = "store_wrong_key" in Store,
    StoreWrongPassphrase = "store_wrong_passphrase" in Access,
    StoreWrongRecoveryKey = "store_wrong_recovery_key" in Access,
    StoreBadRecoveryKey = "store_bad_recovery_key" in Input,
    StoreKeyNotInKeychain = "store_key_not_in_keychain" in Store,
    StoreKeychainFailed = "store_keychain_failed" in Store,
    StoreNotFound = "store_not_found" in Store,
    StoreExists = "store_exists" in Store,
    StoreKeyFile = "store_key_file" in Store,
    StoreTooNew = "store_too_new" in Store,
    StoreDatabase = "store_database" in Store,
    StoreIo = "store_io" in Store,
    /// The app has no database open yet (unlock first).
    StoreClosed = "store_closed" in Store,
    BackupUnusable = "backup_unusable" in Store,
    /// A file the program would write is already there; nothing was overwritten.
    FileExists = "file_exists" in Input,
    // Set-up, users and passwords.
    AgencyCodeInvalid = "agency_code_invalid" in Input,
    DatasetUnknown = "dataset_unknown" in Input,
    UsernameInvalid = "username_invalid" in Input,
    UsernameTaken = "username_taken" in Input,
    PasswordTooShort = "password_too_short" in Input,
    PasswordsDiffer = "passwords_differ" in Input,
    PassphraseTooShort = "passphrase_too_short" in Input,
    PassphraseMissing = "passphrase_missing" in Input,
    PassphrasesDiffer = "passphrases_differ" in Input,
    PassphraseNotUsed = "passphrase_not_used" in Input,
    /// Neither a passphrase nor a recovery key was given to unlock.
    UnlockSecretMissing = "unlock_secret_missing" in Input,
    RoleUnknown = "role_unknown" in Input,
    DisplayNameMissing = "display_name_missing" in Input,
    /// The change would leave no active administrator.
    LastAdministrator = "last_administrator" in Input,
    /// The current password given to change it is not right.
    PasswordWrong = "password_wrong" in Access,
    /// The new password is the one it replaces.
    PasswordUnchanged = "password_unchanged" in Input,
    /// The user must choose a new password before doing anything else.
    PasswordChangeRequired = "password_change_required" in Access,
    FolderMissing = "folder_missing" in Input,
    // Log-in, sessions and roles.
    AuthBadLogin = "auth_bad_login" in Access,
    AuthThrottled = "auth_throttled" in Access,
    AuthLocked = "auth_locked" in Access,
    AuthForbidden = "auth_forbidden" in Access,
    AuthNotLoggedIn = "auth_not_logged_in" in Access,
    // Records.
    DateInvalid = "date_invalid" in Input,
    RecordKeyMissing = "record_key_missing" in Input,
    /// A new client's reference is blank or not a valid client ID.
    ClientReferenceInvalid = "client_reference_invalid" in Input,
    /// Another record in the same place already has this ID.
    RecordIdTaken = "record_id_taken" in Input,
    /// Another client already has this reference.
    ClientReferenceTaken = "client_reference_taken" in Input,
    /// A new client's consent answer is missing.
    ConsentMissing = "consent_missing" in Input,
    /// The keyworker named to hold a client is not an active user.
    KeyworkerUnknown = "keyworker_unknown" in Input,
    ImportNoKeyColumns = "import_no_key_columns" in Input,
    NotFound = "not_found" in Input,
    PeriodLocked = "period_locked" in Locked,
    /// A transfer's locked period cannot be read: nothing is changed until it is mended.
    PeriodLockUnreadable = "period_lock_unreadable" in Locked,
    /// A data lead changing a record in a transferred period gave no reason.
    LockReasonMissing = "lock_reason_missing" in Input,
    // The monthly submission.
    SubmissionIo = "submission_io" in Input,
    SubmissionFileExists = "submission_file_exists" in Input,
    SubmissionVerifyFailed = "submission_verify_failed" in Input,
    SubmissionBadFileName = "submission_bad_file_name" in Input,
    SubmissionHasErrors = "submission_has_errors" in Input,
    SubmissionNotSavedHere = "submission_not_saved_here" in Input,
    SubmissionAlreadyConfirmed = "submission_already_confirmed" in Input,
    SubmissionUnreadable = "submission_unreadable" in Input,
    /// No extract has been built and checked yet in this session.
    SubmissionNotReady = "submission_not_ready" in Input,
    /// The file is being sent already.
    SubmissionBusy = "submission_busy" in Input,
    /// The submission named does not lock a period (already unlocked, or an extract).
    PeriodNotLocked = "period_not_locked" in Input,
    /// A file offered for import is not a readable CDS-R file; nothing was changed.
    ImportRefused = "import_refused" in Input,
    PortalBadAddress = "portal_bad_address" in Portal,
    PortalLoginRefused = "portal_login_refused" in Portal,
    PortalRefused = "portal_refused" in Portal,
    PortalUnreachable = "portal_unreachable" in Portal,
    PortalTimeout = "portal_timeout" in Portal,
    PortalBadAnswer = "portal_bad_answer" in Portal,
    // The command line.
    UsageInvalid = "usage_invalid" in Input,
    /// The IPC call itself failed (the UI's own code, never raised in Rust).
    IpcFailed = "ipc_failed" in Internal,
    Internal = "internal" in Internal,
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case_and_serialise_as_their_text() {
        let mut seen = std::collections::HashSet::new();
        for &c in ErrorCode::ALL {
            let s = c.as_str();
            assert!(seen.insert(s), "{s} twice");
            assert!(
                s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{s} is not snake_case"
            );
            assert_eq!(serde_json::to_string(&c).unwrap(), format!("\"{s}\""));
        }
        let decl = ErrorCode::decl(&ts_rs::Config::new());
        assert!(decl.contains("\"agency_code_invalid\""), "{decl}");
    }

    #[test]
    fn exit_statuses_never_collide_with_validation_failures() {
        for &c in ErrorCode::ALL {
            let st = c.family().exit_status();
            assert!(
                st >= 3,
                "{c} exits {st}: 1 means 'the file has errors', 2 is usage"
            );
        }
    }
}
