// Writes src-tauri/tauri.conf.json for the Tauri CLI's bundler, from the root tauri.conf.json.
//
// The CLI takes the folder of the configuration it reads as the app crate's, and insists on a
// [package] in the Cargo.toml beside it: ours is at the root beside the workspace manifest, so
// `scripts/desk.sh package` points the CLI at src-tauri (TAURI_APP_PATH) with this copy, whose
// paths are made absolute so that they mean the same to the CLI and to tauri-build (which reads
// the root file and merges what the CLI passes). The copy is removed after; it is not committed.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const config = JSON.parse(readFileSync(resolve(root, "tauri.conf.json"), "utf8"));
const absolute = (p) => resolve(root, p);
config.build.frontendDist = absolute(config.build.frontendDist);
config.bundle.icon = config.bundle.icon.map(absolute);
const deb = config.bundle.linux?.deb;
if (deb?.files) {
  deb.files = Object.fromEntries(Object.entries(deb.files).map(([to, from]) => [to, absolute(from)]));
}
writeFileSync(resolve(root, "src-tauri/tauri.conf.json"), `${JSON.stringify(config, null, 2)}\n`);
