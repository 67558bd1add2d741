//! The validation link against mail scanners: opening it (GET, HEAD) changes nothing, only
//! the «Validar mi cuenta» button (POST) validates, once; every response carries the
//! security headers; unknown tokens are limited per client address, on every instance.

use crate::world::*;
use registro_central::headers::CONTENT_SECURITY_POLICY;
use registro_test_support::*;

/// Nothing about the registration moved: still pending centrally, its token unused, no
/// account and no email.
async fn assert_untouched(w: &World) {
    assert_eq!(
        central_text(w, "SELECT state FROM registrations").await,
        "pendiente_validacion"
    );
    assert_eq!(
        central_text(w, "SELECT state FROM validation_tokens").await,
        "activo"
    );
    assert_eq!(central_i64(w, "SELECT count(*) FROM accounts").await, 0);
    assert_eq!(
        central_i64(w, "SELECT count(*) FROM outbox_messages").await,
        0
    );
}

#[tokio::test]
async fn a_scanner_that_opens_the_link_changes_nothing_and_only_the_button_validates() {
    let w = world().await;
    let t = desk_for(&w).await;
    let receipt = t.register(TITULAR, "ximena@example.com").await;
    t.deliver().await;
    t.desk.sync_once().await.unwrap();
    let link = link_of(&t, "ximena@example.com");

    // What Safe Links and its kind do: HEAD, then GET, more than once.
    let head = client().head(&link).send().await.unwrap();
    assert_eq!(head.status().as_u16(), 200);
    for _ in 0..3 {
        let (status, page) = get(&link).await;
        assert_eq!(status, 200);
        assert!(page.contains("Valide su cuenta") && page.contains(&receipt.folio));
        assert!(page.contains(r#"<form method="post" action="validar">"#));
        assert!(page.contains(r#"<button class="boton" type="submit">Validar mi cuenta</button>"#));
    }
    assert_untouched(&w).await;
    t.desk.sync_once().await.unwrap();
    assert_eq!(
        t.state_of(&receipt.registration_id).await,
        "pendiente_validacion",
        "the desk sees nothing either"
    );

    // The person presses the button: validated, once.
    let (_, page) = get(&link).await;
    let token = form_token(&page);
    let (status, page) = post_form(&w.base, &[("token", &token)]).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Su cuenta quedó validada"));
    let (status, page) = post_form(&w.base, &[("token", &token)]).await;
    assert_eq!(status, 410);
    assert!(page.contains("Este enlace ya se usó"));
    let head = client().head(&link).send().await.unwrap();
    assert_eq!(head.status().as_u16(), 410);
    assert_eq!(
        central_i64(&w, "SELECT count(*) FROM outbox_messages").await,
        1
    );
    assert_eq!(
        central_text(&w, "SELECT state FROM registrations").await,
        "validada"
    );
}

#[tokio::test]
async fn every_response_carries_the_security_headers_and_no_page_has_a_script_or_inline_style() {
    let w = world().await;
    let t = desk_for(&w).await;
    t.register(TITULAR, "ximena@example.com").await;
    t.deliver().await;
    t.desk.sync_once().await.unwrap();
    let link = link_of(&t, "ximena@example.com");
    let token = link.rsplit('=').next().unwrap().to_owned();
    let c = client();
    let unknown = format!("{}?token={}", w.base, "ab".repeat(32));
    let requests = vec![
        ("GET link", c.get(&link)),
        ("HEAD link", c.head(&link)),
        ("POST link", c.post(&w.base).form(&[("token", &token)])),
        ("GET used link", c.get(&link)),
        ("GET unknown link", c.get(&unknown)),
        ("POST without a form", c.post(&w.base)),
        ("GET /entrar", c.get(w.url("/entrar"))),
        (
            "POST /entrar empty",
            c.post(w.url("/entrar")).form(&[("usuario", "")]),
        ),
        (
            "POST /entrar wrong",
            c.post(w.url("/entrar")).form(&[
                ("usuario", "900100101"),
                ("contrasena", "no-es-esta"),
                ("nueva", "el mar de San Felipe"),
                ("confirmacion", "el mar de San Felipe"),
            ]),
        ),
        ("GET /estilo.css", c.get(w.url("/estilo.css"))),
        ("GET /salud", c.get(w.url("/salud"))),
        ("GET unknown page", c.get(w.url("/no-existe"))),
        ("PUT /validar", c.put(&w.base)),
        (
            "portal without key",
            c.post(w.url("/api/portal/v1/verificar")),
        ),
    ];
    for (what, request) in requests {
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let h = response.headers().clone();
        let header = |name: &str| {
            h.get(name)
                .unwrap_or_else(|| panic!("{what} ({status}) lacks {name}"))
                .to_str()
                .unwrap()
                .to_owned()
        };
        assert_eq!(
            header("content-security-policy"),
            CONTENT_SECURITY_POLICY,
            "{what}"
        );
        assert!(header("content-security-policy").starts_with("default-src 'none'"));
        assert_eq!(header("cache-control"), "no-store", "{what}");
        assert_eq!(header("referrer-policy"), "no-referrer", "{what}");
        assert_eq!(header("x-frame-options"), "DENY", "{what}");
        assert_eq!(header("x-content-type-options"), "nosniff", "{what}");
        let content_type = h
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let body = response.text().await.unwrap();
        if content_type.starts_with("text/html") && what != "HEAD link" {
            assert!(
                body.contains(r#"<link rel="stylesheet" href="estilo.css">"#),
                "{what}"
            );
            assert!(!body.contains("<script"), "{what}: {body}");
            assert!(
                !body.contains("<style") && !body.contains(" style="),
                "{what}: {body}"
            );
            assert!(body.contains(r#"<html lang="es-MX">"#), "{what}");
        }
        if what == "GET /estilo.css" {
            assert_eq!(content_type, "text/css; charset=utf-8");
            assert!(body.contains(".boton"));
        }
    }
}

#[tokio::test]
async fn unknown_links_are_limited_per_client_address_on_every_instance() {
    let behind_our_balancer = |c: &mut registro_central::Config| {
        c.limits.unknown_links_per_address = 3;
        c.trusted_proxies =
            registro_central::client_address::TrustedProxies::parse("127.0.0.1").unwrap();
    };
    let w = world_with(behind_our_balancer).await;
    let second = spawn_central_with(&w.pg, &w.smtp, "central-2", behind_our_balancer).await;
    let second_base = w
        .base
        .replace(&format!(":{}/", w.port), &format!(":{second}/"));
    let t = desk_for(&w).await;
    t.register(TITULAR, "ximena@example.com").await;
    t.deliver().await;
    t.desk.sync_once().await.unwrap();
    let link = link_of(&t, "ximena@example.com");
    fresh_window(&w, 15 * 60).await;

    let from = |address: &'static str, url: String| async move {
        let response = client()
            .get(url)
            .header("X-Forwarded-For", address)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let retry = response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().parse::<u64>().unwrap());
        (status, retry, response.text().await.unwrap())
    };
    let guess = |base: &str, n: usize| format!("{base}?token={:064x}", n);

    // Three guesses from one client, spread over both instances, count as one client's.
    assert_eq!(from("203.0.113.7", guess(&w.base, 1)).await.0, 404);
    assert_eq!(from("203.0.113.7", guess(&second_base, 2)).await.0, 404);
    assert_eq!(
        from("203.0.113.7", format!("{}?token=corto", w.base))
            .await
            .0,
        404
    );
    let (status, retry, page) = from("203.0.113.7", guess(&second_base, 3)).await;
    assert_eq!(status, 429);
    assert!(page.contains("Demasiados intentos"), "{page}");
    assert!((1..=900).contains(&retry.unwrap()));
    // While limited, not even a real link is looked at from there (a guesser must learn
    // nothing), and nothing changes.
    assert_eq!(from("203.0.113.7", link.clone()).await.0, 429);
    assert_untouched(&w).await;
    // Another client behind the same balancer is not affected.
    let (status, _, page) = from("203.0.113.8", link.clone()).await;
    assert_eq!(status, 200, "{page}");
    // Real links never count: opening one again and again is not guessing.
    for _ in 0..4 {
        assert_eq!(from("198.51.100.20", link.clone()).await.0, 200);
    }

    // An instance that was not told to trust a balancer ignores the header: anyone could
    // write it, so all of these come from 127.0.0.1.
    let direct = spawn_central_with(&w.pg, &w.smtp, "central-3", |c| {
        c.limits.unknown_links_per_address = 3;
    })
    .await;
    let direct_base = w
        .base
        .replace(&format!(":{}/", w.port), &format!(":{direct}/"));
    for (n, forged) in ["192.0.2.1", "192.0.2.2", "192.0.2.3"]
        .into_iter()
        .enumerate()
    {
        assert_eq!(from(forged, guess(&direct_base, 10 + n)).await.0, 404);
    }
    assert_eq!(from("192.0.2.4", guess(&direct_base, 20)).await.0, 429);
}
