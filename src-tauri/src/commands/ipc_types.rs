//! `ui/types/ipc.d.ts`: the TypeScript declaration of every type a command takes or returns,
//! generated from the Rust types with ts-rs. The screens' JSDoc imports them, so `tsc -p
//! ui/tsconfig.json` fails on a field renamed on one side only, and the test below fails
//! while the file is stale. Regenerate with `UPDATE_IPC_TYPES=1 cargo test --lib ipc_types`.

use crate::commands::AppInfo;
use crate::commands::registration::DocumentToAnswer;
use crate::commands::settings::SettingsView;
use crate::error::CommandError;
use crate::secrets::SecretStoreStatus;
use crate::updates::{UpdateState, UpdateView};
use registro_core::audit_log::{AuditEntry, AuditFilter, AuditPage};
use registro_core::backup::RestoreOutcome;
use registro_core::config::{KeyOnDisk, Settings, SettingsProblem, SmtpSecurity, SmtpSettings};
use registro_core::consents::{ConsentStanding, LaterAnswer};
use registro_core::domain::{
    AffiliateKind, AttemptOutcome, Clerk, DocumentKind, EmailKind, EmailState, Field, FieldError,
    PhoneCountry, RegistrationState, Role, SupervisorApproval, SyncState,
};
use registro_core::erasure::{ErasureDone, ErasureRight};
use registro_core::followups::{EmailSent, PhoneRectified, RevealedSerial};
use registro_core::legal::LegalDocument;
use registro_core::readiness::{ReadinessCheck, ReadinessItem};
use registro_core::receipt::{Receipt, ReceiptContact, ReceiptDocument};
use registro_core::registration::{
    ConsentAnswer, FieldCheck, IdentifiedAffiliate, RegistrationForm, RegistrationReceipt,
};
use registro_core::reports::{DayFigures, ExportFormat, Figures, Report, ReportRow, ReportScope};
use registro_core::roster::{ImportProgress, ImportReport, LineError, RosterSummary};
use registro_core::search::{
    AttemptView, ConsentFormCollected, ConsentView, EmailView, Promise, RegistrationDetail,
    RegistrationRecord, RegistrationSummary, SearchReach, SearchResults,
};
use registro_core::staff::{NewStaffMember, SessionView, StaffMember};
use registro_core::startup::{StartupProblem, StartupProblemKind};
use registro_core::store::backup::{BackupFailure, BackupInfo};
use registro_core::sync::{RecordProblem, RegistrationElsewhere, SyncStatus};
use registro_core::validation::ValidationOutcome;
use registro_core::work_queues::{
    BulkResend, EmailNeedingAttention, LockedAffiliation, PendingValidation, QueueCounts,
    ResendSkipped, SyncProblem, SyncProblemKind, WorkQueues,
};
use std::collections::BTreeSet;
use ts_rs::{Config, TS};

const FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/ui/types/ipc.d.ts");
const REGENERATE: &str = "UPDATE_IPC_TYPES=1 cargo test --lib ipc_types";

/// One exported declaration and the names of the declared types it refers to.
struct Declaration {
    name: String,
    text: String,
    uses: Vec<String>,
}

fn declare<T: TS + 'static>(cfg: &Config) -> Declaration {
    Declaration {
        name: T::ident(cfg),
        text: format!("{}export {}", T::docs().unwrap_or_default(), T::decl(cfg)),
        uses: T::dependencies(cfg)
            .into_iter()
            .map(|d| d.ts_name)
            .collect(),
    }
}

/// Every type that crosses the IPC, grouped by screen; enums reached through a struct are
/// listed too (the completeness test below says when one is missing).
fn declarations() -> Vec<Declaration> {
    // The JSON carries plain numbers (counts, ids, seconds), never a BigInt.
    let cfg = &Config::new().with_large_int("number");
    macro_rules! declare_all {
        ($($t:ty),+ $(,)?) => { vec![$(declare::<$t>(cfg)),+] };
    }
    declare_all![
        // Every command's failure.
        CommandError,
        FieldError,
        Field,
        // Status bar.
        AppInfo,
        RosterSummary,
        SyncStatus,
        RecordProblem,
        SyncState,
        // Registration.
        FieldCheck,
        LegalDocument,
        DocumentToAnswer,
        DocumentKind,
        RegistrationForm,
        PhoneCountry,
        ConsentAnswer,
        RegistrationReceipt,
        IdentifiedAffiliate,
        AffiliateKind,
        Receipt,
        ReceiptDocument,
        ReceiptContact,
        // Validation.
        ValidationOutcome,
        // Search and follow-ups.
        SearchResults,
        SearchReach,
        RegistrationElsewhere,
        RegistrationSummary,
        RegistrationState,
        RegistrationRecord,
        RegistrationDetail,
        ConsentView,
        ConsentStanding,
        LaterAnswer,
        ConsentFormCollected,
        EmailView,
        EmailKind,
        EmailState,
        AttemptView,
        AttemptOutcome,
        Promise,
        EmailSent,
        RevealedSerial,
        PhoneRectified,
        ErasureRight,
        ErasureDone,
        SupervisorApproval,
        // Roster.
        ImportProgress,
        ImportReport,
        LineError,
        // Settings.
        SettingsView,
        SettingsProblem,
        ReadinessCheck,
        ReadinessItem,
        KeyOnDisk,
        Settings,
        SmtpSettings,
        SmtpSecurity,
        SecretStoreStatus,
        // Session and staff.
        SessionView,
        Clerk,
        Role,
        StaffMember,
        NewStaffMember,
        // Updates.
        UpdateView,
        UpdateState,
        // Backups, and the rescue screen.
        BackupInfo,
        BackupFailure,
        RestoreOutcome,
        StartupProblem,
        StartupProblemKind,
        // Reports («Reportes»).
        Report,
        ReportScope,
        ReportRow,
        DayFigures,
        Figures,
        ExportFormat,
        // «Pendientes».
        WorkQueues,
        QueueCounts,
        PendingValidation,
        EmailNeedingAttention,
        SyncProblem,
        SyncProblemKind,
        LockedAffiliation,
        BulkResend,
        ResendSkipped,
        // The audit log viewer.
        AuditFilter,
        AuditPage,
        AuditEntry,
    ]
}

fn generate() -> String {
    let mut out = format!(
        "// Generated from the Rust types by the test src-tauri/src/commands/ipc_types.rs (ts-rs).\n\
         // Do not edit: change the Rust type, then run `{REGENERATE}`.\n"
    );
    for declaration in declarations() {
        out.push('\n');
        out.push_str(&declaration.text);
        out.push('\n');
    }
    out
}

/// The generated file matches the Rust types. A stale file would let `tsc` pass screens
/// that read a field the command no longer sends.
#[test]
fn typescript_declarations_are_current() {
    let fresh = generate();
    if std::env::var_os("UPDATE_IPC_TYPES").is_some() {
        std::fs::write(FILE, &fresh).unwrap_or_else(|e| panic!("{FILE}: {e}"));
        return;
    }
    // Git may check the file out with CRLF on Windows.
    let stored = std::fs::read_to_string(FILE)
        .unwrap_or_default()
        .replace("\r\n", "\n");
    if stored != fresh {
        let first_difference = stored
            .lines()
            .zip(fresh.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| stored.lines().count().min(fresh.lines().count()));
        panic!(
            "ui/types/ipc.d.ts is stale (first difference at line {}: «{}» should be «{}»).\n\
             Regenerate it with `{REGENERATE}`, run `node_modules/.bin/tsc -p ui/tsconfig.json` \
             and commit both.",
            first_difference + 1,
            stored
                .lines()
                .nth(first_difference)
                .unwrap_or("(end of file)"),
            fresh
                .lines()
                .nth(first_difference)
                .unwrap_or("(end of file)"),
        );
    }
}

/// The screens' words for states and answers are the core's one table
/// (core/src/domain/words.rs), written out as `ui/shared/palabras.js`.
#[test]
fn the_screens_words_are_the_cores_table() {
    const WORDS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/ui/shared/palabras.js");
    let fresh = registro_core::domain::words::screen_table_js();
    if std::env::var_os("UPDATE_IPC_TYPES").is_some() {
        std::fs::write(WORDS, &fresh).unwrap_or_else(|e| panic!("{WORDS}: {e}"));
        return;
    }
    let stored = std::fs::read_to_string(WORDS)
        .unwrap_or_default()
        .replace("\r\n", "\n");
    assert!(
        stored == fresh,
        "ui/shared/palabras.js is stale: regenerate it with `{REGENERATE}` and commit it"
    );
}

/// A type reached only through another one (an enum inside a struct) is declared too, and
/// none twice: otherwise the file would name a type it never declares.
#[test]
fn every_type_the_declarations_use_is_declared() {
    let declarations = declarations();
    let mut declared = BTreeSet::new();
    for d in &declarations {
        assert!(
            declared.insert(d.name.as_str()),
            "{} is listed twice",
            d.name
        );
    }
    let missing: BTreeSet<(&str, &str)> = declarations
        .iter()
        .flat_map(|d| d.uses.iter().map(move |u| (d.name.as_str(), u.as_str())))
        .filter(|(_, used)| !declared.contains(used))
        .collect();
    assert!(
        missing.is_empty(),
        "add these to declarations() in src-tauri/src/commands/ipc_types.rs: {missing:?} (user, used)"
    );
}
