//! A second process of the running test binary: a second app instance on the same data
//! folder, or an app that is killed in the middle of its work. The parent test runs this
//! binary again with only itself selected and `CHILD_ENV` set; the same test function
//! then finds `child_part()` and plays the other process. They talk in lines: the child
//! on its stdout (after a marker, apart from the test harness's own output), the parent
//! on the child's stdin.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Set in the child: what part it plays (the test decides what the text means).
pub const CHILD_ENV: &str = "REGISTRO_TEST_CHILD";
const MARK: &str = "registro-hijo: ";

/// The part this process plays, when it is a test's child process.
pub fn child_part() -> Option<String> {
    std::env::var(CHILD_ENV).ok()
}

/// The test harness's name of test `function` in `module` (`module_path!()`), as
/// `--exact` wants it: without the binary's own crate name.
pub fn test_name(module: &str, function: &str) -> String {
    match module.split_once("::") {
        Some((_, inside)) => format!("{inside}::{function}"),
        None => function.to_owned(),
    }
}

/// In the child: one line for the parent.
pub fn tell_parent(line: &str) {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{MARK}{line}").expect("stdout");
    out.flush().expect("stdout");
}

/// In the child: waits for the parent's next line.
pub fn hear_from_parent() -> String {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .expect("a line from the parent");
    line.trim_end().to_owned()
}

/// The parent's handle on a child; killed and reaped on drop, so a failing test leaves no
/// process behind.
pub struct ChildProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
}

impl ChildProcess {
    /// Runs test `test` (see [`test_name`]) of this binary in a new process, playing `part`.
    pub fn spawn(test: &str, part: &str) -> ChildProcess {
        let mut child = Command::new(std::env::current_exe().expect("this test binary"))
            .args([test, "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, part)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("a second process of this test binary");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                // The harness may have begun the line ("test name ... ") before the test spoke.
                if let Some((_, said)) = line.split_once(MARK)
                    && tx.send(said.trim_end().to_owned()).is_err()
                {
                    break;
                }
            }
        });
        ChildProcess {
            stdin: child.stdin.take(),
            child,
            lines,
        }
    }

    /// The child's next line; `None` if it ended (or said nothing within `timeout`).
    pub fn next_line(&self, timeout: Duration) -> Option<String> {
        self.lines.recv_timeout(timeout).ok()
    }

    pub fn tell(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("the child's stdin");
        writeln!(stdin, "{line}").expect("a line to the child");
        stdin.flush().expect("a line to the child");
    }

    /// Ends the process at once, as «Finalizar tarea» or a forced sign-out would: no destructor,
    /// no rollback, no flush runs in it (TerminateProcess on Windows, SIGKILL on Linux).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Waits for the child to end; with every line it said that the parent has not read.
    pub fn wait(&mut self) -> (ExitStatus, Vec<String>) {
        self.stdin = None;
        let status = self.child.wait().expect("the child's exit");
        (status, self.lines.iter().collect())
    }
}

impl Drop for ChildProcess {
    fn drop(&mut self) {
        self.kill();
    }
}
