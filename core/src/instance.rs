//! One app per data folder. A clerk who double-clicks the icon again (the window was
//! behind another, or minimized) gets the window that is already open, brought to the
//! front, instead of a second window on the same database with its own session and its
//! own half-filled form.
//!
//! The proof of "already running" is an operating-system lock on a file in the data
//! folder (`LockFileEx` on Windows, `flock` elsewhere): the system releases it when the
//! process ends, however it ends, so a crash or «Finalizar tarea» never leaves the desk
//! refusing to open. The second launch asks the first to come to the front by leaving a
//! file beside it, which the first one polls: no port, no pipe name another user of the
//! PC could squat on, and it works the same under Windows and Linux.

use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::path::{Path, PathBuf};

/// Held by the running app for as long as it runs.
const LOCK_FILE: &str = "instancia.lock";
/// Left by a second launch; removed by the running app once it has come to the front.
const FOCUS_REQUEST_FILE: &str = "traer-al-frente";

/// This process is the data folder's app; dropping it lets another one start.
#[derive(Debug)]
pub struct InstanceLock {
    _file: File,
    focus_request: PathBuf,
}

impl InstanceLock {
    /// Takes the data folder for this process, or `None` when another process of the app
    /// holds it. A focus request left over from before is discarded: it was meant for a
    /// window that no longer exists.
    pub fn acquire(root: &Path) -> io::Result<Option<Self>> {
        std::fs::create_dir_all(root)?;
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(root.join(LOCK_FILE))?;
        match file.try_lock() {
            Ok(()) => {
                let focus_request = root.join(FOCUS_REQUEST_FILE);
                let _ = std::fs::remove_file(&focus_request);
                Ok(Some(Self {
                    _file: file,
                    focus_request,
                }))
            }
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(e)) => Err(e),
        }
    }

    /// Asks the app that holds `root` to bring its window to the front.
    pub fn request_focus(root: &Path) -> io::Result<()> {
        std::fs::write(root.join(FOCUS_REQUEST_FILE), b"")
    }

    /// True once for each request a second launch left since the last call.
    pub fn take_focus_request(&self) -> bool {
        std::fs::remove_file(&self.focus_request).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_launch_on_the_same_folder_finds_the_first_and_can_start_once_it_ends() {
        let dir = tempfile::tempdir().unwrap();
        let first = InstanceLock::acquire(dir.path())
            .unwrap()
            .expect("first launch");
        assert!(
            InstanceLock::acquire(dir.path()).unwrap().is_none(),
            "a second launch must not open the same database"
        );
        drop(first);
        assert!(
            InstanceLock::acquire(dir.path()).unwrap().is_some(),
            "once the first app ended (however it ended) the desk opens again"
        );
    }

    #[test]
    fn another_data_folder_is_another_desk() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let _first = InstanceLock::acquire(a.path()).unwrap().unwrap();
        assert!(InstanceLock::acquire(b.path()).unwrap().is_some());
    }

    #[test]
    fn a_focus_request_is_answered_once_and_a_stale_one_is_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        // Left by a second launch whose first app then crashed.
        InstanceLock::request_focus(dir.path()).unwrap();
        let running = InstanceLock::acquire(dir.path()).unwrap().unwrap();
        assert!(
            !running.take_focus_request(),
            "a request from before is stale"
        );

        InstanceLock::request_focus(dir.path()).unwrap();
        assert!(running.take_focus_request());
        assert!(!running.take_focus_request(), "one request, one raise");
    }
}
