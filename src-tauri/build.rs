fn main() {
    // tauri.conf.json sits at the repository root; the capabilities live beside the sources.
    // tauri-build watches only its default capabilities folder: without this line an edited
    // capability (a permission taken away) would not reach the next build.
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    println!("cargo:rerun-if-changed=tauri.conf.json");
    tauri_build::try_build(
        tauri_build::Attributes::new().capabilities_path_pattern("./src-tauri/capabilities/**/*"),
    )
    .expect("tauri build script");
}
