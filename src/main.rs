use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    postpilot::cli::Cli::parse().run().await
}
