//! One voice: everything a clerk or an affiliate reads says *usted*, and no stored state
//! name (`pendiente_validacion`) or a state in the wrong gender («el registro está
//! cancelada») reaches a sentence. Read from the sources themselves: the screens' texts,
//! the page, the emails, the receipt, the legal texts, the core's and the central
//! service's messages.

use std::path::{Path, PathBuf};

/// Words only the *tú* form uses (the third person, which *usted* shares, is not here:
/// «revisa» may be «el núcleo revisa»).
const TU_FORMS: &[&str] = &[
    "tú",
    "tu",
    "tus",
    "te",
    "ti",
    "contigo",
    "puedes",
    "tienes",
    "quieres",
    "debes",
    "recibirás",
    "podrás",
    "deberás",
    "tendrás",
    "quisiste",
    "olvidaste",
    "recibiste",
    "avísanos",
    "tenlo",
    "guárdalo",
    "ignóralo",
    "comunícate",
    "escríbenos",
    "llámanos",
];

/// Stored names, never for reading.
const RAW_STATES: &[&str] = &[
    "pendiente_validacion",
    "pendiente validacion",
    "en_cola",
    "contrasena_temporal",
];

/// What a stored (feminine) state made of «el registro»; right for «la cuenta».
const WRONG_GENDER: &[&str] = &[
    "está validada",
    "está activa",
    "está expirada",
    "está cancelada",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn files(dir: &str, ext: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    found.sort();
    found
}

/// The text between quotes on one line of code: what a person may read. Literals that are
/// code (SQL, a key without spaces) are left out.
fn literals(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    for quote in ['"', '\'', '`'] {
        let parts: Vec<&str> = line.split(quote).collect();
        for (i, part) in parts.iter().enumerate() {
            let sql = ["SELECT ", "INSERT ", "UPDATE ", "DELETE ", " WHERE "]
                .iter()
                .any(|k| part.contains(k));
            if i % 2 == 1 && part.trim().contains(' ') && !sql {
                out.push((*part).to_owned());
            }
        }
    }
    out
}

fn is_comment(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with("//") || t.starts_with("/*") || t.starts_with('*') || t.starts_with("<!--")
}

/// Every line of a file, as (place, text).
fn lines_of(path: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .enumerate()
        .map(|(n, line)| (format!("{}:{}", path.display(), n + 1), line.to_owned()))
        .collect()
}

/// Every (place, text) a person may read.
fn readable_texts() -> Vec<(String, String)> {
    let mut texts = Vec::new();
    for dir in ["core/templates", "core/legal"] {
        for ext in ["txt", "html"] {
            for path in files(dir, ext) {
                texts.extend(lines_of(&path));
            }
        }
    }
    // The page: its text and attributes, not the markup.
    for (at, line) in lines_of(&root().join("ui/index.html")) {
        if !is_comment(&line) {
            texts.push((at, line.replace(['<', '>', '"', '='], " ")));
        }
    }
    let mut code = Vec::new();
    for dir in ["ui/shared", "ui/screens"] {
        code.extend(files(dir, "js"));
    }
    for dir in [
        "core/src",
        "core/src/domain",
        "core/src/receipt",
        "core/src/reports",
        "core/src/roster",
        "core/src/staff",
        "core/src/store",
        "core/src/registration",
        "core/src/outbox",
        "core/src/sync",
        "central/src",
        "central/src/pages",
        "src-tauri/src",
        "src-tauri/src/commands",
        "src-tauri/src/updates",
    ] {
        code.extend(files(dir, "rs"));
    }
    for path in code {
        for (at, line) in lines_of(&path) {
            if !is_comment(&line) {
                texts.extend(literals(&line).into_iter().map(|l| (at.clone(), l)));
            }
        }
    }
    texts
}

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
}

#[test]
fn everything_a_person_reads_says_usted() {
    let texts = readable_texts();
    assert!(texts.len() > 1000, "read too little: {}", texts.len());
    let found: Vec<String> = texts
        .iter()
        .filter_map(|(at, text)| {
            words(text)
                .find(|w| TU_FORMS.contains(&w.as_str()))
                .map(|w| format!("{at}: «{w}» in «{}»", text.trim()))
        })
        .collect();
    assert!(found.is_empty(), "tú forms:\n{}", found.join("\n"));
}

#[test]
fn no_stored_state_name_reaches_a_sentence() {
    let found: Vec<String> = readable_texts()
        .iter()
        .filter(|(at, _)| !at.ends_with("palabras.js") && !at.contains("words.rs"))
        .filter_map(|(at, text)| {
            let lower = text.to_lowercase();
            let about_a_registration = lower.contains("registro");
            RAW_STATES
                .iter()
                .chain(WRONG_GENDER.iter().filter(|_| about_a_registration))
                .find(|raw| lower.contains(*raw))
                .map(|raw| format!("{at}: «{raw}» in «{}»", text.trim()))
        })
        .collect();
    assert!(found.is_empty(), "raw states:\n{}", found.join("\n"));
}

#[test]
fn the_check_catches_what_it_looks_for() {
    assert!(words("Revisa tu correo").any(|w| TU_FORMS.contains(&w.as_str())));
    assert!(!words("Revise su correo").any(|w| TU_FORMS.contains(&w.as_str())));
    assert_eq!(
        literals(r#"format!("El registro está {}", x) // "tu""#),
        ["El registro está {}"]
    );
}

/// The messages that name a registration's state read it from the one table.
#[test]
fn a_registrations_state_reads_as_its_word_in_every_message() {
    use registro_core::Error;
    use registro_core::domain::RegistrationState;
    for state in RegistrationState::ALL.iter().copied() {
        let folio = "RSL-261127-ABC123".to_owned();
        for message in [
            Error::RegistrationClosed {
                folio: folio.clone(),
                state,
            }
            .to_string(),
            Error::NotPending {
                folio: folio.clone(),
                state,
            }
            .to_string(),
        ] {
            assert!(message.contains(state.word()), "{message}");
            assert!(!message.contains(state.as_str()), "{message}");
        }
    }
    let closed = Error::RegistrationClosed {
        folio: "RSL-261127-ABC123".into(),
        state: RegistrationState::Cancelled,
    };
    assert!(closed.to_string().contains("está cancelado"), "{closed}");
}
