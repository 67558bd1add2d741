//! A hello-world Tauri 2 app: one window, one page with one input, no plugins and no
//! commands. It is the anchor of `scripts/measure-window.sh`, which starts it and the
//! real app the same way and compares their window start and idle memory.

fn main() {
    tauri::Builder::default()
        .run(tauri::generate_context!())
        .expect("error while running the hello-world app");
}
