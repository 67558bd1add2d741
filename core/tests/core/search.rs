//! Finding a registration at the desk and what its detail shows.

use chrono::Duration;
use registro_core::domain::Field;
use registro_test_support::*;

#[tokio::test]
async fn search_finds_by_number_folio_email_and_name_and_shows_the_promise() {
    let t = spawn_desk().await;
    let receipt = registered(&t).await;
    for query in [
        "900 100 101",
        receipt.folio.as_str(),
        "XIMENA@example.com",
        "larranaga",
        "Ocampo Larrañaga",
    ] {
        let found = t.desk.search(query).await.unwrap().registrations;
        assert_eq!(found.len(), 1, "{query}");
        assert_eq!(found[0].folio, receipt.folio);
    }
    assert_eq!(
        t.desk.search("xy").await.unwrap_err().field(),
        Some(Field::Query)
    );

    // Not sent yet, within time: no verdict. Eleven minutes later: broken.
    let detail = t
        .desk
        .registration_detail(&receipt.registration_id)
        .await
        .unwrap();
    assert_eq!(detail.promise.kept, None);
    assert_eq!(detail.consents.len(), 4);
    assert_eq!(detail.emails.len(), 1);
    assert_eq!(detail.emails[0].state.as_str(), "en_cola");
    t.away(Duration::minutes(11)).await;
    let detail = t
        .desk
        .registration_detail(&receipt.registration_id)
        .await
        .unwrap();
    assert_eq!(detail.promise.kept, Some(false));
    t.deliver().await;
    let detail = t
        .desk
        .registration_detail(&receipt.registration_id)
        .await
        .unwrap();
    assert_eq!(detail.promise.kept, Some(false));
    assert_eq!(detail.emails[0].state.as_str(), "enviado");
    assert_eq!(detail.emails[0].attempt_log.len(), 1);

    let other = t.register(BENEFICIARY, "e@example.com").await;
    t.clock.advance(Duration::minutes(1));
    t.deliver().await;
    let detail = t
        .desk
        .registration_detail(&other.registration_id)
        .await
        .unwrap();
    assert_eq!(detail.promise.kept, Some(true));
    assert_eq!(detail.promise.elapsed_secs, 60);
}

/// What is pasted by mistake gets a field message, not a slow scan or an internal error:
/// a 50 KB search, a 50 KB cancellation reason.
#[tokio::test]
async fn oversized_input_is_refused_with_a_message_naming_the_field() {
    let t = spawn_desk().await;
    let receipt = registered(&t).await;
    let pasted = "Ocampo ".repeat(7_500);
    let err = t.desk.search(&pasted).await.unwrap_err();
    assert_eq!(err.field(), Some(Field::Query));
    assert!(err.to_string().contains("hasta 120 caracteres"), "{err}");

    let err = t
        .desk
        .cancel_registration(&receipt.registration_id, &supervisor_approval(), &pasted)
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some(Field::Reason));
    assert!(err.to_string().contains("hasta 500 caracteres"), "{err}");
    assert_eq!(
        t.state_of(&receipt.registration_id).await,
        "pendiente_validacion"
    );
}

/// A name is found by any part of it, from an index of the registered affiliates' names
/// that follows the roster: a name corrected by the next import is found by its new
/// spelling only, and what the clerk types is never an operator.
#[tokio::test]
async fn a_name_is_found_by_any_part_and_follows_the_roster() {
    let t = spawn_desk().await;
    let header = "numero_afiliacion,numero_serie,nombre_completo,tipo,nucleo_familiar,vigente";
    let roster = |name: &str, body: &str| {
        let path = t.paths.root.join(name);
        std::fs::write(&path, format!("{header}\n{body}")).unwrap();
        path
    };
    t.as_supervisor().await;
    t.desk
        .import_roster(
            &roster(
                "padron-enero.csv",
                "700000001,SER0001,Mariana Ñúñez O'Brien,titular,700000001,si\n\
                 700000002,SER0002,Mario Pruebas Dos,titular,700000002,si\n\
                 700000003,SER0003,Nora Sin Registro,titular,700000003,si\n",
            ),
            |_| {},
        )
        .await
        .unwrap();
    let mariana = t
        .register(("700000001", "SER0001"), "mariana@example.org")
        .await;
    t.register(("700000002", "SER0002"), "mario@example.org")
        .await;
    let folios = |found: registro_core::search::SearchResults| {
        found
            .registrations
            .into_iter()
            .map(|s| s.folio)
            .collect::<Vec<_>>()
    };

    // Any part of three characters or more, without accents or capitals, inside a word or
    // across two.
    for query in [
        "NUNEZ",
        "ñez o'b",
        "ana ñú",
        "o'brien",
        "  Mariana   Núñez ",
    ] {
        assert_eq!(
            folios(t.desk.search(query).await.unwrap()),
            std::slice::from_ref(&mariana.folio),
            "«{query}»"
        );
    }
    // Both registered affiliates share «pr»… only Mario has «pruebas»; nobody is found by
    // the name of an affiliate who never registered.
    assert_eq!(
        t.desk.search("pruebas").await.unwrap().registrations.len(),
        1
    );
    assert!(
        t.desk
            .search("sin registro")
            .await
            .unwrap()
            .registrations
            .is_empty()
    );
    // Operators of the full-text syntax and LIKE's wildcards are plain characters.
    for query in [
        "\"mariana",
        "mar*",
        "nu%ez",
        "nu_ez",
        "mariana OR mario",
        "NEAR(a b)",
        "a:b c",
    ] {
        assert!(
            t.desk.search(query).await.unwrap().registrations.is_empty(),
            "«{query}» matched as an operator"
        );
    }

    // The February roster corrects her surname: the new spelling finds her, the old does not.
    t.desk
        .import_roster(
            &roster(
                "padron-febrero.csv",
                "700000001,SER0001,Mariana Núñez Obregón,titular,700000001,si\n\
                 700000002,SER0002,Mario Pruebas Dos,titular,700000002,si\n",
            ),
            |_| {},
        )
        .await
        .unwrap();
    assert!(
        t.desk
            .search("o'brien")
            .await
            .unwrap()
            .registrations
            .is_empty()
    );
    assert_eq!(
        folios(t.desk.search("obregon").await.unwrap()),
        std::slice::from_ref(&mariana.folio)
    );
    // And the detail shows the name the roster has now.
    assert_eq!(
        t.desk.search("obregon").await.unwrap().registrations[0]
            .full_name
            .as_deref(),
        Some("Mariana Núñez Obregón")
    );
}

/// A part that many names share (a common surname) shows the page of the newest, the
/// newest registration first, and says there are more.
#[tokio::test]
async fn a_part_many_names_share_shows_the_newest_page() {
    let t = spawn_desk().await;
    let header = "numero_afiliacion,numero_serie,nombre_completo,tipo,nucleo_familiar,vigente";
    let rows: String = (1..=55)
        .map(|i| {
            format!(
                "7000000{i:02},SER00{i:02},Persona Ficticia García {i},titular,7000000{i:02},si\n"
            )
        })
        .collect();
    let path = t.paths.root.join("padron.csv");
    std::fs::write(&path, format!("{header}\n{rows}")).unwrap();
    t.as_supervisor().await;
    t.desk.import_roster(&path, |_| {}).await.unwrap();
    let mut folios = Vec::new();
    for i in 1..=55 {
        let number = format!("7000000{i:02}");
        let serial = format!("SER00{i:02}");
        let receipt = t
            .register((&number, &serial), &format!("persona{i}@example.org"))
            .await;
        folios.push(receipt.folio);
        t.clock.advance(chrono::Duration::seconds(1));
    }
    let found = t.desk.search("garcia").await.unwrap();
    assert!(found.more, "the screen says there are more");
    let shown: Vec<String> = found.registrations.into_iter().map(|s| s.folio).collect();
    let newest: Vec<String> = folios.iter().rev().take(50).cloned().collect();
    assert_eq!(shown, newest);
    // The full name narrows it to one, and nothing more is said.
    let found = t.desk.search("garcia 7").await.unwrap();
    assert!(!found.more);
    assert_eq!(found.registrations.len(), 1);
}

/// Someone registered on the demo roster and then listed in the institute's file: the first
/// real import removes the demo rows (and their names from the index) and writes the file's
/// row, and the registration is found by the name the file gives. The roster's trigger runs
/// its body only for an affiliate with a registration; this is the one it must not skip.
#[tokio::test]
async fn a_registration_made_before_its_roster_row_is_found_by_the_new_name() {
    let t = spawn_desk().await;
    let demo = t
        .register(("900100101", "DEMO4821907"), "ximena@example.org")
        .await;
    assert_eq!(
        t.desk
            .search("larrañaga")
            .await
            .unwrap()
            .registrations
            .len(),
        1
    );
    t.as_supervisor().await;
    let path = t.paths.root.join("padron.csv");
    std::fs::write(
        &path,
        "numero_afiliacion,numero_serie,nombre_completo,tipo,nucleo_familiar,vigente\n\
         900100101,SER7001,Ximena Pruebas Quintero,titular,900100101,si\n\
         700000009,SER7009,Nadie Registrado,titular,700000009,si\n",
    )
    .unwrap();
    t.desk.import_roster(&path, |_| {}).await.unwrap();

    let found = t.desk.search("quintero").await.unwrap().registrations;
    assert_eq!(found.len(), 1, "found by the file's name");
    assert_eq!(found[0].folio, demo.folio);
    assert_eq!(
        found[0].full_name.as_deref(),
        Some("Ximena Pruebas Quintero")
    );
    assert!(
        t.desk
            .search("larrañaga")
            .await
            .unwrap()
            .registrations
            .is_empty()
    );
    // Nobody is indexed who has no registration.
    assert!(
        t.desk
            .search("nadie registrado")
            .await
            .unwrap()
            .registrations
            .is_empty()
    );
}
