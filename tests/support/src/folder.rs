//! Temporary folders for the tests' data (desks' SQLite files, emails, rosters), removed
//! when the test is over, on Windows too.
//!
//! Windows cannot remove a file that is still open (Linux can). A desk's database stays
//! open until the test's tokio runtime has shut down, which happens after the test's own
//! variables are dropped; so a folder that cannot be removed at once is removed when the
//! test's thread ends. The test harness waits for that before it counts the test done.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub struct TestFolder {
    dir: Option<tempfile::TempDir>,
}

/// A new, empty temporary folder.
pub fn test_folder() -> TestFolder {
    TestFolder {
        dir: Some(tempfile::tempdir().expect("a temporary folder")),
    }
}

impl TestFolder {
    pub fn path(&self) -> &Path {
        self.dir.as_ref().expect("not dropped yet").path()
    }
}

impl Drop for TestFolder {
    fn drop(&mut self) {
        let Some(dir) = self.dir.take() else { return };
        let path = dir.keep();
        if std::fs::remove_dir_all(&path).is_ok() {
            return;
        }
        let deferred = LEFT_FOR_THREAD_END.try_with(|left| left.0.borrow_mut().push(path.clone()));
        if deferred.is_err() {
            // The thread is ending already.
            remove_when_released(&path);
        }
    }
}

/// Removes `path` once its files are closed (waits up to 10 s).
fn remove_when_released(path: &Path) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::fs::remove_dir_all(path).is_err() && path.exists() {
        if Instant::now() > deadline {
            eprintln!("could not remove {}: files still open", path.display());
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

struct LeftForThreadEnd(RefCell<Vec<PathBuf>>);

impl Drop for LeftForThreadEnd {
    fn drop(&mut self) {
        for path in self.0.take() {
            remove_when_released(&path);
        }
    }
}

thread_local! {
    static LEFT_FOR_THREAD_END: LeftForThreadEnd = const { LeftForThreadEnd(RefCell::new(Vec::new())) };
}
