//! Rows already wait in stations' queues as JSON: each payload struct must keep writing
//! exactly what the hand-built `json!` of earlier versions wrote, and name exactly the
//! central columns its entity inserts.

use super::*;
use serde_json::json;

fn at() -> DateTime<Utc> {
    "2026-11-25T14:05:09.123456Z".parse().unwrap()
}

/// Each payload with fixed values, beside the JSON that earlier versions queued for it.
fn samples() -> Vec<(Entity, Value, Value)> {
    let now = at();
    let detail = json!({ "folio": "RSL-261125-7K3QX9" });
    vec![
        (
            Entity::Document,
            serde_json::to_value(DocumentPayload {
                kind: DocumentKind::AvisoIntegral,
                version: 1,
                title: "Aviso".into(),
                body: "Texto".into(),
                sha256: "ab".repeat(32),
                published_at: now,
            })
            .unwrap(),
            json!({
                "kind": "aviso_integral", "version": 1, "title": "Aviso", "body": "Texto",
                "sha256": "ab".repeat(32), "published_at": now,
            }),
        ),
        (
            Entity::Registration,
            serde_json::to_value(RegistrationPayload {
                id: "r1".into(),
                folio: "RSL-261125-7K3QX9".into(),
                affiliation_number: "900100101".into(),
                phone_e164: "+526865550142".into(),
                email: "ana@example.com".into(),
                state: RegistrationState::PendingValidation,
                family_grouping: true,
                office: "Mexicali".into(),
                workstation: "V1".into(),
                clerk: "mlopez".into(),
                created_at: now,
            })
            .unwrap(),
            json!({
                "id": "r1", "folio": "RSL-261125-7K3QX9", "affiliation_number": "900100101",
                "phone_e164": "+526865550142", "email": "ana@example.com",
                "state": "pendiente_validacion", "family_grouping": true,
                "office": "Mexicali", "workstation": "V1",
                "clerk": "mlopez", "created_at": now,
            }),
        ),
        (
            Entity::Consent,
            serde_json::to_value(ConsentPayload {
                id: "c1".into(),
                registration_id: "r1".into(),
                document_kind: DocumentKind::ConsentimientoAgrupacion,
                document_version: 1,
                document_sha256: "cd".repeat(32),
                accepted: false,
                decided_at: now,
                method: "asistido en ventanilla".into(),
                clerk: "mlopez".into(),
                office: "Mexicali".into(),
                workstation: "V1".into(),
            })
            .unwrap(),
            json!({
                "id": "c1", "registration_id": "r1", "document_kind": "consentimiento_agrupacion",
                "document_version": 1, "document_sha256": "cd".repeat(32),
                "accepted": false, "decided_at": now, "method": "asistido en ventanilla",
                "clerk": "mlopez", "office": "Mexicali", "workstation": "V1",
            }),
        ),
        (
            Entity::Token,
            serde_json::to_value(TokenPayload {
                id: "t1".into(),
                registration_id: "r1".into(),
                link_sha256: "ef".repeat(32),
                code_sha256: "01".repeat(32),
                state: TokenState::Active,
                created_at: now,
                expires_at: now + chrono::Duration::hours(24),
            })
            .unwrap(),
            json!({
                "id": "t1", "registration_id": "r1",
                "link_sha256": "ef".repeat(32),
                "code_sha256": "01".repeat(32), "state": "activo",
                "created_at": now, "expires_at": now + chrono::Duration::hours(24),
            }),
        ),
        (
            Entity::Account,
            serde_json::to_value(AccountPayload {
                registration_id: "r1".into(),
                username: "900100101".into(),
                password_hash: "$argon2id$x".into(),
                must_change_password: true,
                password_set_at: now,
            })
            .unwrap(),
            json!({
                "registration_id": "r1", "username": "900100101",
                "password_hash": "$argon2id$x", "must_change_password": true, "password_set_at": now,
            }),
        ),
        (
            Entity::Audit,
            serde_json::to_value(AuditPayload {
                id: "a1".into(),
                occurred_at: now,
                action: "registro_creado",
                registration_id: None,
                affiliation_number: Some("900100101".into()),
                clerk: "mlopez".into(),
                office: "Mexicali".into(),
                workstation: "V1".into(),
                detail: detail.clone(),
            })
            .unwrap(),
            json!({
                "id": "a1", "occurred_at": now, "action": "registro_creado",
                "registration_id": null, "affiliation_number": "900100101",
                "clerk": "mlopez", "office": "Mexicali", "workstation": "V1",
                "detail": detail,
            }),
        ),
        (
            Entity::Event,
            serde_json::to_value(EventPayload {
                id: "e1".into(),
                registration_id: "r1".into(),
                kind: EventKind::EmailCorrected,
                payload: json!({ "email": "otra@example.com" }),
                occurred_at: now,
            })
            .unwrap(),
            json!({
                "id": "e1", "registration_id": "r1", "kind": "correo_corregido",
                "payload": { "email": "otra@example.com" }, "occurred_at": now,
            }),
        ),
        (
            Entity::Staff,
            serde_json::to_value(StaffVersion {
                id: "s1".into(),
                username: "mlopez".into(),
                full_name: "María López".into(),
                role: Role::Supervisor,
                password_hash: "$argon2id$y".into(),
                active: true,
                must_change_password: false,
                changed_at: now,
                changed_by: "mlopez".into(),
                previous_id: Some("s0".into()),
            })
            .unwrap(),
            // Versions queued before `changed_by` existed arrive without it: the central
            // database refuses them and the station takes the office's version back.
            json!({
                "id": "s1", "username": "mlopez", "full_name": "María López", "role": "supervisor",
                "password_hash": "$argon2id$y", "active": true, "must_change_password": false,
                "changed_at": now, "changed_by": "mlopez", "previous_id": "s0",
            }),
        ),
    ]
}

#[test]
fn every_payload_writes_the_json_earlier_versions_queued() {
    for (entity, payload, earlier) in samples() {
        assert_eq!(payload, earlier, "{entity}");
    }
    // The stored text too: object keys in the same (sorted) order as before.
    let (_, payload, earlier) = &samples()[1];
    assert_eq!(payload.to_string(), earlier.to_string());
}

#[test]
fn every_entity_inserts_exactly_its_payload_fields() {
    let samples = samples();
    for entity in Entity::ALL {
        let (_, payload, _) = samples
            .iter()
            .find(|(e, _, _)| e == entity)
            .unwrap_or_else(|| panic!("no sample of {entity}"));
        let mut fields: Vec<&str> = payload
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut columns = entity.columns().to_vec();
        fields.sort_unstable();
        columns.sort_unstable();
        assert_eq!(fields, columns, "{entity}");
    }
}
