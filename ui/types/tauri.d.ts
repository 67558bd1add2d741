// What the screens use of `window.__TAURI__` (withGlobalTauri in tauri.conf.json), by hand:
// without a bundler the UI cannot import @tauri-apps/api, so nothing else declares it.

interface TauriChannel<T> {
  /** Called with each message the Rust side sends on the channel. */
  onmessage: (message: T) => void;
}

interface TauriOpenDialogOptions {
  title?: string;
  defaultPath?: string;
  filters?: { name: string; extensions: string[] }[];
  multiple?: false;
  directory?: false;
}

interface Window {
  __TAURI__: {
    core: {
      /** Rejects with the command's error as the Rust side serialized it. */
      invoke<T>(cmd: string, args?: Record<string, unknown>): Promise<T>;
      Channel: new <T>() => TauriChannel<T>;
    };
    dialog: {
      /** One existing file (the only use here): its path, or null when the clerk cancels. */
      open(options: TauriOpenDialogOptions): Promise<string | null>;
    };
  };
}
