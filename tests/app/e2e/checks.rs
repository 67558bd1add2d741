//! What the tests look at: texts, values, focus and visibility, waiting as a person would;
//! the axe-core accessibility audit and the layout check at the clerks' screen sizes.

use super::harness::{Harness, WAIT, screenshot};
use fantoccini::{Client, Locator};
use std::time::{Duration, Instant};

pub async fn text(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

pub async fn wait_visible(c: &Client, css: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Ok(e) = c.find(Locator::Css(css)).await
            && e.is_displayed().await.unwrap_or(false)
        {
            return;
        }
        assert!(Instant::now() < deadline, "{css} never became visible");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn wait_hidden(c: &Client, css: &str) {
    let deadline = Instant::now() + WAIT;
    while is_displayed(c, css).await {
        assert!(Instant::now() < deadline, "{css} never went away");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn wait_text(c: &Client, css: &str, fragment: &str) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Ok(e) = c.find(Locator::Css(css)).await
            && let Ok(t) = e.text().await
            && t.contains(fragment)
        {
            return t;
        }
        assert!(Instant::now() < deadline, "{css} never said {fragment:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn value(c: &Client, id: &str) -> String {
    c.find(Locator::Id(id))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

/// Waits until the field `id` holds `expected` (a live check rewrites what was typed).
pub async fn wait_value(c: &Client, id: &str, expected: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        let now = value(c, id).await;
        if now == expected {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "#{id} holds {now:?}, never {expected:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn focused(c: &Client) -> String {
    c.active_element()
        .await
        .unwrap()
        .attr("id")
        .await
        .unwrap()
        .unwrap_or_default()
}

pub async fn is_displayed(c: &Client, css: &str) -> bool {
    match c.find(Locator::Css(css)).await {
        Ok(e) => e.is_displayed().await.unwrap_or(false),
        Err(_) => false,
    }
}

/// axe-core (from npm, pinned in package-lock.json) injected into the real window: every
/// finding goes to `axe-<screen>.json` next to the screenshots; serious or critical ones
/// fail the test.
pub async fn audit_accessibility(c: &Client, h: &Harness, screen: &str) {
    let axe = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/node_modules/axe-core/axe.min.js"
    ))
    .expect("axe-core from npm: ./dev.sh test runs npm ci");
    c.execute(
        &format!("if (!window.axe) {{ {axe} }} return true;"),
        vec![],
    )
    .await
    .unwrap();
    let found = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] })
               .then((r) => done({ rules_passed: r.passes.length, violations: r.violations.map((v) => ({
                   id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) })) }))
               .catch((e) => done({ rules_passed: 0, violations: [{ id: 'axe-error', impact: 'critical', help: String(e), nodes: [] }] }));",
            vec![],
        )
        .await
        .unwrap();
    std::fs::write(
        h.shots.join(format!("axe-{screen}.json")),
        serde_json::to_string_pretty(&found).unwrap(),
    )
    .unwrap();
    // An audit that checked nothing would pass anything.
    assert!(
        found["rules_passed"].as_u64().unwrap_or(0) > 10,
        "{screen}: axe ran too few rules: {found}"
    );
    let blocking: Vec<&serde_json::Value> = found["violations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
        .collect();
    assert!(
        blocking.is_empty(),
        "{screen}: accessibility violations {blocking:#?}"
    );
}

/// The screen at the clerks' two screen sizes: nothing sticks out of its box (no text
/// cut off, no sideways scrolling; text for screen readers only is clipped by design); a
/// screenshot of each.
pub async fn check_layout(c: &Client, h: &Harness, name: &str) {
    for (width, height) in [(1920, 1080), (1366, 768)] {
        c.set_window_size(width, height).await.unwrap();
        tokio::time::sleep(Duration::from_millis(400)).await;
        let overflowing = c
            .execute(
                "const bad = [];
                 for (const el of document.querySelectorAll('body *')) {
                   if (!el.getClientRects().length || ['INPUT', 'TEXTAREA', 'SELECT', 'OPTION'].includes(el.tagName)) continue;
                   // Text for screen readers only is clipped to a pixel on purpose.
                   if (el.closest('.solo-lector')) continue;
                   const cs = getComputedStyle(el);
                   if (['auto', 'scroll'].includes(cs.overflowX)) continue;
                   if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1) bad.push(el.id || `${el.tagName}.${el.className}`);
                 }
                 if (document.documentElement.scrollWidth > innerWidth + 1) bad.push('document');
                 return bad;",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            overflowing,
            serde_json::json!([]),
            "{name} at {width}x{height}: content wider than its box"
        );
        screenshot(c, h, &format!("{name}-{width}x{height}")).await;
    }
    c.set_window_size(1366, 768).await.unwrap();
}

/// The names of the files in `dir` (none when it does not exist).
pub fn files_in(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}
