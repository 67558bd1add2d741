//! The station's disk fills up: the data folder on a small tmpfs the test mounts (as root,
//! or through `sudo -n`), and a filler file that takes the rest. «Registrar» must say in
//! Spanish that nothing was saved because the disk is full, leave nothing half-written,
//! and the same desk must register again once there is room. Linux only (main.rs).

use registro_test_support::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

const HEADER: &str = "numero_afiliacion,numero_serie,nombre_completo,tipo,nucleo_familiar,vigente";

/// A tmpfs of `size` mounted on a new temporary folder; unmounted on drop, so a failing
/// test leaves no mount behind.
struct SmallDisk {
    folder: Option<TestFolder>,
}

fn as_root(args: &[&str]) -> std::io::Result<std::process::Output> {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if root {
        Command::new(args[0]).args(&args[1..]).output()
    } else {
        Command::new("sudo").arg("-n").args(args).output()
    }
}

impl SmallDisk {
    fn mount(size: &str) -> SmallDisk {
        let folder = test_folder();
        let target = folder.path().to_string_lossy().into_owned();
        let options = format!("size={size},mode=0700");
        match as_root(&["mount", "-t", "tmpfs", "-o", &options, "tmpfs", &target]) {
            Ok(out) if out.status.success() => SmallDisk {
                folder: Some(folder),
            },
            Ok(out) => panic!(
                "THE DISK-FULL TEST DID NOT RUN: it mounts a small tmpfs, which needs root or \
                 sudo without a password (sudo -n). mount said: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ),
            Err(e) => panic!(
                "THE DISK-FULL TEST DID NOT RUN: it mounts a small tmpfs, which needs root or \
                 sudo without a password (sudo -n): {e}"
            ),
        }
    }

    fn path(&self) -> &Path {
        self.folder.as_ref().expect("mounted").path()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let Some(folder) = self.folder.take() else {
            return;
        };
        let target = folder.path().to_string_lossy().into_owned();
        let unmounted = as_root(&["umount", &target]).is_ok_and(|o| o.status.success())
            // Files still open (a failing test's desk): detached now, gone when closed.
            || as_root(&["umount", "-l", &target]).is_ok_and(|o| o.status.success());
        if !unmounted {
            eprintln!("could not unmount the test's tmpfs at {target}");
        }
        drop(folder);
    }
}

/// Writes a file until the disk refuses another byte.
fn fill(path: &Path) -> PathBuf {
    let file = path.join("relleno.bin");
    let mut out = std::fs::File::create(&file).unwrap();
    let block = vec![0x5au8; 64 * 1024];
    while out.write_all(&block).is_ok() {}
    for size in [4096usize, 512, 1] {
        while out.write_all(&block[..size]).is_ok() {}
    }
    let _ = out.sync_all();
    file
}

fn invented(i: usize) -> (String, String) {
    let n = 720_000_000 + i;
    (n.to_string(), format!("SF{n}"))
}

#[tokio::test]
async fn a_full_disk_saves_nothing_says_so_and_the_desk_goes_on_once_there_is_room() {
    let disk = SmallDisk::mount("24m");
    let root = disk.path().join("datos");
    let t = spawn_desk_in(&root).await;
    let csv = disk.path().join("padrón.csv");
    let mut roster = String::from(HEADER);
    roster.push('\n');
    for i in 0..300 {
        let (n, serial) = invented(i);
        roster.push_str(&format!(
            "{n},{serial},Persona Ficticia {i},titular,{n},si\n"
        ));
    }
    std::fs::write(&csv, roster).unwrap();
    t.as_supervisor().await;
    t.desk.import_roster(&csv, |_| {}).await.unwrap();
    std::fs::remove_file(&csv).unwrap();
    t.desk.sign_in(CLERK.0, CLERK.1).await.unwrap();
    let (n, serial) = invented(0);
    t.register((&n, &serial), "persona0@example.com").await;

    let filler = fill(disk.path());
    // The database may still have room of its own (free pages, a write-ahead log already
    // grown): registrations succeed until that is used up too.
    let mut saved = 1;
    let mut refused = None;
    for i in 1..300 {
        let (n, serial) = invented(i);
        let form = t.form((&n, &serial), &format!("persona{i}@example.com"));
        match t.desk.register(&form).await {
            Ok(_) => saved += 1,
            Err(e) => {
                refused = Some((form, e));
                break;
            }
        }
    }
    let (form, err) = refused.expect("the full disk refused a registration");
    assert_eq!(err.code(), "disco_lleno", "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("disco") && message.contains("lleno") && message.contains("no se guardó"),
        "{message}"
    );
    assert_eq!(err.field(), None);

    // Nothing of the refused registration, and every saved one whole.
    assert_eq!(
        t.scalar_i64("SELECT count(*) FROM registrations").await,
        saved
    );
    let affiliation = form.affiliation_number.clone();
    assert_eq!(
        t.scalar_i64(&format!(
            "SELECT count(*) FROM registrations WHERE affiliation_number = '{affiliation}'"
        ))
        .await,
        0
    );
    assert_eq!(
        t.scalar_i64(
            "SELECT count(*) FROM registrations r WHERE
                (SELECT count(*) FROM consents c WHERE c.registration_id = r.id) <> 4
             OR (SELECT count(*) FROM validation_tokens v WHERE v.registration_id = r.id) <> 1
             OR (SELECT count(*) FROM outbox_messages o WHERE o.registration_id = r.id) <> 1
             OR (SELECT count(*) FROM sync_queue q WHERE q.registration_id = r.id) < 6"
        )
        .await,
        0,
        "half-written registrations"
    );
    assert_eq!(
        t.scalar_i64("SELECT count(*) FROM outbox_messages").await,
        saved
    );

    // Room again: the same desk, the same form, saved.
    std::fs::remove_file(&filler).unwrap();
    let receipt = t.desk.register(&form).await.unwrap();
    assert_eq!(
        t.state_of(&receipt.registration_id).await,
        "pendiente_validacion"
    );
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(t.desk.store().reader())
        .await
        .unwrap();
    assert_eq!(integrity, "ok");
    t.desk.store().close().await;
}
