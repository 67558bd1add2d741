//! The catalogue of bad inputs (`core/tests/data/entradas_malas.csv`): empty, huge,
//! control and invisible characters, bidi overrides, HTML and script, SQL, spreadsheet
//! formulas, emoji, look-alike digits, NUL, bytes that are not UTF-8 and lone surrogates
//! (which only JSON can carry), each through a real entry point: the registration form,
//! the search, a cancellation's reason, the settings and a roster line. Each is refused
//! with what the front end shows (`{code, field, message}`: the right field, a Spanish
//! message, nothing written) or kept as plain text, exactly as typed.
//!
//! The same catalogue goes through the app's commands in `tests/app/commands.rs`; its
//! escapes are read in `registro_test_support::bad_inputs`.

use registro_core::Error;
use registro_core::domain::Field;
use registro_core::registration::RegistrationForm;
use registro_test_support::bad_inputs::{Entry, catalogue, unescape};
use registro_test_support::*;
use std::path::Path;

const HEADER: &str = "numero_afiliacion,numero_serie,nombre_completo,tipo,nucleo_familiar,vigente";
const PEOPLE: usize = 400;

fn invented(i: usize) -> (String, String) {
    let n = 730_000_000 + i;
    (n.to_string(), format!("SF{n}"))
}

fn field_of(name: &str) -> Field {
    match name {
        "afiliacion" => Field::AffiliationNumber,
        "serie" => Field::CredentialSerial,
        "telefono" => Field::Phone,
        "correo" => Field::Email,
        "confirmacion" => Field::EmailConfirmation,
        "busqueda" => Field::Query,
        "motivo" => Field::Reason,
        "oficina" => Field::Office,
        "estacion" => Field::Workstation,
        "remitente_nombre" => Field::SenderName,
        "remitente_correo" => Field::SenderAddress,
        "url_enlace" => Field::LinkBaseUrl,
        "url_inicio_sesion" => Field::SignInUrl,
        other => panic!("unknown field {other}"),
    }
}

/// What the front end would receive, judged: the field named, a Spanish message, not the
/// generic internal failure.
fn refusal_problem(err: &Error, field: Field) -> Option<String> {
    if err.is_internal() {
        return Some(format!("an internal error: {err:?}"));
    }
    let names_it =
        err.field() == Some(field) || err.field_errors().iter().any(|e| e.field == field);
    if !names_it {
        return Some(format!(
            "refused without naming {field:?}: {} {:?} {err}",
            err.code(),
            err.field()
        ));
    }
    let spanish = |m: &str| {
        !m.trim().is_empty()
            && [
                " el ", " la ", " de ", " del ", " no ", "á", "é", "í", "ó", "ú", "ñ", " un",
                " lleva", "Revise",
            ]
            .iter()
            .any(|w| m.contains(w))
    };
    let messages: Vec<String> = std::iter::once(err.to_string())
        .chain(err.field_errors().iter().map(|e| e.message.clone()))
        .collect();
    messages
        .iter()
        .find(|m| !spanish(m))
        .map(|m| format!("a message that is not a Spanish sentence: {m:?}"))
}

/// Rows of every table a refused input must leave as they were.
async fn rows(t: &TestDesk) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in [
        "registrations",
        "consents",
        "validation_tokens",
        "outbox_messages",
        "audit_events",
        "sync_queue",
        "roster_affiliates",
    ] {
        counts.push(t.scalar_i64(&format!("SELECT count(*) FROM {table}")).await);
    }
    counts
}

#[tokio::test]
async fn every_bad_input_of_the_catalogue_is_refused_on_its_field_or_kept_as_plain_text() {
    let t = spawn_desk().await;
    let csv = t.paths.root.join("padrón.csv");
    let mut roster = String::from(HEADER);
    roster.push('\n');
    for i in 0..PEOPLE {
        let (n, serial) = invented(i);
        roster.push_str(&format!(
            "{n},{serial},Persona Ficticia {i},titular,{n},si\n"
        ));
    }
    std::fs::write(&csv, roster).unwrap();
    t.as_supervisor().await;
    t.desk.import_roster(&csv, |_| {}).await.unwrap();

    let entries = catalogue();
    assert!(entries.len() >= 200, "{} entries", entries.len());
    let mut next_person = 0;
    let mut problems = Vec::new();
    for (k, entry) in entries.iter().enumerate() {
        let problem = if entry.raw.starts_with("json:") {
            through_json(entry)
        } else if entry.field.starts_with("padron_") {
            through_roster(&t, entry, k).await
        } else {
            match entry.field.as_str() {
                "afiliacion" | "serie" | "telefono" | "correo" | "confirmacion" => {
                    next_person += 1;
                    through_form(&t, entry, next_person).await
                }
                "busqueda" => through_search(&t, entry).await,
                "motivo" => {
                    next_person += 1;
                    through_reason(&t, entry, next_person).await
                }
                _ => through_settings(&t, entry).await,
            }
        };
        if let Some(problem) = problem {
            problems.push(format!("{}: {problem}", entry.about()));
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {} inputs went wrong:\n{}",
        problems.len(),
        entries.len(),
        problems.join("\n")
    );
}

/// Lone surrogates exist only in JSON's escapes: the front end's JSON that carries one is
/// refused as a whole before any command runs.
fn through_json(entry: &Entry) -> Option<String> {
    let body = entry.raw.trim_start_matches("json:");
    let text = serde_json::from_str::<String>(&format!("\"{body}\""));
    let form = serde_json::from_str::<RegistrationForm>(&format!(
        "{{\"affiliation_number\": \"{body}\", \"email\": \"{body}\"}}"
    ));
    match (entry.expected.as_str(), text, form) {
        ("json", Err(_), Err(_)) => None,
        (_, text, form) => Some(format!(
            "expected {}, JSON read as {text:?} / {:?}",
            entry.expected,
            form.map(|f| f.affiliation_number)
        )),
    }
}

async fn through_form(t: &TestDesk, entry: &Entry, person: usize) -> Option<String> {
    let text = entry.text();
    let (n, serial) = invented(person);
    let mut form = t.form((&n, &serial), &format!("persona{person}@example.com"));
    match entry.field.as_str() {
        "afiliacion" => form.affiliation_number = text.clone(),
        "serie" => form.credential_serial = text.clone(),
        "telefono" => form.phone = text.clone(),
        "correo" => {
            form.email = text.clone();
            form.email_confirmation = text.clone();
        }
        _ => form.email_confirmation = text.clone(),
    }
    let field = field_of(&entry.field);
    let before = rows(t).await;
    let outcome = t.desk.register(&form).await;
    let after = rows(t).await;
    match (entry.expected.as_str(), outcome) {
        ("rechazo", Err(e)) => {
            // A wrong serial is counted and audited on purpose (five lock the number out);
            // nothing of a registration may be written.
            let compared = if e.code() == "serie_no_coincide" {
                4
            } else {
                before.len()
            };
            refusal_problem(&e, field).or_else(|| {
                (before[..compared] != after[..compared])
                    .then(|| format!("refused but wrote: {before:?} → {after:?}"))
            })
        }
        (expected, Ok(receipt)) if expected.starts_with("acepta:") => {
            let stored: String = sqlx::query_scalar(
                "SELECT CASE ?2 WHEN 'telefono' THEN phone_e164 ELSE email END
                   FROM registrations WHERE id = ?1",
            )
            .bind(&receipt.registration_id)
            .bind(&entry.field)
            .fetch_one(t.desk.store().reader())
            .await
            .unwrap();
            let wanted = String::from_utf8(unescape(&expected["acepta:".len()..])).unwrap();
            (stored != wanted).then(|| format!("stored {stored:?}, expected {wanted:?}"))
        }
        (expected, Ok(receipt)) => Some(format!(
            "expected {expected}, registered as {}",
            receipt.folio
        )),
        (expected, Err(e)) => Some(format!("expected {expected}, refused: {} {e}", e.code())),
    }
}

async fn through_search(t: &TestDesk, entry: &Entry) -> Option<String> {
    let before = rows(t).await;
    let outcome = t.desk.search(&entry.text()).await;
    let after = rows(t).await;
    if before != after {
        return Some(format!("a search wrote: {before:?} → {after:?}"));
    }
    match (entry.expected.as_str(), outcome) {
        ("rechazo", Err(e)) => refusal_problem(&e, Field::Query),
        // Nobody's name, email or folio holds these characters: a result means the
        // query was interpreted (a wildcard, say), not searched as typed.
        ("inerte", Ok(found)) => (!found.registrations.is_empty()).then(|| {
            format!(
                "found {} registrations for text nobody has",
                found.registrations.len()
            )
        }),
        (expected, Ok(found)) => Some(format!(
            "expected {expected}, found {}",
            found.registrations.len()
        )),
        (expected, Err(e)) => Some(format!("expected {expected}, refused: {} {e}", e.code())),
    }
}

async fn through_reason(t: &TestDesk, entry: &Entry, person: usize) -> Option<String> {
    let (n, serial) = invented(person);
    let receipt = t
        .register((&n, &serial), &format!("persona{person}@example.com"))
        .await;
    let text = entry.text();
    let before = rows(t).await;
    let outcome = t
        .desk
        .cancel_registration(&receipt.registration_id, &supervisor_approval(), &text)
        .await;
    let after = rows(t).await;
    match (entry.expected.as_str(), outcome) {
        ("rechazo", Err(e)) => refusal_problem(&e, Field::Reason).or_else(|| {
            (before != after).then(|| format!("refused but wrote: {before:?} → {after:?}"))
        }),
        ("inerte", Ok(())) => {
            let stored: Option<String> =
                sqlx::query_scalar("SELECT closed_reason FROM registrations WHERE id = ?")
                    .bind(&receipt.registration_id)
                    .fetch_one(t.desk.store().reader())
                    .await
                    .unwrap();
            // As typed, with runs of spaces and line breaks made one space.
            let typed = text.split_whitespace().collect::<Vec<_>>().join(" ");
            (stored.as_deref() != Some(typed.as_str()))
                .then(|| format!("stored {stored:?}, typed {typed:?}"))
        }
        (expected, Ok(())) => Some(format!("expected {expected}, cancelled")),
        (expected, Err(e)) => Some(format!("expected {expected}, refused: {} {e}", e.code())),
    }
}

async fn through_settings(t: &TestDesk, entry: &Entry) -> Option<String> {
    let text = entry.text();
    let field = field_of(&entry.field);
    let mut new = t.desk.settings();
    let baseline = new.clone();
    match field {
        Field::Office => new.office = text.clone(),
        Field::Workstation => new.workstation = text.clone(),
        Field::SenderName => new.sender_name = text.clone(),
        Field::SenderAddress => new.sender_address = text.clone(),
        Field::SignInUrl => new.sign_in_url = text.clone(),
        _ => new.link_base_url = text.clone(),
    }
    let before = rows(t).await;
    let outcome = t
        .desk
        .change_settings(
            new,
            None,
            None,
            &supervisor_approval(),
            &t.paths.outbox_files(),
        )
        .await;
    let after = rows(t).await;
    let problem = match (entry.expected.as_str(), outcome) {
        ("rechazo", Err(e)) => refusal_problem(&e, field).or_else(|| {
            (before != after).then(|| format!("refused but wrote: {before:?} → {after:?}"))
        }),
        ("inerte", Ok(())) => {
            let now = t.desk.settings();
            let stored = match field {
                Field::Office => now.office,
                Field::Workstation => now.workstation,
                Field::SenderName => now.sender_name,
                Field::SenderAddress => now.sender_address,
                Field::SignInUrl => now.sign_in_url,
                _ => now.link_base_url,
            };
            (stored != text).then(|| format!("kept {stored:?}, typed {text:?}"))
        }
        (expected, Ok(())) => Some(format!("expected {expected}, saved")),
        (expected, Err(e)) => Some(format!("expected {expected}, refused: {} {e}", e.code())),
    };
    // The next entry starts from the same settings.
    if t.desk.settings() != baseline {
        t.desk
            .change_settings(
                baseline,
                None,
                None,
                &supervisor_approval(),
                &t.paths.outbox_files(),
            )
            .await
            .unwrap();
    }
    problem
}

/// One roster line with the entry in its column (quoted as a spreadsheet saves it), or
/// the entry as the whole line.
async fn through_roster(t: &TestDesk, entry: &Entry, k: usize) -> Option<String> {
    let n = 739_000_000 + k;
    let mut values: Vec<Vec<u8>> = [
        n.to_string(),
        format!("SF{n}"),
        format!("Persona Ficticia {k}"),
        "titular".into(),
        n.to_string(),
        "si".into(),
    ]
    .into_iter()
    .map(String::into_bytes)
    .collect();
    let column = match entry.field.as_str() {
        "padron_afiliacion" => Some(0),
        "padron_serie" => Some(1),
        "padron_nombre" => Some(2),
        "padron_tipo" => Some(3),
        "padron_nucleo" => Some(4),
        "padron_vigente" => Some(5),
        _ => None,
    };
    let mut file = HEADER.as_bytes().to_vec();
    file.push(b'\n');
    match column {
        Some(c) => {
            values[c] = entry.bytes.clone();
            let quoted: Vec<Vec<u8>> = values
                .iter()
                .map(|v| {
                    let mut q = vec![b'"'];
                    for &b in v {
                        if b == b'"' {
                            q.push(b'"');
                        }
                        q.push(b);
                    }
                    q.push(b'"');
                    q
                })
                .collect();
            file.extend(quoted.join(&b","[..]));
        }
        None => file.extend(&entry.bytes),
    }
    file.push(b'\n');
    let path = t.paths.root.join(format!("padrón {k}.csv"));
    std::fs::write(&path, &file).unwrap();
    let before = rows(t).await;
    let outcome = t.desk.import_roster(Path::new(&path), |_| {}).await;
    let after = rows(t).await;
    let name = registro_core::roster::COLUMNS
        .get(column.unwrap_or(usize::MAX))
        .copied();
    match (entry.expected.as_str(), outcome) {
        ("rechazo", Ok(report)) => {
            let error = report.errors.first();
            if report.rejected != 1 || report.imported != 0 {
                Some(format!(
                    "expected the line refused: {} imported, {} rejected",
                    report.imported, report.rejected
                ))
            } else if column.is_some() && error.and_then(|e| e.column) != name {
                Some(format!("refused on another column: {error:?}"))
            } else if error.is_none_or(|e| e.message.trim().is_empty()) {
                Some(format!("refused without a reason: {error:?}"))
            } else if before[6] != after[6] {
                Some("the roster changed".into())
            } else {
                None
            }
        }
        ("rechazo", Err(e)) => (e.code() != "archivo_padron"
            || e.field() != Some(Field::RosterFile))
        .then(|| format!("refused the file with {} {e}", e.code())),
        ("inerte", Ok(report)) => {
            let stored: Option<String> = sqlx::query_scalar(
                "SELECT full_name FROM roster_affiliates WHERE affiliation_number = ?",
            )
            .bind(n.to_string())
            .fetch_optional(t.desk.store().reader())
            .await
            .unwrap();
            let typed = String::from_utf8(entry.bytes.clone()).unwrap();
            (report.imported != 1 || stored.as_deref() != Some(typed.as_str())).then(|| {
                format!(
                    "imported {} with the name {stored:?}, typed {typed:?}: {:?}",
                    report.imported, report.errors
                )
            })
        }
        (expected, Ok(report)) => Some(format!("expected {expected}: {report:?}")),
        (expected, Err(e)) => Some(format!("expected {expected}, refused: {} {e}", e.code())),
    }
}
