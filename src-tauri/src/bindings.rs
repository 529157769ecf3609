//! Types that cross the IPC boundary; their TypeScript twins in `ui/src/bindings/` are generated
//! by ts-rs, with `commands.ts` (typed wrappers for every command) written from `ipc.rs`.

use std::collections::BTreeSet;

use ndtms_dataset::ReferenceInfo;
use ndtms_errors::ErrorCode;
use ndtms_store::{Agency, Session};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Every failed command answers with this; the UI branches on `code`, never on `message`.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Internal, message)
    }
}

/// A dataset the agency may report, with the words the screens show for it (from the core).
#[derive(Debug, Clone, Serialize, TS)]
pub struct DatasetChoice {
    pub code: String,
    pub label: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct AppInfo {
    pub name: String,
    pub version: String,
    pub reference: ReferenceInfo,
    pub datasets: Vec<DatasetChoice>,
}

/// Which screen the app shows next.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum StoreStatus {
    NeedsSetUp,
    Unlock { passphrase: bool },
    Recover { reason: String },
    LogIn { agency: Agency },
    LoggedIn { session: Session, agency: Agency },
}

/// The first-run wizard's answers. Without a passphrase the key goes to the system keychain.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct SetUpRequest {
    pub agency_code: String,
    pub agency_name: String,
    pub dataset: String,
    pub username: String,
    pub display_name: String,
    pub password: String,
    /// The password typed a second time; the core says when the two differ.
    pub password_again: String,
    pub passphrase: Option<String>,
    /// The passphrase typed a second time.
    pub passphrase_again: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct SetUpResult {
    pub recovery_key: String,
}

/// A user an administrator adds; the password is a first one, changed at first log-in.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct NewUserRequest {
    pub username: String,
    pub display_name: String,
    pub role: ndtms_store::Role,
    pub password: String,
}

/// An agency code the catalogue accepts, as it will be kept (capitals, no spaces).
#[derive(Debug, Clone, Serialize, TS)]
pub struct AgencyCheck {
    pub code: String,
}

/// The reference data the logged-in user's checks use, and where it comes from.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ReferenceSetting {
    /// The provider's folder chosen for this database, or None for the shipped copy.
    pub folder: Option<String>,
    pub reference: ReferenceInfo,
}

/// `log_in` → `logIn`: Tauri takes argument names in camelCase, and the UI names commands so.
fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut up = false;
    for c in snake.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The typed command wrappers, one per command in `ipc.rs`: renaming a command or an argument
/// there changes this file, and the UI's type check then fails where it is called.
pub fn commands_ts(cfg: &ts_rs::Config, exported: &BTreeSet<String>) -> String {
    let sigs = crate::ipc::signatures(cfg);
    let mut used = BTreeSet::new();
    let mut body = String::new();
    for s in &sigs {
        let types = s.args.iter().map(|(_, t)| t).chain([&s.answer]);
        for t in types {
            for word in t.split(|c: char| !c.is_ascii_alphanumeric() && c != '_') {
                if exported.contains(word) {
                    used.insert(word.to_owned());
                }
            }
        }
        let params = s
            .args
            .iter()
            .map(|(n, t)| format!("{}: {t}", camel(n)))
            .collect::<Vec<_>>()
            .join(", ");
        let args = s
            .args
            .iter()
            .map(|(n, _)| camel(n))
            .collect::<Vec<_>>()
            .join(", ");
        let args = if args.is_empty() {
            "{}".to_owned()
        } else {
            format!("{{ {args} }}")
        };
        body.push_str(&format!(
            "  /**{} */\n  {}: ({params}): Promise<{}> => call(\"{}\", {args}),\n",
            s.doc,
            camel(s.name),
            s.answer,
            s.name
        ));
    }
    let imports = used
        .iter()
        .map(|t| format!("import type {{ {t} }} from \"./{t}\";\n"))
        .collect::<String>();
    format!(
        "// Generated from src-tauri/src/ipc.rs by the bindings test. Do not edit this file manually.\n\
         import {{ call }} from \"../ipc\";\n{imports}\n\
         /** Every IPC command, typed; each rejects with an `AppError`. */\n\
         export const commands = {{\n{body}}};\n\n\
         export type CommandName = {};\n",
        sigs.iter()
            .map(|s| format!("\"{}\"", s.name))
            .collect::<Vec<_>>()
            .join(" | ")
    )
}

/// Writes every IPC type, with the types it uses, and `commands.ts` into `cfg`'s folder.
pub fn export_all(cfg: &ts_rs::Config) -> Result<(), ts_rs::ExportError> {
    AppError::export_all(cfg)?;
    AppInfo::export_all(cfg)?;
    StoreStatus::export_all(cfg)?;
    SetUpRequest::export_all(cfg)?;
    SetUpResult::export_all(cfg)?;
    AgencyCheck::export_all(cfg)?;
    ReferenceSetting::export_all(cfg)?;
    Session::export_all(cfg)?;
    NewUserRequest::export_all(cfg)?;
    ndtms_store::caseload::CaseloadQuery::export_all(cfg)?;
    ndtms_store::caseload::CaseloadPage::export_all(cfg)?;
    ndtms_store::client_view::ClientView::export_all(cfg)?;
    ndtms_submission::client_page::ClientPage::export_all(cfg)?;
    ndtms_submission::client_page::ClientFlags::export_all(cfg)?;
    ndtms_dataset::Form::export_all(cfg)?;
    ndtms_store::new_client::NewClient::export_all(cfg)?;
    ndtms_store::new_client::NewClientCheck::export_all(cfg)?;
    ndtms_store::assignment::Keyworker::export_all(cfg)?;
    ndtms_store::deletion::Deletion::export_all(cfg)?;
    ndtms_store::audit::RecordChange::export_all(cfg)?;
    ndtms_store::records::Entity::export_all(cfg)?;
    ndtms_store::record_form::RecordForm::export_all(cfg)?;
    ndtms_store::record_form::DraftItem::export_all(cfg)?;
    ndtms_store::records::RecordKey::export_all(cfg)?;
    ndtms_store::users::UserSummary::export_all(cfg)?;
    ndtms_store::submissions::Submission::export_all(cfg)?;
    ndtms_submission::month::MonthPlan::export_all(cfg)?;
    ndtms_submission::quality::Dashboard::export_all(cfg)?;
    ndtms_submission::import::ImportPlan::export_all(cfg)?;
    ndtms_submission::month::MonthSettings::export_all(cfg)?;
    ndtms_submission::job::JobStatus::export_all(cfg)?;
    ndtms_submission::job::ReportSummary::export_all(cfg)?;
    ndtms_submission::job::FindingsPage::export_all(cfg)?;
    ndtms_store::record_form::FindingPlace::export_all(cfg)?;
    crate::commands::SavedExtract::export_all(cfg)?;
    crate::commands::ConfirmedUpload::export_all(cfg)?;
    crate::commands::RecoveryKeyShown::export_all(cfg)?;
    crate::commands::AuditCheck::export_all(cfg)?;
    crate::commands::AgencySettings::export_all(cfg)?;
    ndtms_store::backup::BackupCheck::export_all(cfg)?;
    ndtms_store::transfer_attempts::UnfinishedTransfer::export_all(cfg)?;
    ndtms_store::backup_schedule::BackupSchedule::export_all(cfg)?;
    let dir = cfg.out_dir();
    let exported = std::fs::read_dir(dir)?
        .flatten()
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".ts"))
                .map(str::to_owned)
        })
        .collect();
    std::fs::write(dir.join("commands.ts"), commands_ts(cfg, &exported))?;
    Ok(())
}
