# Sourced by the scripts: the tool paths every build uses.
# npm's binaryen (wasm-opt 132) and tailwind come first: Debian's wasm-opt 108 breaks the wasm.
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# The output name cargo-leptos compiles the server with; plain cargo builds use the same so
# they share compiled crates with cargo-leptos builds.
export LEPTOS_OUTPUT_NAME=postpilot
TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
export POSTPILOT_BIN="${POSTPILOT_BIN:-$TARGET_DIR/release/postpilot}"
# cargo-leptos writes the site under the target directory. Both can be set beforehand, to run
# a copied build while other worktrees rebuild the shared target directory.
export POSTPILOT_SERVER_SITE_ROOT="${POSTPILOT_SERVER_SITE_ROOT:-$TARGET_DIR/site}"
